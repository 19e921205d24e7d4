// n8n Code node "Check request" (workflow "Zikra API"), the one Code node on the request path.
// Runs after "Verify token" (each Code node is a round trip to n8n's task runner, so the request
// checks and the authorization share one). Order of checks: body size (413), bearer token (401),
// JSON object and known command (400; names and aliases are case-insensitive), the worker's
// answer about the token (401, 429, 503), role (403), required fields (400), projects (400/403).
// Output: {ok: true, route, path, command, requested, payload, reply} or {ok: false, status, body: {error}}.
// `path` is the worker endpoint "Worker: call" posts `payload` to; it comes from COMMAND_TABLE, never from the request.
// The node hands `payload` on as JSON text (asItem), so n8n never walks the request's values again;
// the worker checks the fields' types and names a wrong one.
// `reply` holds what "Respond" adds to a success body: the command that ran, and the alias used.

// One record per command, the only place its rules live:
//   aliases   other names it answers to (SPEC §2, and those of earlier Zikra clients);
//   role      the least role that may run it;
//   route     the worker route, which is also the "Route command" output it leaves by (sync_code.py
//             writes those Switch rules from ROUTES); the endpoint is /<route> unless `path` says;
//   branch    the first node of its branch after "Route command" (default "Worker: call");
//   required  fields that must not be blank;
//   projects  'one' (a project, the token's only one, or default), 'many' (a name or a list),
//             'by_id' (one, or with an id and no project every project the token may read),
//             'none' (token management: not about a project);
//   idempotencyKey  whether a replayed request with the same key takes effect once (a hook's spool);
//   payload   what the worker gets: (body, projects, owner, allowed) -> object.
const COMMAND_TABLE = {
  search: {
    aliases: ['find', 'query', 'recall', 'retrieve', 'lookup', 'remember', 'search_memory'],
    role: 'reader', route: 'search', required: ['query'], projects: 'many',
    payload: (body, projects) => ({ query: body.query, projects, memory_types: body.memory_type ?? null,
      limit: body.limit ?? 5, max_tokens: body.max_tokens ?? null, include_archived: body.include_archived ?? false,
      explain: body.explain ?? false, min_relevance: body.min_relevance ?? null }),
  },
  brief: {
    aliases: ['project_brief'], role: 'reader', route: 'brief', branch: 'Brief policy', projects: 'one',
    // The policy is added by the workflow's "Brief policy" node, never taken from the request.
    payload: (body, projects) => ({ project: projects[0], max_tokens: body.max_tokens ?? null }),
  },
  save_memory: {
    aliases: ['save', 'store', 'write', 'add_memory'], role: 'writer', route: 'save_memory',
    required: ['title', 'content_md'], projects: 'one', idempotencyKey: true,
    payload: (body, projects, owner) => memoryPayload(body, projects, owner, body.memory_type ?? 'decision'),
  },
  get_memory: {
    aliases: ['get', 'fetch'], role: 'reader', route: 'get_memory', projects: 'by_id',
    payload: (body, projects, owner, allowed) => ({ id: body.id ?? null, title: body.title ?? null,
      project: projects[0] ?? null, projects: allowed }),
  },
  get_prompt: {
    aliases: ['prompt', 'run_prompt', 'fetch_prompt'], role: 'reader', route: 'get_prompt',
    required: ['prompt_name'], projects: 'one',
    payload: (body, projects) => ({ project: projects[0], prompt_name: body.prompt_name }),
  },
  save_prompt: {
    aliases: [], role: 'writer', route: 'save_prompt', required: ['prompt_name', 'content_md'], projects: 'one',
    payload: (body, projects, owner) => ({ project: projects[0], prompt_name: body.prompt_name,
      content_md: body.content_md, description: body.description ?? null, created_by: owner }),
  },
  save_requirement: {
    aliases: ['requirement'], role: 'writer', route: 'save_memory', required: ['title', 'content_md'],
    projects: 'one', idempotencyKey: true,
    payload: (body, projects, owner) => memoryPayload(body, projects, owner, 'requirement'),
  },
  log_run: {
    aliases: ['run', 'log_session', 'end_session'], role: 'writer', route: 'log_run', required: ['status'],
    projects: 'one', idempotencyKey: true,
    payload: (body, projects, owner) => {
      const fields = ['status', 'output_summary', 'session_id', 'agent', 'tokens_in', 'tokens_out', 'duration_s', 'files_changed'];
      const run = { project: projects[0], created_by: owner };
      for (const field of fields) run[field] = body[field] ?? null;
      return run;
    },
  },
  log_error: {
    aliases: ['error', 'log_bug', 'report_error'], role: 'writer', route: 'save_memory',
    required: ['title', 'content_md'], projects: 'one', idempotencyKey: true,
    payload: (body, projects, owner) => memoryPayload(body, projects, owner, 'error'),
  },
  stats: {
    aliases: ['memory_stats'], role: 'reader', route: 'stats', projects: 'many',
    payload: (body, projects) => ({ projects }),
  },
  list_memories: {
    aliases: ['list'], role: 'reader', route: 'list_memories', projects: 'many',
    payload: (body, projects) => ({ projects, memory_types: body.memory_type ?? null, tags: body.tags ?? null,
      archived: body.archived ?? 'exclude', limit: body.limit ?? 20, offset: body.offset ?? 0 }),
  },
  update_memory: {
    aliases: ['edit', 'update'], role: 'writer', route: 'update_memory', required: ['id'], projects: 'by_id',
    payload: (body, projects, owner, allowed) => ({ id: body.id, project: projects[0] ?? null, projects: allowed,
      title: body.title ?? null, content_md: body.content_md ?? null, tags: body.tags ?? null,
      memory_type: body.memory_type ?? null, actor: owner }),
  },
  archive_memory: {
    aliases: ['archive'], role: 'writer', route: 'archive_memory', required: ['id'], projects: 'by_id',
    payload: (body, projects, owner, allowed) => ({ id: body.id, project: projects[0] ?? null, projects: allowed, actor: owner }),
  },
  restore_memory: {
    aliases: ['restore', 'unarchive'], role: 'writer', route: 'restore_memory', required: ['id'], projects: 'by_id',
    payload: (body, projects, owner, allowed) => ({ id: body.id, project: projects[0] ?? null, projects: allowed, actor: owner }),
  },
  list_runs: {
    aliases: [], role: 'reader', route: 'list_runs', projects: 'many',
    payload: (body, projects) => ({ projects, limit: body.limit ?? 50, days: body.days ?? 30 }),
  },
  list_tokens: {
    aliases: [], role: 'admin', route: 'list_tokens', path: '/tokens/list', projects: 'none', payload: () => ({}),
  },
  create_token: {
    aliases: [], role: 'admin', route: 'create_token', path: '/tokens/create', required: ['owner', 'role'],
    projects: 'none',
    payload: (body, projects, owner) => ({ owner: body.owner, role: body.role, projects: body.projects ?? null, actor: owner }),
  },
  revoke_token: {
    aliases: [], role: 'admin', route: 'revoke_token', path: '/tokens/revoke', required: ['id'], projects: 'none',
    payload: (body, projects, owner) => ({ id: body.id, actor: owner }),
  },
};

