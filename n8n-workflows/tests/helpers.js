// Shared assertions for the Code-node tests (not a test file itself).
const assert = require('node:assert/strict');

// A refusal `{ok: false, status, body: {error: {code, message[, field]}}}` (SPEC §6): 400s name the field.
function assertRefusal(result, status, code, field) {
  assert.equal(result.ok, false);
  assertErrorResponse(result, status, code, field);
}

// `{status, body: {error: {code, message[, field]}}}` with a non-empty message and no other keys.
function assertErrorResponse(result, status, code, field) {
  assert.equal(result.status, status);
  assert.deepEqual(Object.keys(result.body), ['error']);
  const { error } = result.body;
  assert.equal(error.code, code);
  assert.equal(typeof error.message, 'string');
  assert.ok(error.message.length > 0);
  if (status === 400) assert.equal(error.field, field);
  else if (field !== undefined) assert.equal(error.field, field);
  const allowed = error.field === undefined ? ['code', 'message'] : ['code', 'message', 'field'];
  assert.deepEqual(Object.keys(error).sort(), allowed.sort());
}

module.exports = { assertRefusal, assertErrorResponse };
