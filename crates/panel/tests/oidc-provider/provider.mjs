// The OpenID Connect provider the panel's tests and bench sign in with: the
// npm `oidc-provider` on 127.0.0.1 (a free port), with GitLab's
// `GET /api/v4/user/keys` beside it and routes the tests drive it with
// (`/test/...`). `node provider.mjs` prints one line, `listening
// http://127.0.0.1:PORT` (the issuer), and then nothing else on stdout
// (errors go to stderr). It exits when its stdin closes or on SIGTERM.
// crates/panel/tests/api/oidc_peer.rs starts it; scripts/setup-oidc.sh
// installs its packages from package-lock.json.
//
// oidc-provider 9.13.3 runs on this machine's Node.js v20.20.2 (Debian's); it
// only warns on stderr ("Unsupported runtime. Use Node.js v22.x LTS").
import { createServer } from 'node:http';

import { SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

// Only the first line is the harness's; everything the library would print
// (its notices use console.info) goes to stderr.
console.log = console.error;
console.info = console.error;
console.debug = console.error;

const SCOPES = ['openid', 'profile', 'email', 'read_user'];
const MAX_BODY = 64 * 1024;

// One Map per model, as oidc-provider's example adapters: clients are added
// at run time by `POST /test/client` (the Client model reads them here).
const stores = new Map();
function storeFor(model) {
  if (!stores.has(model)) stores.set(model, new Map());
  return stores.get(model);
}
const now = () => Math.floor(Date.now() / 1000);

class MemoryAdapter {
  constructor(model) {
    this.model = model;
    this.store = storeFor(model);
  }

  async upsert(id, payload, expiresIn) {
    const expiresAt = typeof expiresIn === 'number' ? now() + expiresIn : undefined;
    this.store.set(id, { payload, expiresAt });
  }

  async find(id) {
    const entry = this.store.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt !== undefined && entry.expiresAt <= now()) {
      this.store.delete(id);
      return undefined;
    }
    return entry.payload;
  }

  async findByUid(uid) {
    for (const [id, entry] of this.store) {
      if (entry.payload.uid === uid) return this.find(id);
    }
    return undefined;
  }

  async findByUserCode(userCode) {
    for (const [id, entry] of this.store) {
      if (entry.payload.userCode === userCode) return this.find(id);
    }
    return undefined;
  }

  async consume(id) {
    const entry = this.store.get(id);
    if (entry) entry.payload.consumed = now();
  }

  async destroy(id) {
    this.store.delete(id);
  }

  async revokeByGrantId(grantId) {
    for (const store of stores.values()) {
      for (const [id, entry] of store) {
        if (entry.payload.grantId === grantId) store.delete(id);
      }
    }
  }
}

// Accounts: `sub` is the login typed on the interaction page.
const accounts = new Map(); // login -> { preferred_username?, email? }
const keys = new Map(); // login -> [{ id, title, key, created_at }]
let nextKeyId = 1;

async function findAccount(ctx, sub) {
  return {
    accountId: sub,
    async claims() {
      const account = accounts.get(sub) ?? {};
      const preferredUsername = account.preferred_username ?? sub;
      return {
        sub,
        preferred_username: preferredUsername,
        name: preferredUsername,
        email: account.email ?? `${sub}@example.test`,
        email_verified: true,
      };
    },
  };
}

