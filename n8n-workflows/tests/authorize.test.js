// "Check request", second half: the worker's token answer, roles, required fields, projects and per-command defaults
// (SPEC §2, §6, §7, §11).
const test = require('node:test');
const assert = require('node:assert/strict');
const { authorize, COMMAND_TABLE } = require('../code/check-request.js');
const { assertRefusal } = require('./helpers.js');

const token = (role = 'writer', projects = null, owner = 'ann') => ({ statusCode: 200, body: { id: 't1', owner, role, projects } });
const request = (command, body = {}, requested = command) => ({ command, requested, body: { command: requested, ...body } });

// A body that passes the required-field check of each command.
const VALID = {
  search: { query: 'why postgres' },
  brief: {},
  save_memory: { title: 'Use pgvector', content_md: 'Because.' },
  save_requirement: { title: 'Must be fast', content_md: 'p95 < 50 ms' },
  log_error: { title: 'Timeout', content_md: 'Stack...' },
  get_memory: { id: '00000000-0000-0000-0000-000000000001' },
  get_prompt: { prompt_name: 'release' },
  save_prompt: { prompt_name: 'release', content_md: '1. tag' },
  log_run: { status: 'success' },
  stats: {},
  list_memories: {},
  list_runs: {},
  update_memory: { id: '00000000-0000-0000-0000-000000000001', title: 'New title' },
  archive_memory: { id: '00000000-0000-0000-0000-000000000001' },
  restore_memory: { id: '00000000-0000-0000-0000-000000000001' },
  list_tokens: {},
  create_token: { owner: 'bob', role: 'reader' },
  revoke_token: { id: '00000000-0000-0000-0000-000000000002' },
};
const READS = ['search', 'brief', 'get_memory', 'get_prompt', 'stats', 'list_memories', 'list_runs'];
const WRITES = ['save_memory', 'save_requirement', 'log_error', 'save_prompt', 'log_run', 'update_memory', 'archive_memory', 'restore_memory'];
const ADMIN = ['list_tokens', 'create_token', 'revoke_token'];
const BY_ID = ['get_memory', 'update_memory', 'archive_memory', 'restore_memory'];
const run = (command, role = 'writer', projects = null, extra = {}) =>
  authorize(request(command, { ...VALID[command], ...extra }), token(role, projects));

test('every command has a policy and a valid body for these tests', () => {
  assert.deepEqual(Object.keys(COMMAND_TABLE).sort(), Object.keys(VALID).sort());
});

test('a worker that cannot be reached (error item, empty item, no status) is a 503 worker_unavailable', () => {
  for (const verify of [{ error: { message: 'connect ECONNREFUSED 127.0.0.1:7724' } }, {}, null, undefined]) {
    assertRefusal(authorize(request('search', VALID.search), verify), 503, 'worker_unavailable');
  }
});

test('an unknown or revoked token (worker 401) is a 401', () => {
  const verify = { statusCode: 401, body: { error: { code: 'unauthorized', message: 'x' } } };
  assertRefusal(authorize(request('search', VALID.search), verify), 401, 'unauthorized');
});

test("a worker 503 with an error body is passed through, so the client learns which dependency is down", () => {
  const body = { error: { code: 'database_unavailable', message: 'The database is unreachable.' } };
  assert.deepEqual(authorize(request('search', VALID.search), { statusCode: 503, body }), { ok: false, status: 503, body });
});

test('any other worker answer to the token check (500, 503 without body, 400) is a 503 naming the status', () => {
  for (const statusCode of [500, 503, 400, 404]) {
    const result = authorize(request('search', VALID.search), { statusCode, body: 'oops' });
    assertRefusal(result, 503, 'worker_unavailable');
    assert.match(result.body.error.message, new RegExp(String(statusCode)));
  }
});

test('a 200 token check lets the request through with route, command, requested and payload', () => {
  const result = authorize(request('search', VALID.search, 'recall'), token('reader'));
  assert.deepEqual(Object.keys(result).sort(), ['command', 'ok', 'path', 'payload', 'requested', 'route']);
  assert.deepEqual([result.ok, result.route, result.command, result.requested], [true, 'search', 'search', 'recall']);
});

