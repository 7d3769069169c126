// A real OpenID provider for the single sign-on journey: the npm package oidc-provider, run on
// this machine, offline. It plays the provincial unified identity service: one confidential
// client (this platform, authorization code with PKCE) and a few people with phone numbers.
//
//   node tests/browser/lib/oidc-provider.mjs PORT REDIRECT_URI
//
// The client secret comes from OIDC_CLIENT_SECRET. Signing keys are made afresh at each start.
// The sign-in page is a plain form: the person types their account name at the provider.
import http from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const [port, redirectUri] = process.argv.slice(2);
if (!port || !redirectUri) {
  console.error('usage: oidc-provider.mjs PORT REDIRECT_URI');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

/** The provider's people, by the name they type at its sign-in form. */
export const PEOPLE = {
  // Verified phone of the account the journey links.
  'sso-linked': { phone_number: '+86 139 1234 0001', phone_number_verified: true, name: '林统一' },
  // A phone the provider has not verified: never enough to propose a link.
  'sso-unverified': { phone_number: '13912340002', phone_number_verified: false, name: '陈未核' },
  // Verified, for the account that is deactivated after linking.
  'sso-leaver': { phone_number: '13912340003', phone_number_verified: true, name: '郑离岗' },
  // Verified, but no account of the platform has this number.
  'sso-stranger': { phone_number: '13912340009', phone_number_verified: true, name: '路人甲' },
  // An enterprise's person: the provider vouches for the enterprise's unified social credit code,
  // typed at the sign-in form (the journey learns the demo enterprise's code at run time).
  'sso-enterprise': { name: '企业经办人' },
};
/** Claims given at the sign-in form, by account. */
const typedClaims = new Map();

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'test-1' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'qinqing',
    client_secret: process.env.OIDC_CLIENT_SECRET,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  jwks: { keys: [signingKey] },
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    phone: ['phone_number', 'phone_number_verified'],
    profile: ['name', 'unified_social_credit_code'],
  },
  // The claims of the granted scopes go into the ID token itself.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: false } },
  cookies: { keys: ['qinqing-test-provider-cookie-key'] },
  async findAccount(ctx, id) {
    const person = PEOPLE[id];
    if (!person) return undefined;
    return { accountId: id, claims: async () => ({ sub: `sub-${id}`, ...person, ...typedClaims.get(id) }) };
  },
  // The platform is a first-party client: the person is not asked to consent.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid phone profile');
    await grant.save();
    return grant;
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
});

function page(uid, error = '') {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>统一身份认证</title></head>
<body><h1>统一身份认证(测试)</h1>${error ? `<p role="alert">${error}</p>` : ''}
<form method="post" action="/interaction/${uid}">
<label for="login">统一身份认证账号</label><input id="login" name="login" autofocus>
<label for="credit_code">统一社会信用代码(企业用户)</label><input id="credit_code" name="credit_code">
<button type="submit">登录统一身份认证</button></form></body></html>`;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

const interactions = async (req, res) => {
  const match = /^\/interaction\/([\w-]+)$/.exec(req.url.split('?')[0]);
  if (!match) return false;
  const details = await provider.interactionDetails(req, res);
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page(details.uid));
    return true;
  }
  const form = await readForm(req);
  const login = form.get('login') || '';
  if (!PEOPLE[login]) {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page(details.uid, '没有这个账号'));
    return true;
  }
  const creditCode = form.get('credit_code');
  if (creditCode) typedClaims.set(login, { unified_social_credit_code: creditCode });
  await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
  return true;
};

const callback = provider.callback();
http.createServer(async (req, res) => {
  try {
    if (!(await interactions(req, res))) callback(req, res);
  } catch (err) {
    console.error(err);
    res.writeHead(500);
    res.end(String(err));
  }
}).listen(Number(port), '127.0.0.1', () => console.log(`oidc provider at ${issuer}`));
