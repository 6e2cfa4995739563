// A real OpenID Connect provider for the single sign-on tests: panva's oidc-provider on a
// loopback port, one confidential client, and accounts whose claims the test writes.
//
//   node provider.js <config.json>
//
// config.json: {"port": 0-65535, "issuer": "http://127.0.0.1:<port>",
//   "clients": [{"client_id", "client_secret", "redirect_uris": [...]}],
//   "accounts": {"<login>": {"sub"?, "email", "email_verified", "name"?}},
//   "misbehave": null | "foreign-key" | "wrong-audience"}
// Accounts are read again at every lookup, so a test may change them while it runs.
// "misbehave" replaces the ID token in the token response by one the relying party must
// refuse: signed with a key the provider never published, or addressed to another client.
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';

import { exportJWK, generateKeyPair, SignJWT, decodeJwt } from 'jose';
import Provider from 'oidc-provider';

const configPath = process.argv[2];
const readConfig = () => JSON.parse(readFileSync(configPath, 'utf8'));
const config = readConfig();

const signing = await generateKeyPair('RS256', { extractable: true });
const publishedKey = { ...(await exportJWK(signing.privateKey)), kid: 'test-signing', alg: 'RS256', use: 'sig' };
const foreign = await generateKeyPair('RS256');

const provider = new Provider(config.issuer, {
  clients: config.clients.map((client) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...client,
  })),
  jwks: { keys: [publishedKey] },
  cookies: { keys: ['pulserx-test-provider-only'] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  // A first-party client: no consent screen, as a company's own provider would set it up.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  async findAccount(ctx, id) {
    const account = readConfig().accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: account.sub ?? id, email: account.email,
                 email_verified: account.email_verified, name: account.name };
      },
    };
  },
});

provider.use(async (ctx, next) => {
  await next();
  const { misbehave } = readConfig();
  if (!misbehave || ctx.path !== '/token' || !ctx.body?.id_token) return;
  const claims = decodeJwt(ctx.body.id_token);
  let key = signing.privateKey;
  if (misbehave === 'foreign-key') key = foreign.privateKey;
  // Addressed to another client, yet naming this one as the authorized party: a check of
  // `azp` alone would let it through.
  if (misbehave === 'wrong-audience') {
    claims.aud = ['some-other-client'];
    claims.azp = ctx.oidc.client.clientId;
  }
  ctx.body = {
    ...ctx.body,
    id_token: await new SignJWT({ ...claims, jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-signing' })
      .sign(key),
  };
});

const server = provider.listen(config.port, '127.0.0.1', () => {
  console.log(`listening on ${config.issuer}`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