test('role matrix: readers run only reads; writers also writes; admins every command', () => {
  for (const command of Object.keys(COMMAND_TABLE)) {
    assert.equal(run(command, 'reader').ok, READS.includes(command), `reader ${command}`);
    assert.equal(run(command, 'writer').ok, !ADMIN.includes(command), `writer ${command}`);
    assert.equal(run(command, 'admin').ok, true, `admin ${command}`);
  }
  for (const command of ADMIN) {
    assertRefusal(run(command, 'writer'), 403, 'forbidden');
  }
  for (const command of WRITES) {
    const result = run(command, 'reader');
    assertRefusal(result, 403, 'forbidden');
    assert.match(result.body.error.message, new RegExp(`reader token may not run ${command}`));
  }
});

test('the role is checked before the body: a reader sending an empty save is a 403, not a 400', () => {
  assertRefusal(authorize(request('save_memory'), token('reader')), 403, 'forbidden');
});

test('a token whose role the policy does not know is refused',
  () => {
    for (const role of [undefined, null, 'owner']) {
      const verify = { statusCode: 200, body: { owner: 'ann', role, projects: null } };
      assertRefusal(authorize(request('save_memory', VALID.save_memory), verify), 403, 'forbidden');
    }
  });

test('every required field missing, null or blank is a 400 naming that field', () => {
  const required = {
    search: ['query'], save_memory: ['title', 'content_md'], save_requirement: ['title', 'content_md'],
    log_error: ['title', 'content_md'], get_prompt: ['prompt_name'], save_prompt: ['prompt_name', 'content_md'],
    log_run: ['status'], update_memory: ['id'], archive_memory: ['id'], restore_memory: ['id'],
    create_token: ['owner', 'role'], revoke_token: ['id'],
  };
  for (const [command, fields] of Object.entries(required)) {
    for (const field of fields) {
      for (const value of [undefined, null, '', '  \n']) {
        const body = { ...VALID[command], [field]: value };
        const result = authorize(request(command, body), token('admin'));
        assertRefusal(result, 400, 'invalid_request', field);
        assert.match(result.body.error.message, new RegExp(`^${field} is required`));
      }
    }
  }
  assert.equal(authorize(request('stats'), token()).ok, true);
});

test('get_memory needs an id or a title (400 naming id), and either one is enough', () => {
  for (const body of [{}, { id: '', title: ' ' }, { id: null, title: null }]) {
    const result = authorize(request('get_memory', body), token());
    assertRefusal(result, 400, 'invalid_request', 'id');
    assert.match(result.body.error.message, /id or title/);
  }
  assert.equal(authorize(request('get_memory', { id: 'abc' }), token()).ok, true);
  assert.equal(authorize(request('get_memory', { title: 'Use pgvector' }), token()).ok, true);
});

test("project: left out, a token for every project uses 'default'", () => {
  assert.equal(run('save_memory').payload.project, 'default');
  assert.deepEqual(run('search').payload.projects, ['default']);
  assert.equal(run('save_memory', 'writer', null, { project: '  ' }).payload.project, 'default');
});

test('project: left out, a token limited to exactly one project uses it', () => {
  assert.equal(run('save_memory', 'writer', ['web']).payload.project, 'web');
  assert.deepEqual(run('search', 'reader', ['web']).payload.projects, ['web']);
  assert.equal(run('log_run', 'writer', ['web']).payload.project, 'web');
});

test('project: left out, a token limited to several projects is a 400 naming project and listing them', () => {
  for (const command of Object.keys(COMMAND_TABLE).filter((c) => !BY_ID.includes(c) && !ADMIN.includes(c))) {
    const result = run(command, 'admin', ['web', 'api']);
    assertRefusal(result, 400, 'invalid_request', 'project');
    assert.match(result.body.error.message, /web, api/);
  }
  const byTitle = authorize(request('get_memory', { title: 'T' }), token('admin', ['web', 'api']));
  assertRefusal(byTitle, 400, 'invalid_request', 'project');
});

