// n8n Code node "Check admin request" (workflow "Zikra decay").
// The on-demand decay run needs a bearer token (an admin's, checked next).
// Output: {ok: true, verify: {token}} or {ok: false, status, body: {error}}.

function checkAdminRequest(item) {
  const headers = item.headers || {};
  const match = /^Bearer +([^\s]+) *$/i.exec(String(headers.authorization || ''));
  if (!match || match[1].length > 256) {
    return { ok: false, status: 401, body: { error: { code: 'unauthorized', message: 'Send an admin token: Authorization: Bearer <token>.' } } };
  }
  return { ok: true, verify: { token: match[1] } };
}

if (typeof $input === 'undefined') {
  module.exports = { checkAdminRequest };
  return;
}
try {
  return [{ json: checkAdminRequest($input.first().json) }];
} catch (error) {
  // Never leave the client without an answer, and never show it a stack trace.
  return [{ json: { ok: false, status: 500, body: { error: { code: 'internal_error', message: 'The request could not be processed.' } } } }];
}
