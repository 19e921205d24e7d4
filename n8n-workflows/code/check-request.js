// n8n Code node "Check request" (workflow "Zikra API").
// Is this a JSON object with a bearer token and a known command? Resolves command names
// (case-insensitive) and their aliases. Output: {ok: true, verify: {token}, command, requested, body}
// or {ok: false, status, body: {error: {code, message, field}}}.

const COMMANDS = {
  search: ['find', 'query', 'recall', 'retrieve', 'lookup', 'remember', 'search_memory'],
  save_memory: ['save', 'store', 'write', 'add_memory'],
  get_memory: ['get', 'fetch'],
  get_prompt: ['prompt', 'run_prompt', 'fetch_prompt'],
  save_prompt: [],
  save_requirement: ['requirement'],
  log_run: ['run', 'log_session', 'end_session'],
  log_error: ['error', 'log_bug', 'report_error'],
  stats: ['memory_stats'],
};
const MAX_TOKEN_CHARS = 256;

function commandTable() {
  const table = Object.create(null); // no inherited names: "constructor" is no command
  for (const [command, aliases] of Object.entries(COMMANDS)) {
    table[command] = command;
    for (const alias of aliases) table[alias] = command;
  }
  return table;
}

function fail(status, code, message, field) {
  const error = { code, message };
  if (field) error.field = field;
  return { ok: false, status, body: { error } };
}

function checkRequest(item, maxBodyBytes) {
  const headers = item.headers || {};
  if (Number(headers['content-length'] || 0) > maxBodyBytes) {
    return fail(413, 'payload_too_large', `The request body is larger than ${maxBodyBytes} bytes.`);
  }
  const match = /^Bearer +([^\s]+) *$/i.exec(String(headers.authorization || ''));
  if (!match || match[1].length > MAX_TOKEN_CHARS) {
    return fail(401, 'unauthorized', 'Send a token: Authorization: Bearer <token>.');
  }
  const body = item.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return fail(400, 'invalid_request', 'The request body must be a JSON object.', 'body');
  }
  if (typeof body.command !== 'string' || !body.command.trim()) {
    return fail(400, 'invalid_request', 'command is required.', 'command');
  }
  const requested = body.command.trim().toLowerCase();
  const command = commandTable()[requested];
  if (!command) {
    const known = Object.keys(COMMANDS).join(', ');
    return fail(400, 'invalid_request', `command ${JSON.stringify(body.command)} is unknown; commands: ${known}.`, 'command');
  }
  return { ok: true, verify: { token: match[1] }, command, requested, body };
}

if (typeof $input === 'undefined') {
  module.exports = { checkRequest, COMMANDS };
  return;
}
const maxBodyBytes = Number($env.ZIKRA_MAX_BODY_BYTES) || 1048576;
try {
  return [{ json: checkRequest($input.first().json, maxBodyBytes) }];
} catch (error) {
  // Never leave the client without an answer, and never show it a stack trace.
  return [{ json: { ok: false, status: 500, body: { error: { code: 'internal_error', message: 'The request could not be processed.' } } } }];
}
