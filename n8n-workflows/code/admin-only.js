// n8n Code node "Admin only" (workflow "Zikra decay").
// Lets the run through only for a valid admin token. Output: {ok: true, owner} or
// {ok: false, status, body: {error}} (401 unknown token, 403 not an admin, 503 worker down).

function adminOnly(verify) {
  if (!verify || verify.error || !verify.statusCode) {
    return { ok: false, status: 503, body: { error: { code: 'worker_unavailable', message: 'The Zikra worker is unavailable; try again shortly.' } } };
  }
  if (verify.body && verify.body.error && verify.body.error.code === 'worker_secret_mismatch') {
    return { ok: false, status: 503, body: { error: { code: 'worker_unavailable', message: 'The Zikra worker refused n8n: ZIKRA_WORKER_SECRET differs between them.' } } };
  }
  if (verify.statusCode === 401) {
    return { ok: false, status: 401, body: { error: { code: 'unauthorized', message: 'The bearer token is unknown or revoked.' } } };
  }
  if (verify.statusCode !== 200) {
    const body = verify.body && verify.body.error ? verify.body : { error: { code: 'worker_unavailable', message: `The Zikra worker answered ${verify.statusCode}.` } };
    return { ok: false, status: 503, body };
  }
  if (verify.body.role !== 'admin') {
    return { ok: false, status: 403, body: { error: { code: 'forbidden', message: `A ${verify.body.role} token may not run decay.` } } };
  }
  return { ok: true, owner: verify.body.owner };
}

if (typeof $input === 'undefined') {
  module.exports = { adminOnly };
  return;
}
try {
  return [{ json: adminOnly($input.first().json) }];
} catch (error) {
  // Never leave the client without an answer, and never show it a stack trace.
  return [{ json: { ok: false, status: 500, body: { error: { code: 'internal_error', message: 'The request could not be processed.' } } } }];
}
