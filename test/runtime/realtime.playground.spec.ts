import { BadRequestException, ForbiddenException, NotFoundException, type ExecutionContext } from '@nestjs/common';
import { Script } from 'node:vm';
import { PLAYGROUND_SCRIPT } from '../../runtime/playground/assets.js';
import { AuthMode, DEV_JWT_SECRET, RealtimeAuth } from '../../runtime/realtime.auth.js';
import {
  PlaygroundServedGuard,
  devTokenSubject,
  mintDevToken,
  playgroundPage,
  playgroundSettings,
} from '../../runtime/realtime.playground.js';
import { realtimeServerOptions } from '../../runtime/realtime.server-options.js';
import { RealtimeSettings } from '../../runtime/realtime.settings.js';

const DEVELOPMENT = { NODE_ENV: 'development', REALTIME_PLAYGROUND: '1' };

function settingsOf(env: Record<string, string>): RealtimeSettings {
  return RealtimeSettings.resolve({ env });
}

function httpContext(method: string, url: string, host = 'localhost:3000'): ExecutionContext {
  return {
    switchToHttp: () => ({
      getRequest: () => ({ method, url, headers: { host } }),
    }),
  } as unknown as ExecutionContext;
}

/** What the runtime's handshake check answers for a browser page's Origin and the Host it sent to. */
function handshakeAllowed(settings: RealtimeSettings, origin: string, host: string): Promise<boolean> {
  const { allowRequest } = realtimeServerOptions(settings);
  if (allowRequest === undefined) {
    throw new Error('The server options have no allowRequest');
  }
  return new Promise((resolve) =>
    allowRequest({ headers: { origin, host } } as Parameters<typeof allowRequest>[0], (error, success) =>
      resolve(error === null && success),
    ),
  );
}

