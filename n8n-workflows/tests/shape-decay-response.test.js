// "Shape decay response": the worker's decay counts plus the policy applied (SPEC §4, §6).
const test = require('node:test');
const assert = require('node:assert/strict');
const { shapeDecayResponse } = require('../code/shape-decay-response.js');
const { assertErrorResponse } = require('./helpers.js');

const policy = { periods: { decision: 90, error: 30, requirement: null }, threshold: 0.1 };

test('a decay run answers 200 with the worker counts, the periods applied and command decay', () => {
  const body = { decayed: 3, archived: 1 };
  assert.deepEqual(shapeDecayResponse(policy, { statusCode: 200, body }),
    { status: 200, body: { decayed: 3, archived: 1, periods: policy.periods, command: 'decay' } });
});

test('a worker that cannot be reached is a 503 worker_unavailable', () => {
  for (const answer of [{ error: { message: 'ECONNREFUSED' } }, {}, null, undefined]) {
    assertErrorResponse(shapeDecayResponse(policy, answer), 503, 'worker_unavailable');
  }
});

test('a worker 4xx is passed through and a worker 5xx error becomes a 503 with its error body', () => {
  const bad = { error: { code: 'invalid_request', message: 'threshold must be 0..1.', field: 'threshold' } };
  assert.deepEqual(shapeDecayResponse(policy, { statusCode: 400, body: bad }), { status: 400, body: bad });
  const down = { error: { code: 'database_unavailable', message: 'The database is unreachable.' } };
  assert.deepEqual(shapeDecayResponse(policy, { statusCode: 503, body: down }), { status: 503, body: down });
});

test('a worker 5xx without an error body is still a 503 with the error shape',
  () => {
    for (const body of ['<html>', '', null, { ok: false }]) {
      assertErrorResponse(shapeDecayResponse(policy, { statusCode: 502, body }), 503, 'worker_unavailable');
    }
  });
