import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuthMode, RealtimeAuth, resolveAuthConfig, TokenRejected } from '../../runtime/realtime.auth.js';
import { RealtimeErrorCode } from '../../runtime/realtime.errors.js';

const ISSUER = 'https://idp.example.test/realms/app';
const AUDIENCE = 'chat-api';
// Short enough for a test to outlive a cached key set.
const CACHE_MAX_AGE_MS = 300;

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

interface IssuerKey {
  kid: string;
  alg: string;
  privateKey: SigningKey;
  jwk: JWK;
}

async function issuerKey(kid: string, alg: string): Promise<IssuerKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, {
    extractable: true,
  });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, jwk };
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** A token as the identity provider signs it; `claims` override the usual ones. */
function signWith(key: IssuerKey, claims: JWTPayload = {}): Promise<string> {
  return new SignJWT({
    sub: 'alice',
    iss: ISSUER,
    aud: AUDIENCE,
    exp: nowSeconds() + 300,
    ...claims,
  })
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .sign(key.privateKey);
}

/** The payload of a compact token, unsigned: what a forger controls. */
function unsignedToken(header: object, claims: JWTPayload): string {
  const encode = (part: object): string => Buffer.from(JSON.stringify(part)).toString('base64url');
  return `${encode(header)}.${encode(claims)}.`;
}

async function rejection(promise: Promise<unknown>): Promise<TokenRejected> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TokenRejected) {
      return error;
    }
    throw error;
  }
  throw new Error('Expected the token to be refused');
}