// Signing keys: k1 now; k2 when a test asks for an ID token signed with a
// key the relying party has not seen (`POST /test/tamper {"new_key":true}`).
const k1 = await generateKeyPair('RS256', { extractable: true });
const k1Jwk = { ...(await exportJWK(k1.privateKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
let k2 = null; // { privateKey, publicJwk }
let tamper = null; // the change to the next token response's id_token
const stats = { jwks_requests: 0, keys_requests: 0, token_requests: 0 };

const server = createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, '127.0.0.1', resolve);
});
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  adapter: MemoryAdapter,
  findAccount,
  jwks: { keys: [k1Jwk] },
  scopes: SCOPES,
  claims: {
    openid: ['sub'],
    profile: ['preferred_username', 'name'],
    email: ['email', 'email_verified'],
  },
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
  // Cookies are per host, not per port: names of the peer's own, so that a
  // browser never mixes them with the panel's, also on 127.0.0.1.
  cookies: {
    keys: ['smp-oidc-test-peer-cookie-key-1', 'smp-oidc-test-peer-cookie-key-2'],
    names: { session: 'oidc_peer_session', interaction: 'oidc_peer_interaction', resume: 'oidc_peer_resume' },
  },
  features: { devInteractions: { enabled: false } },
  // Every lifetime set (the library notices defaults on stdout otherwise).
  ttl: {
    AccessToken: 600, AuthorizationCode: 60, Grant: 3600, IdToken: 600, Interaction: 600, Session: 3600,
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
});
provider.on('server_error', (ctx, error) => console.error('oidc-provider server_error:', error));

// Counts, and the tampering of the next token response's id_token.
const routes = { token: '/token', jwks: '/jwks' };
provider.use(async (ctx, next) => {
  if (ctx.path === routes.token) stats.token_requests += 1;
  if (ctx.path === routes.jwks) stats.jwks_requests += 1;
  await next();
  if (ctx.path === routes.jwks && k2 && ctx.body?.keys) {
    // A new object: ctx.body.keys is the provider's own array.
    ctx.body = { keys: [...ctx.body.keys, k2.publicJwk] };
  }
  if (ctx.path === routes.token && ctx.status === 200 && tamper && ctx.body?.id_token) {
    const change = tamper;
    tamper = null;
    const header = decodeProtectedHeader(ctx.body.id_token);
    const payload = decodeJwt(ctx.body.id_token);
    let signingKey = k1.privateKey;
    if (change.aud !== undefined) payload.aud = change.aud;
    if (change.nonce !== undefined) payload.nonce = change.nonce;
    if (change.new_key) {
      header.kid = 'k2';
      signingKey = k2.privateKey;
    }
    ctx.body = { ...ctx.body, id_token: await new SignJWT(payload).setProtectedHeader(header).sign(signingKey) };
  }
});

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function send(res, status, body, type = 'application/json') {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
  res.end(text);
}

function noContent(res) {
  res.writeHead(204);
  res.end();
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) throw new Error('body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function loginPage(uid, message = '') {
  const action = `/interaction/${encodeURIComponent(uid)}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to the test provider</title></head>
<body>
<h1>Sign in to the test provider</h1>
${message ? `<p id="error">${escapeHtml(message)}</p>` : ''}
<form method="post" action="${escapeHtml(action)}">
<label for="login">Login</label>
<input id="login" name="login" autofocus>
<button id="sign-in" type="submit">Sign in</button>
</form>
</body></html>
`;
}

