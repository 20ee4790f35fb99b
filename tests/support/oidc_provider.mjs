// A real OpenID Connect provider for the tests (the npm package oidc-provider), on loopback.
//
//   node tests/support/oidc_provider.mjs
//
// Settings come from the environment: OIDC_PORT, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, and the client's
// OIDC_REDIRECT_URIS and OIDC_POST_LOGOUT_REDIRECT_URIS (comma-separated). The issuer is
// http://127.0.0.1:<port>. tests/support/servers.py starts it and waits for its discovery document.
//
// Besides the provider's own routes it serves, for the tests only:
//   GET/POST /interaction/<uid>   a sign-in page: an email address of an account the test made
//   POST /test/accounts            {email, email_verified, xms_edov, amr, acr, name, sub}: make or replace an
//                                  account (email_verified null: left out, as Microsoft Entra ID does)
//   POST /test/next-id-token       {claims: {...}, other_key: bool}: the next token response carries an ID
//                                  token with these claims changed, signed with the provider's key (or, with
//                                  other_key, with a key the provider never published) — how a test gets
//                                  another audience, another issuer, an expired token or a wrong nonce,
//                                  which oidc-provider rightly never issues by itself
//   POST /test/reset               forget the accounts and any pending ID token change
import crypto from 'node:crypto';
import http from 'node:http';

import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const list = (name) => (process.env[name] || '').split(',').map((s) => s.trim()).filter(Boolean);

function rsaKey(kid) {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, jwk: { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}
const signing = rsaKey('test-signing-key');
const unpublished = rsaKey('test-signing-key'); // the same kid: only the signature gives it away

const accounts = new Map(); // by e-mail address, for the sign-in page
const subjects = new Map(); // by subject (the account id here): the one added last wins
let nextIdToken = null;

const b64 = (value) => Buffer.from(value).toString('base64url');

function resign(idToken, change) {
  const [header, payload] = idToken.split('.');
  const claims = { ...JSON.parse(Buffer.from(payload, 'base64url')), ...change.claims };
  const input = `${header}.${b64(JSON.stringify(claims))}`;
  const key = change.other_key ? unpublished.privateKey : signing.privateKey;
  return `${input}.${crypto.sign('sha256', Buffer.from(input), key).toString('base64url')}`;
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.OIDC_CLIENT_ID,
      client_secret: process.env.OIDC_CLIENT_SECRET,
      redirect_uris: list('OIDC_REDIRECT_URIS'),
      post_logout_redirect_uris: list('OIDC_POST_LOGOUT_REDIRECT_URIS'),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [signing.jwk] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  claims: {
    acr: null, amr: null, sid: null, auth_time: null, iss: null,
    // How the person signed in (amr, acr) goes in every ID token, as Entra ID sends it.
    openid: ['sub', 'amr', 'acr'], email: ['email', 'email_verified', 'xms_edov'], profile: ['name'],
  },
  // The e-mail claims in the ID token itself, as the council's and schools' providers send them.
  conformIdTokenClaims: false,
  // Every client must use PKCE: a portal that forgot it would be refused here.
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = `<!DOCTYPE html><html lang="en"><head><title>Sign out of the test provider</title></head>
          <body><h1>Sign out of the test provider?</h1>${form}
          <button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button></body></html>`;
      },
    },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // A first-party client: no consent screen, the grant covers what it asks for.
  loadExistingGrant: async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      const found = await ctx.oidc.provider.Grant.find(grantId);
      if (found) return found;
    }
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  findAccount: async (ctx, id) => {
    const account = subjects.get(id);
    if (!account) return undefined;
    return {
      accountId: id,
      claims: async () => ({
        sub: id,
        email: account.email,
        ...(account.email_verified === null ? {} : { email_verified: account.email_verified }),
        ...(account.xms_edov === undefined ? {} : { xms_edov: account.xms_edov }),
        name: account.name || account.email,
      }),
    };
  },
});

// Rewrite the next token response's ID token when a test asked for it.
provider.use(async (ctx, next) => {
  await next();
  if (nextIdToken && ctx.method === 'POST' && ctx.path === '/token' && ctx.body?.id_token) {
    ctx.body = { ...ctx.body, id_token: resign(ctx.body.id_token, nextIdToken) };
    nextIdToken = null;
  }
});

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString();
}

function send(res, status, body, type = 'text/html; charset=utf-8') {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

function loginPage(uid, error = '') {
  return `<!DOCTYPE html><html lang="en"><head><title>Sign in to the test provider</title></head><body>
    <h1>Sign in to the test provider</h1>${error ? `<p role="alert">${escape(error)}</p>` : ''}
    <form method="post" action="/interaction/${escape(uid)}">
      <label for="email">Email address</label> <input id="email" name="email" type="email">
      <button type="submit">Sign in</button>
    </form></body></html>`;
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') return send(res, 200, loginPage(details.uid));
  const email = new URLSearchParams(await readBody(req)).get('email')?.trim().toLowerCase() || '';
  const account = accounts.get(email);
  if (!account) return send(res, 200, loginPage(details.uid, 'No such account at this provider'));
  const login = { accountId: account.sub || email, remember: false };
  if (account.amr) login.amr = account.amr;
  if (account.acr) login.acr = account.acr;
  return provider.interactionFinished(req, res, { login }, { mergeWithLastSubmission: false });
}

async function control(req, res) {
  const body = req.method === 'POST' ? JSON.parse((await readBody(req)) || '{}') : {};
  if (req.url === '/test/accounts') {
    accounts.set(body.email.toLowerCase(), body);
    subjects.set(body.sub || body.email.toLowerCase(), body);
  } else if (req.url === '/test/next-id-token') {
    nextIdToken = body;
  } else if (req.url === '/test/reset') {
    accounts.clear();
    subjects.clear();
    nextIdToken = null;
  } else {
    return send(res, 404, 'not found', 'text/plain');
  }
  return send(res, 204, '');
}

const callback = provider.callback();
http
  .createServer((req, res) => {
    const handle = req.url.startsWith('/test/') ? control
      : req.url.startsWith('/interaction/') ? interaction
        : null;
    if (!handle) return callback(req, res);
    return handle(req, res).catch((error) => send(res, 500, String(error), 'text/plain'));
  })
  .listen(port, '127.0.0.1', () => console.log(`oidc-provider listening on ${issuer}`));