function memoryPayload(body, projects, owner, memoryType) {
  return { project: projects[0], title: body.title, content_md: body.content_md, tags: body.tags ?? [],
    source: body.source ?? null, created_by: owner, memory_type: memoryType };
}

// Views of the table: the names and aliases, and each "Route command" output with its branch.
const COMMANDS = Object.fromEntries(Object.entries(COMMAND_TABLE).map(([name, c]) => [name, c.aliases]));
const ROUTES = [...new Map(Object.values(COMMAND_TABLE).map((c) => [c.route, c.branch || 'Worker: call']))]
  .map(([route, branch]) => ({ route, branch }));
const MAX_TOKEN_CHARS = 256;

function commandTable() {
  const table = Object.create(null); // no inherited names: "constructor" is no command
  for (const [command, aliases] of Object.entries(COMMANDS)) {
    table[command] = command;
    for (const alias of aliases) table[alias] = command;
  }
  return table;
}

// >>> shared: token-check.js (sync_code.py copies code/shared/token-check.js here; edit it there)
// The worker's answer to the token check, read the same way by both workflows: null when the
// token is good, else the refusal (401 unknown or revoked; 429 and 503 with the worker's body;
// 503 when the worker cannot be reached, refuses n8n's secret or answers anything else).
function fail(status, code, message, field) {
  const error = { code, message };
  if (field) error.field = field;
  return { ok: false, status, body: { error } };
}