async function interaction(req, res, uid) {
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (error) {
    // No sign-in in progress in this browser (or it expired): a page, not a 500.
    send(res, 400, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign-in expired</title></head>
<body><h1>Sign-in expired</h1><p id="error">${escapeHtml(error.error_description ?? error.message)}</p></body></html>
`, 'text/html');
    return;
  }
  if (details.uid !== uid) {
    send(res, 400, loginPage(uid, 'This sign-in is not the one in progress.'), 'text/html');
    return;
  }
  if (req.method === 'GET') {
    send(res, 200, loginPage(uid), 'text/html');
    return;
  }
  const form = new URLSearchParams(await readBody(req));
  const login = (form.get('login') ?? '').trim();
  if (!login) {
    send(res, 400, loginPage(uid, 'Type a login.'), 'text/html');
    return;
  }
  // Signs her in and consents at once: no consent page is ever shown.
  const { params } = details;
  let grant;
  if (details.grantId) grant = await provider.Grant.find(details.grantId);
  if (!grant || grant.accountId !== login) {
    grant = new provider.Grant({ accountId: login, clientId: params.client_id });
  }
  grant.addOIDCScope(String(params.scope ?? 'openid').split(' ').filter((s) => SCOPES.includes(s)).join(' '));
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, {
    login: { accountId: login },
    consent: { grantId },
  }, { mergeWithLastSubmission: false });
}

async function userKeys(req, res) {
  stats.keys_requests += 1;
  const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  const token = match ? await provider.AccessToken.find(match[1]) : undefined;
  if (!token || token.isExpired) {
    send(res, 401, { message: '401 Unauthorized' });
    return;
  }
  send(res, 200, keys.get(token.accountId) ?? []);
}

async function control(req, res, path) {
  if (req.method === 'GET' && path === '/test/stats') {
    send(res, 200, stats);
    return;
  }
  if (req.method !== 'POST') {
    send(res, 405, { error: 'method_not_allowed' });
    return;
  }
  const body = JSON.parse(await readBody(req));
  switch (path) {
    case '/test/client': {
      const { client_id: clientId, client_secret: clientSecret, redirect_uris: redirectUris } = body;
      if (typeof clientId !== 'string' || typeof clientSecret !== 'string' || !Array.isArray(redirectUris)) {
        send(res, 400, { error: 'client_id, client_secret and redirect_uris are needed' });
        return;
      }
      const metadata = {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: body.token_endpoint_auth_method ?? 'client_secret_basic',
      };
      // Refuses metadata the provider would refuse when it reads the client.
      await provider.Client.validate(metadata);
      await new MemoryAdapter('Client').upsert(clientId, metadata);
      noContent(res);
      return;
    }
    case '/test/account': {
      if (typeof body.login !== 'string' || !body.login) {
        send(res, 400, { error: 'login is needed' });
        return;
      }
      const account = accounts.get(body.login) ?? {};
      if (body.preferred_username !== undefined) account.preferred_username = body.preferred_username;
      if (body.email !== undefined) account.email = body.email;
      accounts.set(body.login, account);
      noContent(res);
      return;
    }
    case '/test/keys': {
      if (typeof body.login !== 'string' || !Array.isArray(body.keys)) {
        send(res, 400, { error: 'login and keys are needed' });
        return;
      }
      const createdAt = new Date().toISOString();
      keys.set(body.login, body.keys.map((key) => {
        const id = nextKeyId;
        nextKeyId += 1;
        const title = String(key).trim().split(/\s+/).slice(2).join(' ') || `key ${id}`;
        return { id, title, key: String(key).trim(), created_at: createdAt };
      }));
      noContent(res);
      return;
    }
    case '/test/tamper': {
      if (body.aud !== undefined) tamper = { aud: body.aud };
      else if (body.nonce !== undefined) tamper = { nonce: body.nonce };
      else if (body.new_key === true) {
        if (!k2) {
          const pair = await generateKeyPair('RS256', { extractable: true });
          const { kty, n, e } = await exportJWK(pair.publicKey);
          k2 = { privateKey: pair.privateKey, publicJwk: { kty, n, e, kid: 'k2', alg: 'RS256', use: 'sig' } };
        }
        tamper = { new_key: true };
      } else {
        send(res, 400, { error: 'one of aud, nonce, new_key is needed' });
        return;
      }
      noContent(res);
      return;
    }
    default:
      send(res, 404, { error: 'not_found' });
  }
}

const isLoopback = (address) => address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
const providerCallback = provider.callback();

server.on('request', async (req, res) => {
  try {
    const { pathname } = new URL(req.url, issuer);
    const interactionMatch = /^\/interaction\/([^/]+)$/.exec(pathname);
    if (interactionMatch && (req.method === 'GET' || req.method === 'POST')) {
      await interaction(req, res, decodeURIComponent(interactionMatch[1]));
    } else if (pathname === '/api/v4/user/keys' && req.method === 'GET') {
      await userKeys(req, res);
    } else if (pathname.startsWith('/test/')) {
      if (!isLoopback(req.socket.remoteAddress)) send(res, 403, { error: 'loopback only' });
      else await control(req, res, pathname);
    } else {
      providerCallback(req, res);
    }
  } catch (error) {
    console.error('oidc test peer:', error);
    if (!res.headersSent) send(res, error instanceof SyntaxError ? 400 : 500, { error: String(error.message ?? error) });
    else res.end();
  }
});

const stop = () => {
  server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.resume();

process.stdout.write(`listening ${issuer}\n`);
