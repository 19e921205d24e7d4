// "Check request": bearer token, body size and shape, command names and aliases (SPEC §2, §6, §11).
const test = require('node:test');
const assert = require('node:assert/strict');
const { checkRequest, handle, asItem, unreadableField, COMMANDS } = require('../code/check-request.js');
const { assertRefusal } = require('./helpers.js');

const MAX = 1048576;
const AUTH = { authorization: 'Bearer zk_abc123' };
const check = (body, headers = AUTH) => checkRequest({ headers, body }, MAX);

// SPEC §2: the command table's aliases, then the names earlier Zikra clients send.
const SPEC_ALIASES = {
  search: ['find', 'query', 'recall', 'retrieve', 'lookup', 'remember', 'search_memory'],
  save_memory: ['save', 'store', 'write', 'add_memory'],
  get_memory: ['get', 'fetch'],
  get_prompt: ['prompt', 'run_prompt', 'fetch_prompt'],
  save_prompt: [],
  save_requirement: ['requirement'],
  log_run: ['run', 'log_session', 'end_session'],
  log_error: ['error', 'log_bug', 'report_error'],
};

test('a well-formed request yields the token, the command, the name it was asked as and the body', () => {
  const body = { command: 'search', query: 'x' };
  assert.deepEqual(check(body), { ok: true, verify: { token: 'zk_abc123' }, command: 'search', requested: 'search', body });
});

test('the bearer scheme is case-insensitive and surrounding spaces are tolerated', () => {
  for (const authorization of ['bearer zk_abc123', 'BEARER zk_abc123', 'Bearer   zk_abc123', 'Bearer zk_abc123  ']) {
    assert.deepEqual(check({ command: 'search' }, { authorization }).verify, { token: 'zk_abc123' });
  }
});

test('a missing, empty, non-bearer, token-less, two-part or over-long authorization is a 401', () => {
  const cases = [undefined, '', 'zk_abc123', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', 'Bearer a b',
    'Bearerzk_abc123', `Bearer ${'a'.repeat(257)}`];
  for (const authorization of cases) {
    const headers = authorization === undefined ? {} : { authorization };
    assertRefusal(check({ command: 'search' }, headers), 401, 'unauthorized');
  }
  assertRefusal(checkRequest({ body: { command: 'search' } }, MAX), 401, 'unauthorized');
  assert.equal(check({ command: 'search' }, { authorization: `Bearer ${'a'.repeat(256)}` }).ok, true);
});

test('a content-length over the limit is a 413, checked before the token; at the limit passes', () => {
  const over = checkRequest({ headers: { 'content-length': String(MAX + 1) }, body: {} }, MAX);
  assertRefusal(over, 413, 'payload_too_large');
  assert.match(over.body.error.message, new RegExp(String(MAX)));
  assert.equal(checkRequest({ headers: { ...AUTH, 'content-length': String(MAX) }, body: { command: 'get' } }, MAX).ok, true);
  assertRefusal(checkRequest({ headers: { ...AUTH, 'content-length': '11' }, body: {} }, 10), 413, 'payload_too_large');
});

test('a body that is not a JSON object is a 400 naming body', () => {
  for (const body of [null, undefined, [], [{ command: 'search' }], 'search', 42, true]) {
    assertRefusal(check(body), 400, 'invalid_request', 'body');
  }
});

test('a missing, blank or non-string command is a 400 naming command', () => {
  for (const body of [{}, { command: '' }, { command: '   ' }, { command: null }, { command: 7 }, { command: ['search'] }]) {
    const result = check(body);
    assertRefusal(result, 400, 'invalid_request', 'command');
    assert.match(result.body.error.message, /command is required/);
  }
});

test('command names are case-insensitive and trimmed; requested is the normalised name', () => {
  assert.deepEqual([check({ command: ' SEARCH ' }).command, check({ command: ' SEARCH ' }).requested], ['search', 'search']);
  assert.equal(check({ command: 'Save_Memory' }).command, 'save_memory');
  const alias = check({ command: 'Recall' });
  assert.deepEqual([alias.command, alias.requested], ['search', 'recall']);
});

