// The worker's answer to the token check, read the same way by both workflows: null when the
// token is good, else the refusal (401 unknown or revoked; 429 and 503 with the worker's body;
// 503 when the worker cannot be reached, refuses n8n's secret or answers anything else).
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
  if (verify.statusCode === 429 && verify.body && verify.body.error) return { ok: false, status: 429, body: verify.body };
  if (verify.statusCode === 503 && verify.body && verify.body.error) return { ok: false, status: 503, body: verify.body };
  return fail(503, 'worker_unavailable', `The Zikra worker answered ${verify.statusCode} to the token check.`);
}
