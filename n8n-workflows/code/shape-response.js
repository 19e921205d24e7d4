// n8n Code node "Shape response" (workflow "Zikra API").
// Turns the worker's answer into the public response: its status and body, plus which
// command ran (and the alias it was asked as). A worker that cannot be reached, or fails,
// becomes a 503 naming it. Output: {status, body}.

function shapeResponse(request, answer) {
  if (!answer || answer.error || !answer.statusCode) {
    return { status: 503, body: { error: { code: 'worker_unavailable', message: 'The Zikra worker is unavailable; try again shortly.' } } };
  }
  const status = answer.statusCode;
  const body = answer.body;
  if (status >= 500) {
    if (status === 503 && body && body.error) return { status, body };
    return { status: 503, body: { error: { code: 'worker_unavailable', message: `The Zikra worker failed (${status}).` } } };
  }
  if (body && body.error && body.error.code === 'worker_secret_mismatch') {
    return { status: 503, body: { error: { code: 'worker_unavailable', message: 'The Zikra worker refused n8n: ZIKRA_WORKER_SECRET differs between them.' } } };
  }
  if (status >= 400) return { status, body };
  const shaped = { ...body, command: request.command };
  if (request.requested !== request.command) shaped.alias = request.requested;
  return { status, body: shaped };
}

if (typeof $input === 'undefined') {
  module.exports = { shapeResponse };
  return;
}
try {
  return [{ json: shapeResponse($('Authorize').first().json, $input.first().json) }];
} catch (error) {
  // Never leave the client without an answer, and never show it a stack trace.
  return [{ json: { ok: false, status: 500, body: { error: { code: 'internal_error', message: 'The request could not be processed.' } } } }];
}
