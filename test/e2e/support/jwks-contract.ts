/**
 * Drives a generated app in jwks mode, as a team signing in with an identity provider runs it: the harness
 * publishes its own key set over HTTP and signs tokens with node:crypto, knowing nothing of the generated code.
 */
import { generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { handshakeOutcome, RunningApp, signJws, signToken, startApp } from './contract';
import { recordNote } from './report';

const ISSUER = 'https://idp.example.test/realms/app';
const AUDIENCE = 'chat-api';

interface ProviderKey {
  alg: string;
  kid: string;
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}

function providerKey(alg: 'RS256' | 'ES256' | 'EdDSA'): ProviderKey {
  const { publicKey, privateKey } =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('ed25519');
  const kid = `${alg.toLowerCase()}-1`;
  return { alg, kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } };
}

function signWith(key: ProviderKey, claims: Record<string, unknown>): string {
  const digest = key.alg === 'EdDSA' ? null : 'sha256';
  return signJws({ alg: key.alg, kid: key.kid, typ: 'JWT' }, claims, (body) =>
    sign(digest, Buffer.from(body), { key: key.privateKey, dsaEncoding: 'ieee-p1363' }),
  );
}

async function serveKeySet(keys: ProviderKey[]): Promise<{ server: Server; uri: string }> {
  const server = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ keys: keys.map((key) => key.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, uri: `http://127.0.0.1:${port}/realms/app/protocol/openid-connect/certs` };
}

export async function checkJwksContract(appDir: string, namespace: string, label: string): Promise<void> {
  const keys = [providerKey('RS256'), providerKey('ES256'), providerKey('EdDSA')];
  const { server, uri } = await serveKeySet(keys);
  const env = { JWKS_URI: uri, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE };
  let app: RunningApp | undefined;
  try {
    // Without issuer and audience, jwks mode would accept tokens minted for any other application.
    const refusedStart = await startApp(appDir, [], 'dist/main.js', { JWKS_URI: uri, JWT_ISSUER: ISSUER }).then(
      (started) => {
        started.process.kill('SIGKILL');
        return 'started';
      },
      (error: Error) => error.message,
    );
    expect(refusedStart).toMatch(/requires JWT_ISSUER and JWT_AUDIENCE/);

    app = await startApp(appDir, [], 'dist/main.js', env);
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'alice', iss: ISSUER, aud: AUDIENCE, exp: now + 300 };
    const outcome = (token: string) => handshakeOutcome(app as RunningApp, namespace, token);

    for (const key of keys) {
      expect(`${key.alg}: ${await outcome(signWith(key, claims))}`).toBe(`${key.alg}: connected`);
    }
    const [rsa] = keys;
    const refusals: Array<[string, string, RegExp]> = [
      ['no exp', signWith(rsa, { ...claims, exp: undefined }), /no expiry/],
      ['expired', signWith(rsa, { ...claims, exp: now - 60 }), /expired/],
      ['wrong iss', signWith(rsa, { ...claims, iss: 'https://evil.example.test' }), /issuer not accepted/],
      ['wrong aud', signWith(rsa, { ...claims, aud: 'billing-api' }), /audience not accepted/],
      ['alg none', signJws({ alg: 'none', typ: 'JWT' }, claims, () => Buffer.alloc(0)), /algorithm not allowed/],
      ['HS256 with JWT_SECRET', signToken(app.secret, claims), /algorithm not allowed/],
      ['unknown kid', signWith({ ...rsa, kid: 'rotated-away' }, claims), /unknown key/],
    ];
    for (const [name, token, expected] of refusals) {
      const message = await outcome(token);
      recordNote(`${label} jwks refusal, ${name}`, message);
      expect(`${name}: ${message}`).toMatch(new RegExp(`^${name}: .*${expected.source}`));
    }
  } finally {
    app?.process.kill('SIGKILL');
    await new Promise((resolve) => server.close(resolve));
  }
}
