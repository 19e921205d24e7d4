// "Shape response": the worker's answer as the public response (SPEC §2, §6).
const test = require('node:test');
const assert = require('node:assert/strict');
const { shapeResponse } = require('../code/shape-response.js');
const { assertErrorResponse } = require('./helpers.js');

const asked = (command, requested = command) => ({ ok: true, route: command, command, requested, payload: {} });

test('a worker that cannot be reached (error item, empty item, no status) is a 503 worker_unavailable', () => {
  for (const answer of [{ error: { message: 'connect ECONNREFUSED' } }, {}, null, undefined, { body: {} }]) {
    assertErrorResponse(shapeResponse(asked('search'), answer), 503, 'worker_unavailable');
  }
});

test('a worker 5xx is a 503 worker_unavailable naming the status, never the worker body', () => {
  for (const [statusCode, body] of [[500, { error: { code: 'internal_error', message: 'x' } }], [502, '<html>'], [503, ''], [504, null]]) {
    const result = shapeResponse(asked('search'), { statusCode, body });
    assertErrorResponse(result, 503, 'worker_unavailable');
    assert.match(result.body.error.message, new RegExp(String(statusCode)));
  }
});

test('a worker 503 with an error body is passed through: it names the dependency that is down', () => {
  const body = { error: { code: 'embeddings_unavailable', message: 'The embedding endpoint is unreachable.' } };
  assert.deepEqual(shapeResponse(asked('save_memory', 'save'), { statusCode: 503, body }), { status: 503, body });
});

test('a worker 4xx is passed through unchanged, with no command or alias added', () => {
  for (const [statusCode, body] of [
    [400, { error: { code: 'invalid_request', message: 'limit must be 1..50.', field: 'limit' } }],
    [404, { error: { code: 'not_found', message: 'No memory matches.' } }],
    [413, { error: { code: 'payload_too_large', message: 'Too large.' } }],
  ]) {
    assert.deepEqual(shapeResponse(asked('get_memory', 'get'), { statusCode, body }), { status: statusCode, body });
  }
});

test('a success keeps the worker status and body and adds the command that ran', () => {
  const body = { id: 'm1', status: 'created', similar_to: [] };
  assert.deepEqual(shapeResponse(asked('save_memory'), { statusCode: 201, body }),
    { status: 201, body: { ...body, command: 'save_memory' } });
  assert.deepEqual(shapeResponse(asked('search'), { statusCode: 200, body: { results: [], count: 0 } }).body,
    { results: [], count: 0, command: 'search' });
});

test('a success asked by an alias also says the alias', () => {
  assert.deepEqual(shapeResponse(asked('search', 'recall'), { statusCode: 200, body: { count: 0 } }),
    { status: 200, body: { count: 0, command: 'search', alias: 'recall' } });
  assert.deepEqual(shapeResponse(asked('save_memory', 'save_requirement'), { statusCode: 201, body: {} }).body,
    { command: 'save_memory', alias: 'save_requirement' });
});

test('the worker body cannot override the command that ran', () => {
  assert.equal(shapeResponse(asked('log_run'), { statusCode: 201, body: { id: 'r1', command: 'evil' } }).body.command, 'log_run');
});
