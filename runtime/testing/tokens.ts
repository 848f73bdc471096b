import { createHmac } from 'node:crypto';

/**
 * The secret test apps verify tokens with (createRealtimeTestingApp sets it),
 * whatever auth mode the app runs in.
 */
export const TEST_JWT_SECRET = 'realtime-test-secret-not-used-anywhere-else';

/**
 * What test apps and modules verify tokens with, over the environment: the
 * test secret in HS256 mode, whatever issuer, audience or JWKS it names.
 */
export const TEST_AUTH_ENVIRONMENT = {
  REALTIME_AUTH: 'hs256',
  JWT_SECRET: TEST_JWT_SECRET,
  JWKS_URI: undefined,
  JWT_ISSUER: undefined,
  JWT_AUDIENCE: undefined,
};

/** Now, in the seconds JWT claims use. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/**
 * A compact JWS over `claims`, HMAC-signed as an identity service would sign
 * it; `secret` and `header` let a test forge one the server must refuse.
 *
 * @example
 * signTestToken({ sub: 'alice', exp: nowSeconds() + 60 });
 * signTestToken({ sub: 'alice' }, { header: { alg: 'none' } });
 */
export function signTestToken(
  claims: Record<string, unknown>,
  {
    secret = TEST_JWT_SECRET,
    header = { alg: 'HS256', typ: 'JWT' },
  }: { secret?: string; header?: Record<string, unknown> } = {},
): string {
  const encode = (part: object): string =>
    Buffer.from(JSON.stringify(part)).toString('base64url');
  const body = `${encode(header)}.${encode(claims)}`;
  const signature = createHmac('sha256', secret)
    .update(body)
    .digest('base64url');
  return `${body}.${signature}`;
}

/**
 * A valid token of `userId` for the next `lifetimeSeconds`, with any other
 * claims the app's auth policy reads.
 *
 * @example
 * testTokenFor('alice', { claims: { roles: ['admin'] } });
 */
export function testTokenFor(
  userId: string,
  {
    lifetimeSeconds = 60,
    claims = {},
  }: { lifetimeSeconds?: number; claims?: Record<string, unknown> } = {},
): string {
  return signTestToken({
    ...claims,
    sub: userId,
    exp: nowSeconds() + lifetimeSeconds,
  });
}