test('get_memory by id with no project looks in every project the token may read', () => {
  const result = run('get_memory', 'reader', ['web', 'api']);
  assert.equal(result.ok, true);
  assert.deepEqual(result.payload.projects, ['web', 'api']);
  assert.equal(result.payload.project, null);
});

test('project: one the token may not use is a 403 naming it; one it may use goes through', () => {
  const denied = run('save_memory', 'writer', ['web', 'api'], { project: 'secret' });
  assertRefusal(denied, 403, 'forbidden');
  assert.match(denied.body.error.message, /secret/);
  assert.equal(run('save_memory', 'writer', ['web', 'api'], { project: 'api' }).payload.project, 'api');
  assert.equal(run('save_memory', 'writer', null, { project: 'anything' }).payload.project, 'anything');
});

test('project: a list is allowed only for search, stats and the listings, and every listed project must be allowed', () => {
  assert.deepEqual(run('search', 'reader', ['web', 'api'], { project: ['web', 'api'] }).payload.projects, ['web', 'api']);
  assert.deepEqual(run('stats', 'reader', null, { project: ['a', 'b'] }).payload, { projects: ['a', 'b'] });
  assert.deepEqual(run('search', 'reader', null, { project: ['solo'] }).payload.projects, ['solo']);
  const denied = run('search', 'reader', ['web'], { project: ['web', 'hr', 'ops'] });
  assertRefusal(denied, 403, 'forbidden');
  assert.match(denied.body.error.message, /hr, ops/);
  const lists = ['search', 'stats', 'list_memories', 'list_runs'];
  for (const command of Object.keys(COMMAND_TABLE).filter((c) => !lists.includes(c) && !ADMIN.includes(c))) {
    const result = run(command, 'admin', null, { project: ['a', 'b'] });
    assertRefusal(result, 400, 'invalid_request', 'project');
    assert.match(result.body.error.message, /must be a project name\./);
  }
});

test('project: a malformed value (empty list, non-strings, blank names, too long, too many) is a 400 naming project', () => {
  const bad = [[], [1], ['a', ''], ['a', ' '], 42, { name: 'a' }, ['x'.repeat(201)], Array.from({ length: 101 }, (_, i) => `p${i}`)];
  for (const project of bad) assertRefusal(run('search', 'reader', null, { project }), 400, 'invalid_request', 'project');
  assert.match(run('search', 'reader', null, { project: 42 }).body.error.message, /a project name or a list of names/);
});

test('search: defaults limit 5, no type filter, no budget, archived excluded; sent values are kept', () => {
  assert.deepEqual(run('search').payload,
    { query: 'why postgres', projects: ['default'], memory_types: null, limit: 5, max_tokens: null, include_archived: false, explain: false, min_relevance: null });
  const sent = run('search', 'reader', null, { limit: 20, memory_type: ['decision', 'error'], max_tokens: 800, include_archived: true, explain: true, min_relevance: 0.5 });
  assert.deepEqual(sent.payload,
    { query: 'why postgres', projects: ['default'], memory_types: ['decision', 'error'], limit: 20, max_tokens: 800, include_archived: true, explain: true, min_relevance: 0.5 });
});

test('brief: one project (the default, or the token\'s only one) and the budget; the policy is never the request\'s', () => {
  assert.deepEqual(run('brief', 'reader').payload, { project: 'default', max_tokens: null });
  assert.deepEqual(run('brief', 'reader', ['web'], { max_tokens: 300, policy: { sections: [] } }).payload, { project: 'web', max_tokens: 300 });
  assert.deepEqual([run('brief').route, run('brief').path], ['brief', '/brief']);
  assertRefusal(run('brief', 'reader', null, { project: ['a', 'b'] }), 400, 'invalid_request', 'project');
  assertRefusal(run('brief', 'reader', ['web'], { project: 'api' }), 403, 'forbidden');
});