test('every command and alias of SPEC §2 resolves to its command', () => {
  for (const [command, aliases] of Object.entries(SPEC_ALIASES)) {
    for (const name of [command, ...aliases]) {
      const result = check({ command: name });
      assert.equal(result.ok, true, name);
      assert.equal(result.command, command, name);
      assert.equal(result.requested, name);
    }
  }
});

test('the command table is SPEC §2 plus brief, stats, the listings, the edits and token management, with no name claimed twice', () => {
  assert.deepEqual(COMMANDS, {
    ...SPEC_ALIASES, brief: ['project_brief'], stats: ['memory_stats'], list_memories: ['list'], update_memory: ['edit', 'update'],
    archive_memory: ['archive'], restore_memory: ['restore', 'unarchive'], list_runs: [], list_tokens: [],
    create_token: [], revoke_token: [],
  });
  const names = Object.entries(COMMANDS).flatMap(([c, a]) => [c, ...a]);
  assert.equal(new Set(names).size, names.length);
  assert.equal(check({ command: 'memory_stats' }).command, 'stats');
});

test('an unknown command is a 400 naming command that quotes it and lists every command', () => {
  const result = check({ command: 'delete_everything' });
  assertRefusal(result, 400, 'invalid_request', 'command');
  assert.match(result.body.error.message, /"delete_everything" is unknown/);
  for (const command of Object.keys(COMMANDS)) assert.ok(result.body.error.message.includes(command), command);
});

test('inherited object keys are unknown commands, not commands',
  () => {
    for (const command of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      assertRefusal(check({ command }), 400, 'invalid_request', 'command');
    }
  });

test('handle: request checks come first, then the token answer; success carries reply with the alias', () => {
  const ok = { statusCode: 200, body: { owner: 'ann', role: 'reader', projects: null } };
  const down = { error: { message: 'ECONNREFUSED' } };
  // A request refused on its own never needs the token answer, even when the worker is down.
  assertRefusal(handle({ headers: {}, body: { command: 'search' } }, down, MAX), 401, 'unauthorized');
  assertRefusal(handle({ headers: AUTH, body: { command: 'nope' } }, down, MAX), 400, 'invalid_request', 'command');
  assertRefusal(handle({ headers: AUTH, body: { command: 'search', query: 'x' } }, down, MAX), 503, 'worker_unavailable');
  const result = handle({ headers: AUTH, body: { command: 'Recall', query: 'x' } }, ok, MAX);
  assert.deepEqual(result.reply, { command: 'search', alias: 'recall' });
  assert.deepEqual(handle({ headers: AUTH, body: { command: 'search', query: 'x' } }, ok, MAX).reply, { command: 'search' });
});

test('the output item carries the payload as JSON text, whatever objects the request held', () => {
  const decision = { ok: true, route: 'search', path: '/search', payload: { query: { toString: [] }, limit: 5 } };
  const item = asItem(decision);
  assert.equal(typeof item.payload, 'string');
  assert.deepEqual(JSON.parse(item.payload), { query: { toString: [] }, limit: 5 });
  assert.equal(item.route, 'search');
  assert.deepEqual(decision.payload.limit, 5); // the decision itself is left as it was
  const refusal = { ok: false, status: 400, body: { error: { code: 'invalid_request', message: 'm' } } };
  assert.deepEqual(asItem(refusal), refusal);
});

test('a field that cannot be read (as n8n\'s runner fails on {"toString": []}) is a 400 naming it', () => {
  const body = { command: 'search', project: 'p' };
  // Outside n8n such an object reads fine; a throwing getter stands in for the runner's proxy.
  Object.defineProperty(body, 'query', { enumerable: true, get() { throw new TypeError('read only property'); } });
  assert.equal(unreadableField(body), 'query');
  assert.equal(unreadableField({ command: 'search', query: { toString: [] }, tags: ['a'] }), null);
  const refusal = checkRequest({ headers: { authorization: 'Bearer t' }, body }, 1000);
  assertRefusal(refusal, 400, 'invalid_request', 'query');
});