/** A real HTTP key set endpoint, as an identity provider publishes it. */
class JwksEndpoint {
  keys: JWK[] = [];
  fetches = 0;
  private readonly server: Server = createServer((_request, response) => {
    this.fetches += 1;
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys: this.keys }));
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/.well-known/jwks.json`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('RealtimeAuth in jwks mode', () => {
  const endpoint = new JwksEndpoint();
  let jwksUri: string;
  let rsa: IssuerKey;
  let auth: RealtimeAuth;

  const jwksEnv = (): Record<string, string> => ({
    JWKS_URI: jwksUri,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    JWKS_CACHE_MAX_AGE_MS: String(CACHE_MAX_AGE_MS),
    JWKS_COOLDOWN_MS: '0',
  });

  beforeAll(async () => {
    jwksUri = await endpoint.start();
    rsa = await issuerKey('rsa-1', 'RS256');
  });

  afterAll(() => endpoint.stop());

  beforeEach(() => {
    endpoint.keys = [rsa.jwk];
    auth = new RealtimeAuth(resolveAuthConfig(jwksEnv(), AuthMode.Hs256));
  });

  it.each(['RS256', 'ES256', 'EdDSA'])('accepts a %s token signed by a published key', async (alg) => {
    const key = await issuerKey(`${alg}-key`, alg);
    endpoint.keys = [key.jwk];
    const token = await signWith(key, { exp: nowSeconds() + 120 });

    const verified = await auth.verify(token);

    expect(verified.claims.sub).toBe('alice');
    expect(verified.expiresAt).toBeGreaterThan(Date.now() + 100_000);
  });

  it.each([
    ['without an expiry', { exp: undefined }, 'token_without_expiry'],
    ['that expired', { exp: nowSeconds() - 60 }, 'token_expired'],
    ['that is not valid yet', { nbf: nowSeconds() + 600 }, 'token_not_yet_valid'],
    ['from another issuer', { iss: 'https://evil.example.test' }, 'wrong_issuer'],
    ['for another audience', { aud: 'billing-api' }, 'wrong_audience'],
    ['that claims to live longer than allowed', { exp: nowSeconds() + 365 * 24 * 3600 }, 'token_lifetime_too_long'],
  ])('refuses a token %s', async (_case, claims: JWTPayload, reason) => {
    const refused = await rejection(auth.verify(await signWith(rsa, claims)));

    expect(refused).toMatchObject({
      reason,
      code: RealtimeErrorCode.Unauthorized,
    });
  });

  it('refuses alg none', async () => {
    const token = unsignedToken({ alg: 'none' }, { sub: 'alice', iss: ISSUER, aud: AUDIENCE, exp: nowSeconds() + 60 });

    await expect(rejection(auth.verify(token))).resolves.toMatchObject({
      reason: 'algorithm_not_allowed',
    });
  });

  it('refuses an HS256 token keyed with the public key (algorithm confusion)', async () => {
    const publicKeyAsSecret = new TextEncoder().encode(JSON.stringify(rsa.jwk));
    const token = await new SignJWT({
      sub: 'alice',
      iss: ISSUER,
      aud: AUDIENCE,
      exp: nowSeconds() + 60,
    })
      .setProtectedHeader({ alg: 'HS256', kid: rsa.kid })
      .sign(publicKeyAsSecret);

    await expect(rejection(auth.verify(token))).resolves.toMatchObject({
      reason: 'algorithm_not_allowed',
      message: 'Unauthorized: token algorithm not allowed',
    });
  });

  it('refuses a token whose signature does not match', async () => {
    const [header, claims] = (await signWith(rsa)).split('.');
    const [, , signature] = (await signWith(rsa, { sub: 'bob' })).split('.');

    await expect(rejection(auth.verify(`${header}.${claims}.${signature}`))).resolves.toMatchObject({
      reason: 'invalid_token',
    });
  });

  it('accepts a newly published key without a restart, and refuses a removed one once the set is refreshed', async () => {
    const oldToken = await signWith(rsa);
    await expect(auth.verify(oldToken)).resolves.toMatchObject({
      claims: { sub: 'alice' },
    });
    const rotated = await issuerKey('rsa-2', 'RS256');
    endpoint.keys = [rsa.jwk, rotated.jwk];

    await expect(auth.verify(await signWith(rotated))).resolves.toMatchObject({
      claims: { sub: 'alice' },
    });

    endpoint.keys = [rotated.jwk];
    const fetchesBefore = endpoint.fetches;
    await sleep(CACHE_MAX_AGE_MS + 100);
    await expect(rejection(auth.verify(oldToken))).resolves.toMatchObject({
      reason: 'unknown_key',
      code: RealtimeErrorCode.Unauthorized,
    });
    expect(endpoint.fetches).toBeGreaterThan(fetchesBefore);
    await expect(auth.verify(await signWith(rotated))).resolves.toMatchObject({
      claims: { sub: 'alice' },
    });
  });

  it('answers INTERNAL, not UNAUTHORIZED, when the key set cannot be fetched', async () => {
    const unreachable = new RealtimeAuth(
      resolveAuthConfig({
        ...jwksEnv(),
        JWKS_URI: 'http://127.0.0.1:9/.well-known/jwks.json',
      }),
    );

    await expect(rejection(unreachable.verify(await signWith(rsa)))).resolves.toMatchObject({
      reason: 'verification_unavailable',
      code: RealtimeErrorCode.Internal,
    });
  });
});

describe('RealtimeAuth in hs256 mode', () => {
  const secret = 'a-test-secret-of-at-least-32-bytes!!';
  const key = new TextEncoder().encode(secret);
  const sign = (claims: JWTPayload): Promise<string> =>
    new SignJWT({ sub: 'alice', exp: nowSeconds() + 60, ...claims }).setProtectedHeader({ alg: 'HS256' }).sign(key);

  it('requires an expiry', async () => {
    const auth = new RealtimeAuth(resolveAuthConfig({ JWT_SECRET: secret }, AuthMode.Hs256));

    await expect(rejection(auth.verify(await sign({ exp: undefined })))).resolves.toMatchObject({
      reason: 'token_without_expiry',
    });
    await expect(auth.verify(await sign({}))).resolves.toMatchObject({
      claims: { sub: 'alice' },
    });
  });

  it('checks issuer and audience when they are configured', async () => {
    const auth = new RealtimeAuth(
      resolveAuthConfig(
        {
          JWT_SECRET: secret,
          JWT_ISSUER: ISSUER,
          JWT_AUDIENCE: `${AUDIENCE},admin-api`,
        },
        AuthMode.Hs256,
      ),
    );

    await expect(auth.verify(await sign({ iss: ISSUER, aud: 'admin-api' }))).resolves.toMatchObject({
      claims: { sub: 'alice' },
    });
    await expect(rejection(auth.verify(await sign({ aud: AUDIENCE })))).resolves.toMatchObject({
      reason: 'wrong_issuer',
    });
    await expect(rejection(auth.verify(await sign({ iss: ISSUER })))).resolves.toMatchObject({
      reason: 'wrong_audience',
    });
  });
});

describe('resolveAuthConfig', () => {
  const jwks = 'https://idp.example.test/jwks.json';

  it('uses the generated mode when nothing selects another', () => {
    expect(resolveAuthConfig({ JWT_SECRET: 'x' }, AuthMode.Hs256)).toMatchObject({
      mode: AuthMode.Hs256,
      algorithms: ['HS256'],
    });
  });

  it('switches to jwks when JWKS_URI is set, with asymmetric algorithms only', () => {
    const config = resolveAuthConfig({ JWKS_URI: jwks, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE }, AuthMode.Hs256);

    expect(config.mode).toBe(AuthMode.Jwks);
    expect(config.algorithms).not.toContain('HS256');
    expect(config.secret).toBeUndefined();
  });

  it('refuses to start in jwks mode without issuer and audience', () => {
    expect(() => resolveAuthConfig({ JWKS_URI: jwks, JWT_ISSUER: ISSUER })).toThrow(/JWT_ISSUER and JWT_AUDIENCE/);
    expect(() => resolveAuthConfig({ JWKS_URI: jwks, JWT_AUDIENCE: AUDIENCE })).toThrow(/JWT_ISSUER and JWT_AUDIENCE/);
  });

  it('stops a production app in jwks mode without a key set, naming JWKS_URI', () => {
    expect(() => resolveAuthConfig({ REALTIME_AUTH: 'jwks', NODE_ENV: 'production' })).toThrow(/JWKS_URI is not set/);
  });

  it('starts in development without a key set, refusing every token', async () => {
    const auth = new RealtimeAuth(resolveAuthConfig({}, AuthMode.Jwks));

    await expect(rejection(auth.verify('a.b.c'))).resolves.toMatchObject({
      reason: 'auth_not_configured',
      code: RealtimeErrorCode.Internal,
    });
  });

  it('refuses symmetric algorithms in jwks mode', () => {
    expect(() =>
      resolveAuthConfig({
        JWKS_URI: jwks,
        JWT_ISSUER: ISSUER,
        JWT_AUDIENCE: AUDIENCE,
        JWT_ALGORITHMS: 'RS256,HS256',
      }),
    ).toThrow(/JWT_ALGORITHMS.*HS256/);
  });

  it('refuses an unknown mode and a contradiction', () => {
    expect(() => resolveAuthConfig({ REALTIME_AUTH: 'basic' })).toThrow(/REALTIME_AUTH must be hs256 or jwks/);
    expect(() => resolveAuthConfig({ REALTIME_AUTH: 'hs256', JWKS_URI: jwks })).toThrow(/Unset JWKS_URI/);
  });
});
