// "Admin only": the decay run goes ahead only for a valid admin token (SPEC §6, §7).
const test = require('node:test');
const assert = require('node:assert/strict');
const { adminOnly } = require('../code/admin-only.js');
const { assertRefusal } = require('./helpers.js');

const verified = (role, owner = 'root') => ({ statusCode: 200, body: { id: 't', owner, role, projects: null } });

test('an admin token goes through, with its owner', () => {
  assert.deepEqual(adminOnly(verified('admin', 'ops')), { ok: true, owner: 'ops' });
});

test('a reader or writer token is a 403 that names its role', () => {
  for (const role of ['reader', 'writer']) {
    const result = adminOnly(verified(role));
    assertRefusal(result, 403, 'forbidden');
    assert.match(result.body.error.message, new RegExp(`${role} token may not run decay`));
  }
});

test('an unknown or revoked token (worker 401) is a 401', () => {
  assertRefusal(adminOnly({ statusCode: 401, body: { error: { code: 'unauthorized', message: 'x' } } }), 401, 'unauthorized');
});

test('a worker that cannot be reached is a 503 worker_unavailable', () => {
  for (const verify of [{ error: { message: 'ECONNREFUSED' } }, {}, null, undefined]) {
    assertRefusal(adminOnly(verify), 503, 'worker_unavailable');
  }
});

test('a worker error with an error body is a 503 passing that body; without one, a 503 naming the status', () => {
  const body = { error: { code: 'database_unavailable', message: 'The database is unreachable.' } };
  assert.deepEqual(adminOnly({ statusCode: 503, body }), { ok: false, status: 503, body });
  const bare = adminOnly({ statusCode: 500, body: '<html>' });
  assertRefusal(bare, 503, 'worker_unavailable');
  assert.match(bare.body.error.message, /500/);
});

test('a rate-limited token (worker 429 with its body) is a 429, as on the API workflow: one token check for both', () => {
  const body = { error: { code: 'rate_limited', message: 'Too many requests.', retry_after_s: 12 } };
  assert.deepEqual(adminOnly({ statusCode: 429, body }), { ok: false, status: 429, body });
});
