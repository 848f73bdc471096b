import { createHmac } from 'node:crypto';

/** An HS256 JWT for `sub`, valid for `lifetimeSeconds`, as the generated app's clients would present. */
export function signToken(secret, sub, lifetimeSeconds = 3600) {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const body = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ sub, iat: now, exp: now + lifetimeSeconds })}`;
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}
