// "Check admin request": the on-demand decay webhook needs a bearer token (SPEC §6, §7).
const test = require('node:test');
const assert = require('node:assert/strict');
const { checkAdminRequest } = require('../code/check-admin-request.js');
const { assertRefusal } = require('./helpers.js');

test('a bearer token (any case of the scheme) is passed on to be verified', () => {
  for (const authorization of ['Bearer zk_admin', 'bearer zk_admin', 'BEARER  zk_admin ']) {
    assert.deepEqual(checkAdminRequest({ headers: { authorization } }), { ok: true, verify: { token: 'zk_admin' } });
  }
  assert.equal(checkAdminRequest({ headers: { authorization: `Bearer ${'a'.repeat(256)}` } }).ok, true);
});

test('no headers, no, a non-bearer, an empty, a two-part or an over-long authorization is a 401', () => {
  assertRefusal(checkAdminRequest({}), 401, 'unauthorized');
  for (const authorization of ['', 'zk_admin', 'Basic abc', 'Bearer ', 'Bearer a b', `Bearer ${'a'.repeat(257)}`]) {
    const result = checkAdminRequest({ headers: { authorization } });
    assertRefusal(result, 401, 'unauthorized');
    assert.match(result.body.error.message, /admin token/);
  }
});