function tokenFailure(verify) {
  if (!verify || verify.error || !verify.statusCode) {
    return fail(503, 'worker_unavailable', 'The Zikra worker is unavailable; try again shortly.');
  }
  const code = verify.body && verify.body.error && verify.body.error.code;
  if (code === 'worker_secret_mismatch') {
    return fail(503, 'worker_unavailable', 'The Zikra worker refused n8n: ZIKRA_WORKER_SECRET differs between them.');
  }
  if (verify.statusCode === 401) return fail(401, 'unauthorized', 'The bearer token is unknown or revoked.');
  if (verify.statusCode === 200) return null;
  if (verify.statusCode === 429 && verify.body && verify.body.error) return { ok: false, status: 429, body: verify.body };
  if (verify.statusCode === 503 && verify.body && verify.body.error) return { ok: false, status: 503, body: verify.body };
  return fail(503, 'worker_unavailable', `The Zikra worker answered ${verify.statusCode} to the token check.`);
}
// <<< shared: token-check.js

// The first top-level field whose value cannot be read, or null. In n8n's task runner the
// request comes wrapped in proxies over frozen built-ins, and reading an object that has its own
// `toString` (or `valueOf`, `hasOwnProperty`...) key throws there: such a body once failed the
// whole execution (n8n answered 200 with no body).
function unreadableField(body) {
  for (const key of Object.keys(body)) {
    try {
      JSON.stringify(body[key]);
    } catch (error) {
      return key;
    }
  }
  return null;
}

function checkRequest(item, maxBodyBytes) {
  const headers = item.headers || {};
  if (Number(headers['content-length'] || 0) > maxBodyBytes) {
    return fail(413, 'payload_too_large', `The request body is larger than ${maxBodyBytes} bytes.`);
  }
  const match = /^Bearer +([^\s]+) *$/i.exec(String(headers.authorization || ''));
  if (!match || match[1].length > MAX_TOKEN_CHARS) {
    return fail(401, 'unauthorized', 'Send a token: Authorization: Bearer <token>.');
  }
  const body = item.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return fail(400, 'invalid_request', 'The request body must be a JSON object.', 'body');
  }
  const unreadable = unreadableField(body);
  if (unreadable !== null) {
    return fail(400, 'invalid_request', `${unreadable} holds an object with a key named like a built-in method `
      + '(such as toString or valueOf); send plain values.', unreadable);
  }
  if (typeof body.command !== 'string' || !body.command.trim()) {
    return fail(400, 'invalid_request', 'command is required.', 'command');
  }
  const requested = body.command.trim().toLowerCase();
  const command = commandTable()[requested];
  if (!command) {
    const known = Object.keys(COMMANDS).join(', ');
    return fail(400, 'invalid_request', `command ${JSON.stringify(body.command)} is unknown; commands: ${known}.`, 'command');
  }
  return { ok: true, verify: { token: match[1] }, command, requested, body };
}

const RANK = { reader: 1, writer: 2, admin: 3 };

