// n8n Code node "Shape decay response" (workflow "Zikra decay").
// The worker's decay counts, with the policy that was applied, as the webhook's answer.
// Output: {status, body}.

function shapeDecayResponse(policy, answer) {
  if (!answer || answer.error || !answer.statusCode) {
    return { status: 503, body: { error: { code: 'worker_unavailable', message: 'The Zikra worker is unavailable; try again shortly.' } } };
  }
  if (answer.statusCode !== 200) {
    const body = answer.body && answer.body.error ? answer.body
      : { error: { code: 'worker_unavailable', message: `The Zikra worker answered ${answer.statusCode}.` } };
    return { status: answer.statusCode >= 500 ? 503 : answer.statusCode, body };
  }
  return { status: 200, body: { ...answer.body, periods: policy.periods, command: 'decay' } };
}

if (typeof $input === 'undefined') {
  module.exports = { shapeDecayResponse };
  return;
}
try {
  return [{ json: shapeDecayResponse($('Decay policy').first().json, $input.first().json) }];
} catch (error) {
  // Never leave the client without an answer, and never show it a stack trace.
  return [{ json: { ok: false, status: 500, body: { error: { code: 'internal_error', message: 'The request could not be processed.' } } } }];
}
