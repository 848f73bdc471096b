import {
  BadRequestException,
  ForbiddenException,
  NotFoundException,
  type ExecutionContext,
} from '@nestjs/common';
import { Script } from 'node:vm';
import { AuthMode, RealtimeAuth, resolveAuthConfig } from './realtime.auth.js';
import {
  CORS_ORIGINS_VARIABLE,
  DEV_JWT_SECRET,
  REALTIME_SERVER_OPTIONS,
  playgroundEnabled,
} from './realtime.config.js';
import {
  PLAYGROUND_SCRIPT,
  playgroundPage,
} from './realtime.playground.page.js';
import {
  PlaygroundServedGuard,
  devTokenSubject,
  mintDevToken,
  playgroundSettings,
} from './realtime.playground.js';

const ENV_KEYS = [
  'REALTIME_PLAYGROUND',
  'NODE_ENV',
  CORS_ORIGINS_VARIABLE,
] as const;

function httpContext(
  method: string,
  url: string,
  host = 'localhost:3000',
): ExecutionContext {
  return {
    switchToHttp: () => ({
      getRequest: () => ({ method, url, headers: { host } }),
    }),
  } as unknown as ExecutionContext;
}

/** What the kit's handshake check answers for a browser page's Origin and the Host it sent to. */
function handshakeAllowed(origin: string, host: string): Promise<boolean> {
  const allowRequest = REALTIME_SERVER_OPTIONS.allowRequest;
  if (allowRequest === undefined) {
    throw new Error('REALTIME_SERVER_OPTIONS has no allowRequest');
  }
  return new Promise((resolve) =>
    allowRequest({ headers: { origin, host } }, (error, success) =>
      resolve(error === null && success),
    ),
  );
}