describe('the socket playground', () => {
  it('answers 404 like a missing route until it is served', () => {
    expect(() =>
      new PlaygroundServedGuard(settingsOf({})).canActivate(httpContext('POST', '/realtime/playground/tokens?x=1')),
    ).toThrow(new NotFoundException('Cannot POST /realtime/playground/tokens?x=1'));
    expect(() =>
      new PlaygroundServedGuard(settingsOf({ ...DEVELOPMENT, NODE_ENV: 'production', JWT_SECRET: 'x' })).canActivate(
        httpContext('GET', '/realtime/playground'),
      ),
    ).toThrow(NotFoundException);
    expect(
      new PlaygroundServedGuard(settingsOf(DEVELOPMENT)).canActivate(httpContext('GET', '/realtime/playground')),
    ).toBe(true);
  });

  it('answers only on a loopback host or one whose origin is allowed (no DNS rebinding)', () => {
    const guard = new PlaygroundServedGuard(settingsOf(DEVELOPMENT));
    const page =
      (host: string, served = guard) =>
      () =>
        served.canActivate(httpContext('GET', '/realtime/playground', host));

    expect(page('localhost:3000')()).toBe(true);
    expect(page('127.0.0.1:4000')()).toBe(true);
    expect(page('[::1]:3000')()).toBe(true);
    expect(page('rebind.example:3000')).toThrow(ForbiddenException);
    expect(page('dev.example:3000')).toThrow('add that origin to CORS_ORIGINS.');

    const allowing = new PlaygroundServedGuard(settingsOf({ ...DEVELOPMENT, CORS_ORIGINS: 'http://dev.example:3000' }));
    expect(page('dev.example:3000', allowing)()).toBe(true);
  });

  it('takes exactly { "sub": "<user>" }, however deep a bad body is nested', () => {
    expect(devTokenSubject({ sub: 'alice' })).toBe('alice');
    const deep: unknown = JSON.parse(`{"sub":"a","x":${'['.repeat(5000)}${']'.repeat(5000)}}`);
    for (const bad of [
      deep,
      {},
      { sub: 1 },
      { sub: 'a b' },
      { sub: 'x'.repeat(65) },
      { sub: 'alice', exp: 1 },
      ['alice'],
      'alice',
      null,
    ]) {
      expect(() => devTokenSubject(bad)).toThrow(BadRequestException);
    }
  });

  it('mints tokens only with the development secret, which the app then accepts', async () => {
    // Explicit: an app generated with `--auth jwks` defaults to jwks mode.
    const settings = settingsOf({
      REALTIME_AUTH: AuthMode.Hs256,
      NODE_ENV: 'development',
      JWT_ISSUER: 'https://issuer.example',
      JWT_AUDIENCE: 'chat',
    });
    expect(settings.auth.secret).toBe(DEV_JWT_SECRET);
    expect(playgroundSettings(settings)).toEqual({
      tokens: 'mint',
      originsVariable: 'CORS_ORIGINS',
    });

    const minted = await mintDevToken(settings.auth, 'alice');
    const verified = await new RealtimeAuth(settings.auth).verify(minted.token);

    expect(verified.claims.sub).toBe('alice');
    expect(minted.expiresAt - Date.now() / 1000).toBeGreaterThan(3500);
  });

  it('asks for a pasted token with a real secret or in jwks mode, naming the origins variable', () => {
    const secret = RealtimeSettings.resolve({
      corsOriginsVariable: 'ALLOWED_ORIGINS',
      env: { REALTIME_AUTH: AuthMode.Hs256, JWT_SECRET: 'a-real-secret' },
    });
    const jwks = settingsOf({
      REALTIME_AUTH: AuthMode.Jwks,
      JWKS_URI: 'https://idp.example/.well-known/jwks.json',
      JWT_ISSUER: 'https://idp.example/',
      JWT_AUDIENCE: 'chat',
    });

    expect(playgroundSettings(secret)).toEqual({
      tokens: 'paste',
      reason: expect.stringMatching(/JWT_SECRET is set/) as unknown,
      originsVariable: 'ALLOWED_ORIGINS',
    });
    expect(playgroundSettings(jwks)).toEqual({
      tokens: 'paste',
      reason: expect.stringMatching(/jwks mode/) as unknown,
      originsVariable: 'CORS_ORIGINS',
    });
  });

  it("lets the page's own origin connect only while the playground is served, on a host it answers", async () => {
    expect(await handshakeAllowed(settingsOf({}), 'http://localhost:4010', 'localhost:4010')).toBe(false);

    const served = settingsOf(DEVELOPMENT);
    const allowed = (origin: string, host: string) => handshakeAllowed(served, origin, host);
    // Any port: a container mapped to 8080 needs no setting.
    expect(await allowed('http://localhost:8080', 'localhost:8080')).toBe(true);
    expect(await allowed('http://127.0.0.1:4010', '127.0.0.1:4010')).toBe(true);
    expect(await allowed('http://[::1]:3000', '[::1]:3000')).toBe(true);
    // Another page on this machine, another site, or a DNS-rebinding one.
    expect(await allowed('http://localhost:5000', 'localhost:3000')).toBe(false);
    expect(await allowed('https://evil.example', 'localhost:3000')).toBe(false);
    expect(await allowed('http://rebind.example:3000', 'rebind.example:3000')).toBe(false);

    const listed = settingsOf({
      ...DEVELOPMENT,
      CORS_ORIGINS: 'http://dev.example:3000',
    });
    expect(await handshakeAllowed(listed, 'http://dev.example:3000', 'dev.example:3000')).toBe(true);
  });

  it('serves a script that parses and a page whose base cannot break out of its attribute', () => {
    expect(() => new Script(PLAYGROUND_SCRIPT)).not.toThrow();
    const page = playgroundPage('/x"><script>alert(1)</script>/');

    expect(page).toContain('<base href="/x&#34;&#62;&#60;script&#62;');
    expect(page).not.toContain('<script>alert(1)');
  });
});