test('save_memory: memory_type defaults to decision, a sent one is kept; tags, source and created_by filled', () => {
  assert.deepEqual(run('save_memory').payload, {
    project: 'default', title: 'Use pgvector', content_md: 'Because.', tags: [], source: null, created_by: 'ann', memory_type: 'decision',
  });
  const sent = run('save_memory', 'writer', null, { memory_type: 'reference', tags: ['db'], source: 'claude' });
  assert.deepEqual([sent.route, sent.payload.memory_type, sent.payload.tags, sent.payload.source], ['save_memory', 'reference', ['db'], 'claude']);
});

test('save_requirement and log_error go to save_memory with their own type, ignoring a sent memory_type', () => {
  for (const [command, type] of [['save_requirement', 'requirement'], ['log_error', 'error']]) {
    for (const extra of [{}, { memory_type: 'decision' }]) {
      const result = run(command, 'writer', null, extra);
      assert.equal(result.route, 'save_memory');
      assert.equal(result.command, command);
      assert.equal(result.payload.memory_type, type);
    }
  }
});

test('created_by is always the token owner, never a value from the body', () => {
  for (const command of ['save_memory', 'save_requirement', 'log_error', 'save_prompt', 'log_run']) {
    const result = authorize(request(command, { ...VALID[command], created_by: 'mallory' }), token('writer', null, 'ann'));
    assert.equal(result.payload.created_by, 'ann', command);
  }
});

test('get_memory: passes id and title, the project only when one was sent, and the projects the token may read', () => {
  assert.deepEqual(run('get_memory').payload, { id: VALID.get_memory.id, title: null, project: null, projects: null });
  assert.deepEqual(run('get_memory', 'reader', ['web']).payload, { id: VALID.get_memory.id, title: null, project: null, projects: ['web'] });
  assert.deepEqual(authorize(request('get_memory', { title: 'T', project: 'web' }), token('reader', ['web', 'api'])).payload,
    { id: null, title: 'T', project: 'web', projects: ['web', 'api'] });
});

test('get_memory by title without project looks in the project the token resolves to',
  () => {
    const byTitle = (projects) => authorize(request('get_memory', { title: 'T' }), token('reader', projects)).payload.project;
    assert.equal(byTitle(['web']), 'web');
    assert.equal(byTitle(null), 'default');
  });

test('get_prompt, save_prompt and log_run payloads carry their fields with nulls for what was left out', () => {
  assert.deepEqual(run('get_prompt').payload, { project: 'default', prompt_name: 'release' });
  assert.deepEqual(run('save_prompt').payload,
    { project: 'default', prompt_name: 'release', content_md: '1. tag', description: null, created_by: 'ann' });
  assert.deepEqual(run('log_run', 'writer', null, { tokens_in: 10, files_changed: ['a.py'], extra: 'dropped' }).payload, {
    project: 'default', created_by: 'ann', status: 'success', output_summary: null, session_id: null, agent: null,
    tokens_in: 10, tokens_out: null, duration_s: null, files_changed: ['a.py'],
  });
});

test('each command is routed to its worker endpoint', () => {
  const decisions = Object.keys(COMMAND_TABLE).map((c) => [c, run(c, 'admin')]);
  const routes = {
    search: 'search', brief: 'brief', get_memory: 'get_memory', get_prompt: 'get_prompt', stats: 'stats', save_memory: 'save_memory',
    save_requirement: 'save_memory', log_error: 'save_memory', save_prompt: 'save_prompt', log_run: 'log_run',
    list_memories: 'list_memories', list_runs: 'list_runs', update_memory: 'update_memory', archive_memory: 'archive_memory',
    restore_memory: 'restore_memory', list_tokens: 'list_tokens', create_token: 'create_token', revoke_token: 'revoke_token',
  };
  assert.deepEqual(Object.fromEntries(decisions.map(([c, d]) => [c, d.route])), routes);
  // "Worker: call" posts to this path: /<route>, except the token endpoints.
  const paths = Object.fromEntries(Object.entries(routes).map(([c, route]) => [c, `/${route}`]));
  Object.assign(paths, { list_tokens: '/tokens/list', create_token: '/tokens/create', revoke_token: '/tokens/revoke' });
  assert.deepEqual(Object.fromEntries(decisions.map(([c, d]) => [c, d.path])), paths);
});