describe('the socket playground', () => {
  const saved = ENV_KEYS.map((key) => [key, process.env[key]] as const);

  afterEach(() => {
    for (const [key, value] of saved) {
      if (value === undefined) {
        delete process.env[key];
      } else {
        process.env[key] = value;
      }
    }
  });

  it('is served only when asked for and never in production', () => {
    expect(playgroundEnabled({})).toBe(false);
    expect(playgroundEnabled({ REALTIME_PLAYGROUND: '1' })).toBe(true);
    expect(
      playgroundEnabled({ REALTIME_PLAYGROUND: 'true', NODE_ENV: 'test' }),
    ).toBe(true);
    expect(playgroundEnabled({ REALTIME_PLAYGROUND: '0' })).toBe(false);
    for (const production of ['production', 'Production', ' production ']) {
      expect(
        playgroundEnabled({ REALTIME_PLAYGROUND: '1', NODE_ENV: production }),
      ).toBe(false);
    }
  });

  it('answers 404 like a missing route until it is served', () => {
    const guard = new PlaygroundServedGuard();
    delete process.env.REALTIME_PLAYGROUND;

    expect(() =>
      guard.canActivate(httpContext('POST', '/realtime/playground/tokens?x=1')),
    ).toThrow(
      new NotFoundException('Cannot POST /realtime/playground/tokens?x=1'),
    );

    process.env.REALTIME_PLAYGROUND = '1';
    process.env.NODE_ENV = 'production';
    expect(() =>
      guard.canActivate(httpContext('GET', '/realtime/playground')),
    ).toThrow(NotFoundException);

    process.env.NODE_ENV = 'development';
    expect(guard.canActivate(httpContext('GET', '/realtime/playground'))).toBe(
      true,
    );
  });

  it('answers only on a loopback host or one whose origin is allowed (no DNS rebinding)', () => {
    const guard = new PlaygroundServedGuard();
    process.env.REALTIME_PLAYGROUND = '1';
    process.env.NODE_ENV = 'development';
    const page = (host: string) => () =>
      guard.canActivate(httpContext('GET', '/realtime/playground', host));

    expect(page('localhost:3000')()).toBe(true);
    expect(page('127.0.0.1:4000')()).toBe(true);
    expect(page('[::1]:3000')()).toBe(true);
    expect(page('rebind.example:3000')).toThrow(ForbiddenException);
    expect(page('dev.example:3000')).toThrow(
      `add that origin to ${CORS_ORIGINS_VARIABLE}.`,
    );

    process.env[CORS_ORIGINS_VARIABLE] = 'http://dev.example:3000';
    expect(page('dev.example:3000')()).toBe(true);
  });

  it('takes exactly { "sub": "<user>" }, however deep a bad body is nested', () => {
    expect(devTokenSubject({ sub: 'alice' })).toBe('alice');
    const deep: unknown = JSON.parse(
      `{"sub":"a","x":${'['.repeat(5000)}${']'.repeat(5000)}}`,
    );
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
    const config = resolveAuthConfig({
      REALTIME_AUTH: AuthMode.Hs256,
      NODE_ENV: 'development',
      JWT_ISSUER: 'https://issuer.example',
      JWT_AUDIENCE: 'chat',
    });
    expect(config.secret).toBe(DEV_JWT_SECRET);
    expect(playgroundSettings(config)).toEqual({
      tokens: 'mint',
      originsVariable: CORS_ORIGINS_VARIABLE,
    });

    const minted = await mintDevToken(config, 'alice');
    const verified = await new RealtimeAuth(config).verify(minted.token);

    expect(verified.userId).toBe('alice');
    expect(minted.expiresAt - Date.now() / 1000).toBeGreaterThan(3500);
  });

  it('asks for a pasted token with a real secret or in jwks mode', () => {
    const secret = resolveAuthConfig({
      REALTIME_AUTH: AuthMode.Hs256,
      JWT_SECRET: 'a-real-secret',
    });
    const jwks = resolveAuthConfig({
      REALTIME_AUTH: AuthMode.Jwks,
      JWKS_URI: 'https://idp.example/.well-known/jwks.json',
      JWT_ISSUER: 'https://idp.example/',
      JWT_AUDIENCE: 'chat',
    });

    expect(playgroundSettings(secret)).toEqual({
      tokens: 'paste',
      reason: expect.stringMatching(/JWT_SECRET is set/) as unknown,
      originsVariable: CORS_ORIGINS_VARIABLE,
    });
    expect(playgroundSettings(jwks)).toEqual({
      tokens: 'paste',
      reason: expect.stringMatching(/jwks mode/) as unknown,
      originsVariable: CORS_ORIGINS_VARIABLE,
    });
  });

  it("lets the page's own origin connect only while the playground is served, on a host it answers", async () => {
    delete process.env.REALTIME_PLAYGROUND;
    expect(
      await handshakeAllowed('http://localhost:4010', 'localhost:4010'),
    ).toBe(false);

    process.env.REALTIME_PLAYGROUND = '1';
    process.env.NODE_ENV = 'development';
    // Any port: a container mapped to 8080 needs no setting.
    expect(
      await handshakeAllowed('http://localhost:8080', 'localhost:8080'),
    ).toBe(true);
    expect(
      await handshakeAllowed('http://127.0.0.1:4010', '127.0.0.1:4010'),
    ).toBe(true);
    expect(await handshakeAllowed('http://[::1]:3000', '[::1]:3000')).toBe(
      true,
    );
    // Another page on this machine, another site, or a DNS-rebinding one.
    expect(
      await handshakeAllowed('http://localhost:5000', 'localhost:3000'),
    ).toBe(false);
    expect(
      await handshakeAllowed('https://evil.example', 'localhost:3000'),
    ).toBe(false);
    expect(
      await handshakeAllowed(
        'http://rebind.example:3000',
        'rebind.example:3000',
      ),
    ).toBe(false);

    process.env[CORS_ORIGINS_VARIABLE] = 'http://dev.example:3000';
    expect(
      await handshakeAllowed('http://dev.example:3000', 'dev.example:3000'),
    ).toBe(true);
  });

  it('serves a script that parses and a page whose base cannot break out of its attribute', () => {
    expect(() => new Script(PLAYGROUND_SCRIPT)).not.toThrow();
    const page = playgroundPage('/x"><script>alert(1)</script>/');

    expect(page).toContain('<base href="/x&#34;&#62;&#60;script&#62;');
    expect(page).not.toContain('<script>alert(1)');
  });
});
