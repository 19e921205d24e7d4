// n8n Code node "Authorize" (workflow "Zikra API").
// Given the worker's answer about the bearer token, checks the role and the projects, fills
// the per-command defaults and builds the worker request. Output: {ok: true, route, command,
// requested, payload} or {ok: false, status, body: {error}}.

const RANK = { reader: 1, writer: 2, admin: 3 };
// The least role each command needs, and the worker route it goes to.
const POLICY = {
  search: { role: 'reader', route: 'search' },
  get_memory: { role: 'reader', route: 'get_memory' },
  get_prompt: { role: 'reader', route: 'get_prompt' },
  stats: { role: 'reader', route: 'stats' },
  save_memory: { role: 'writer', route: 'save_memory' },
  save_requirement: { role: 'writer', route: 'save_memory', memoryType: 'requirement' },
  log_error: { role: 'writer', route: 'save_memory', memoryType: 'error' },
  save_prompt: { role: 'writer', route: 'save_prompt' },
  log_run: { role: 'writer', route: 'log_run' },
};
const REQUIRED = {
  search: ['query'], save_memory: ['title', 'content_md'], save_requirement: ['title', 'content_md'],
  log_error: ['title', 'content_md'], get_prompt: ['prompt_name'], save_prompt: ['prompt_name', 'content_md'],
  log_run: ['status'],
};
const MULTI_PROJECT = new Set(['search', 'stats']);
const WRITES = new Set(['save_memory', 'log_run']);

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
  if (verify.statusCode === 503 && verify.body && verify.body.error) return { ok: false, status: 503, body: verify.body };
  return fail(503, 'worker_unavailable', `The Zikra worker answered ${verify.statusCode} to the token check.`);
}

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
  if (!valid || (projects.length > 1 && !MULTI_PROJECT.has(command))) {
    const what = MULTI_PROJECT.has(command) ? 'a project name or a list of names' : 'a project name';
    return fail(400, 'invalid_request', `project must be ${what}.`, 'project');
  }
  const denied = allowed === null ? [] : projects.filter((p) => !allowed.includes(p));
  if (denied.length) return fail(403, 'forbidden', `This token may not use project ${denied.join(', ')}.`);
  return { projects };
}

function payloadFor(command, body, projects, owner, allowed) {
  const project = projects[0];
  switch (command) {
    case 'search':
      return { query: body.query, projects, memory_types: body.memory_type ?? null, limit: body.limit ?? 5,
        max_tokens: body.max_tokens ?? null, include_archived: body.include_archived ?? false };
    case 'save_memory': case 'save_requirement': case 'log_error':
      return { project, title: body.title, content_md: body.content_md, tags: body.tags ?? [], source: body.source ?? null,
        created_by: owner, memory_type: POLICY[command].memoryType || (body.memory_type ?? 'decision') };
    case 'get_memory':
      return { id: body.id ?? null, title: body.title ?? null, project: project ?? null, projects: allowed };
    case 'get_prompt':
      return { project, prompt_name: body.prompt_name };
    case 'save_prompt':
      return { project, prompt_name: body.prompt_name, content_md: body.content_md,
        description: body.description ?? null, created_by: owner };
    case 'log_run': {
      const fields = ['status', 'output_summary', 'session_id', 'agent', 'tokens_in', 'tokens_out', 'duration_s', 'files_changed'];
      const run = { project, created_by: owner };
      for (const field of fields) run[field] = body[field] ?? null;
      return run;
    }
    default:
      return { projects };
  }
}

function authorize(request, verify) {
  const failure = tokenFailure(verify);
  if (failure) return failure;
  const token = verify.body;
  const { command, body } = request;
  const policy = POLICY[command];
  if (!(RANK[token.role] >= RANK[policy.role])) {
    return fail(403, 'forbidden', `A ${token.role} token may not run ${command}.`);
  }
  for (const field of REQUIRED[command] || []) {
    if (isBlank(body[field])) return fail(400, 'invalid_request', `${field} is required.`, field);
  }
  if (command === 'get_memory' && isBlank(body.id) && isBlank(body.title)) {
    return fail(400, 'invalid_request', 'id or title is required.', 'id');
  }
  // By id, get_memory may look in every project the token may read.
  const byIdAnywhere = command === 'get_memory' && !isBlank(body.id) && isBlank(body.project);
  const resolved = byIdAnywhere ? { projects: [] } : resolveProjects(command, body, token.projects ?? null);
  if (resolved.ok === false) return resolved;
  const payload = payloadFor(command, body, resolved.projects, token.owner, token.projects ?? null);
  // Writes replayed with the same key (a hook's spool) take effect once.
  if (WRITES.has(policy.route) && !isBlank(body.idempotency_key)) payload.idempotency_key = body.idempotency_key;
  return { ok: true, route: policy.route, command, requested: request.requested, payload };
}

if (typeof $input === 'undefined') {
  module.exports = { authorize, POLICY };
  return;
}
try {
  return [{ json: authorize($('Check request').first().json, $input.first().json) }];
} catch (error) {
  // Never leave the client without an answer, and never show it a stack trace.
  return [{ json: { ok: false, status: 500, body: { error: { code: 'internal_error', message: 'The request could not be processed.' } } } }];
}