test('a worker 429 with an error body (rate limit) is passed through', () => {
  const body = { error: { code: 'rate_limited', message: 'Too many requests.', retry_after_s: 12 } };
  assert.deepEqual(authorize(request('search', VALID.search), { statusCode: 429, body }), { ok: false, status: 429, body });
});

test('listings: defaults, sent filters kept, several projects allowed', () => {
  assert.deepEqual(run('list_memories').payload,
    { projects: ['default'], memory_types: null, tags: null, archived: 'exclude', limit: 20, offset: 0 });
  assert.deepEqual(run('list_memories', 'reader', ['a', 'b'], { project: ['a', 'b'], memory_type: 'error', tags: ['x'], archived: 'only', limit: 5, offset: 10 }).payload,
    { projects: ['a', 'b'], memory_types: 'error', tags: ['x'], archived: 'only', limit: 5, offset: 10 });
  assert.deepEqual(run('list_runs').payload, { projects: ['default'], limit: 50, days: 30 });
  assertRefusal(run('list_runs', 'reader', ['a'], { project: 'b' }), 403, 'forbidden');
});

test('edits by id: project optional (every project the token may read), fields null when left out, actor = owner', () => {
  const id = VALID.update_memory.id;
  assert.deepEqual(run('update_memory', 'writer', ['web'], { actor: 'mallory' }).payload,
    { id, project: null, projects: ['web'], title: 'New title', content_md: null, tags: null, memory_type: null, actor: 'ann' });
  for (const command of ['archive_memory', 'restore_memory']) {
    assert.deepEqual(run(command, 'writer', null).payload, { id, project: null, projects: null, actor: 'ann' });
    assert.deepEqual(run(command, 'writer', ['web', 'api'], { project: 'api' }).payload, { id, project: 'api', projects: ['web', 'api'], actor: 'ann' });
    assertRefusal(run(command, 'writer', ['web'], { project: 'hr' }), 403, 'forbidden');
  }
});

test('token management: admin only, no project needed even for a project-limited admin, fields passed', () => {
  assert.deepEqual(run('list_tokens', 'admin', ['web', 'api']).payload, {});
  // The acting admin is the audit trail's actor, whatever the body says.
  assert.deepEqual(run('create_token', 'admin', null, { projects: ['web'], actor: 'mallory' }).payload,
    { owner: 'bob', role: 'reader', projects: ['web'], actor: 'ann' });
  assert.deepEqual(run('create_token').ok, false);
  assert.deepEqual(run('revoke_token', 'admin').payload, { id: VALID.revoke_token.id, actor: 'ann' });
});

test('ROUTES: each worker route once, in table order, with its branch ("Worker: call" unless the record names one)', () => {
  const { ROUTES } = require('../code/check-request.js');
  const routes = [...new Set(Object.values(COMMAND_TABLE).map((c) => c.route))];
  assert.deepEqual(ROUTES.map((r) => r.route), routes);
  assert.deepEqual(ROUTES.find((r) => r.route === 'brief').branch, 'Brief policy');
  assert.ok(ROUTES.filter((r) => r.route !== 'brief').every((r) => r.branch === 'Worker: call'));
});

test('every record names a role, a route, a project rule and a payload; idempotency keys only on the four writes', () => {
  for (const [name, spec] of Object.entries(COMMAND_TABLE)) {
    assert.ok(['reader', 'writer', 'admin'].includes(spec.role), name);
    assert.ok(['one', 'many', 'by_id', 'none'].includes(spec.projects), name);
    assert.equal(typeof spec.payload, 'function', name);
    assert.ok(Array.isArray(spec.aliases), name);
  }
  const keyed = Object.keys(COMMAND_TABLE).filter((name) => COMMAND_TABLE[name].idempotencyKey);
  assert.deepEqual(keyed.sort(), ['log_error', 'log_run', 'save_memory', 'save_requirement']);
});
