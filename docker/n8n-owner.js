// The compose stack's one-shot `n8n-owner` service: claims n8n's owner account with the login
// in .env right after n8n's first start (until an owner exists, anyone who reaches n8n may
// claim it), then checks that the login opens it; natively `zikra up` does the same
// (ops/zikra_ops/n8n.py ensure_owner). Runs in the n8n image: node, no packages.
const base = process.argv[2] || 'http://n8n:5678';
const email = process.env.ZIKRA_N8N_OWNER_EMAIL || 'owner@zikra.localhost';
const password = process.env.ZIKRA_N8N_OWNER_PASSWORD;

async function call(path, body) {
  const response = await fetch(base + path, {
    method: body ? 'POST' : 'GET',
    headers: { 'content-type': 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10000),
  });
  return { status: response.status, text: await response.text() };
}

async function main() {
  if (!password) throw new Error('set ZIKRA_N8N_OWNER_PASSWORD in .env');
  const settings = JSON.parse((await call('/rest/settings')).text).data;
  if (settings.userManagement.showSetupOnFirstLoad) {
    const setup = await call('/rest/owner/setup', { email, firstName: 'Zikra', lastName: 'Owner', password });
    if (setup.status !== 200) throw new Error(`n8n refused its owner setup (${setup.status}): ${setup.text.slice(0, 300)}`);
    console.log(`[n8n-owner] owner account created: ${email}`);
  }
  const login = await call('/rest/login', { emailOrLdapLoginId: email, email, password });
  if (login.status !== 200) {
    throw new Error(`n8n's owner exists but the login in .env (${email}) does not open it: someone may have `
      + 'claimed it first; reset it with `docker compose exec n8n n8n user-management:reset`, then start again');
  }
  console.log('[n8n-owner] the owner login in .env opens n8n');
}

main().catch((error) => { console.error(`[n8n-owner] error: ${error.message}`); process.exit(1); });