function isBlank(value) {
  return value === undefined || value === null || (typeof value === 'string' && !value.trim());
}

// The projects a request names, or the token's only project, or "default".
function resolveProjects(command, body, allowed) {
  let projects = body.project;
  if (isBlank(projects)) {
    if (allowed === null) return { projects: ['default'] };
    if (allowed.length === 1) return { projects: [allowed[0]] };
    return fail(400, 'invalid_request', `project is required: this token may use ${allowed.join(', ')}.`, 'project');
  }
  if (typeof projects === 'string') projects = [projects];
  const valid = Array.isArray(projects) && projects.length > 0 && projects.length <= 100
    && projects.every((p) => typeof p === 'string' && p.trim() && p.length <= 200);
  const many = COMMAND_TABLE[command].projects === 'many';
  if (!valid || (projects.length > 1 && !many)) {
    const what = many ? 'a project name or a list of names' : 'a project name';
    return fail(400, 'invalid_request', `project must be ${what}.`, 'project');
  }
  const denied = allowed === null ? [] : projects.filter((p) => !allowed.includes(p));
  if (denied.length) return fail(403, 'forbidden', `This token may not use project ${denied.join(', ')}.`);
  return { projects };
}

function authorize(request, verify) {
  const failure = tokenFailure(verify);
  if (failure) return failure;
  const token = verify.body;
  const { command, body } = request;
  const spec = COMMAND_TABLE[command];
  if (!(RANK[token.role] >= RANK[spec.role])) {
    return fail(403, 'forbidden', `A ${token.role} token may not run ${command}.`);
  }
  for (const field of spec.required || []) {
    if (isBlank(body[field])) return fail(400, 'invalid_request', `${field} is required.`, field);
  }
  if (command === 'get_memory' && isBlank(body.id) && isBlank(body.title)) {
    return fail(400, 'invalid_request', 'id or title is required.', 'id');
  }
  // By id, get_memory and the edit commands may look in every project the token may read.
  const byIdAnywhere = spec.projects === 'by_id' && !isBlank(body.id) && isBlank(body.project);
  const resolved = byIdAnywhere || spec.projects === 'none' ? { projects: [] }
    : resolveProjects(command, body, token.projects ?? null);
  if (resolved.ok === false) return resolved;
  const payload = spec.payload(body, resolved.projects, token.owner, token.projects ?? null);
  if (spec.idempotencyKey && !isBlank(body.idempotency_key)) payload.idempotency_key = body.idempotency_key;
  return { ok: true, route: spec.route, path: spec.path || `/${spec.route}`, command, requested: request.requested, payload };
}

// The whole decision for one request: the webhook item, then the worker's token answer.
function handle(item, verify, maxBodyBytes) {
  const request = checkRequest(item, maxBodyBytes);
  if (!request.ok) return request;
  const decision = authorize(request, verify);
  if (!decision.ok) return decision;
  decision.reply = { command: decision.command };
  if (decision.requested !== decision.command) decision.reply.alias = decision.requested;
  return decision;
}

// The node's output item: the decision, with the worker's payload as JSON text.
function asItem(decision) {
  if (!decision.ok) return decision;
  return { ...decision, payload: JSON.stringify(decision.payload) };
}

if (typeof $input === 'undefined') {
  module.exports = { handle, asItem, checkRequest, unreadableField, authorize, COMMAND_TABLE, COMMANDS, ROUTES };
  return;
}
const maxBodyBytes = Number($env.ZIKRA_MAX_BODY_BYTES) || 1048576;
try {
  return [{ json: asItem(handle($('Webhook').first().json, $input.first().json, maxBodyBytes)) }];
} catch (error) {
  // Never leave the client without an answer, and never show it a stack trace.
  return [{ json: { ok: false, status: 500, body: { error: { code: 'internal_error', message: 'The request could not be processed.' } } } }];
}
