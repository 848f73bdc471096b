import { DEV_JWT_SECRET, resolveJwtSecret } from '../../runtime/realtime.auth.js';
import { DEFAULT_REALTIME_LIMITS } from '../../runtime/realtime.limits.js';
import { RealtimeSettings } from '../../runtime/realtime.settings.js';

describe('resolveJwtSecret', () => {
  it('returns JWT_SECRET when it is set', () => {
    expect(resolveJwtSecret({ JWT_SECRET: 'a-real-secret', NODE_ENV: 'production' })).toBe('a-real-secret');
  });

  it('falls back to the development secret outside production', () => {
    expect(resolveJwtSecret({ NODE_ENV: 'development' })).toBe(DEV_JWT_SECRET);
  });

  it('refuses a missing secret in production', () => {
    expect(() => resolveJwtSecret({ NODE_ENV: 'production' })).toThrow(/Set JWT_SECRET/);
  });

  it('refuses the development secret in production', () => {
    expect(() => resolveJwtSecret({ JWT_SECRET: DEV_JWT_SECRET, NODE_ENV: 'production' })).toThrow(/Set JWT_SECRET/);
  });
});

describe('RealtimeSettings', () => {
  const env = { JWT_SECRET: 'a-test-secret' };

  it('takes the built-in limits when neither options nor variables set them', () => {
    expect(RealtimeSettings.resolve({ env }).limits).toEqual(DEFAULT_REALTIME_LIMITS);
  });

  it("takes the app's limits in place of the defaults, and each variable over them", () => {
    const { limits } = RealtimeSettings.resolve({
      env: { ...env, REALTIME_MAX_ROOMS_PER_SOCKET: '7' },
      limits: {
        maxRoomsPerSocket: 20,
        socketEvents: { perSecond: 50 },
        payload: { maxDepth: 4 },
      },
    });

    expect(limits.maxRoomsPerSocket).toBe(7);
    // A rate raised without its burst raises the burst with it.
    expect(limits.socketEvents).toEqual({ perSecond: 50, burst: 50 });
    expect(limits.payload).toEqual({
      ...DEFAULT_REALTIME_LIMITS.payload,
      maxDepth: 4,
    });
  });

  it('refuses an invalid limit option, naming it', () => {
    expect(() => RealtimeSettings.resolve({ env, limits: { maxSocketsPerUser: 0 } })).toThrow(
      'RealtimeModule limits.maxSocketsPerUser must be an integer of at least 1; got 0.',
    );
    expect(() =>
      RealtimeSettings.resolve({
        env,
        limits: { handshakes: { perSecond: 10, burst: 5 } },
      }),
    ).toThrow('limits.handshakes.burst must be an integer of at least 10');
  });

  it('reads the allowed origins from the variable the options name', () => {
    const settings = RealtimeSettings.resolve({
      corsOriginsVariable: 'ALLOWED_ORIGINS',
      env: {
        ...env,
        ALLOWED_ORIGINS: 'https://a.example, https://b.example',
        CORS_ORIGINS: 'https://ignored.example',
      },
    });

    expect(settings.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(() => RealtimeSettings.resolve({ env, corsOriginsVariable: 'not a name' })).toThrow(
      /corsOriginsVariable must name an environment variable/,
    );
  });

  it("takes the app's auth mode and Redis adapter unless the variables choose", () => {
    const chosen = RealtimeSettings.resolve({
      auth: 'jwks',
      redisAdapter: 'streams',
      env: { REDIS_URL: 'redis://localhost:6379' },
    });
    expect(chosen.auth.mode).toBe('jwks');
    expect(chosen.redis?.kind).toBe('streams');

    const overridden = RealtimeSettings.resolve({
      auth: 'jwks',
      redisAdapter: 'streams',
      env: {
        ...env,
        REALTIME_AUTH: 'hs256',
        REDIS_URL: 'redis://localhost:6379',
        REDIS_ADAPTER: 'sharded',
      },
    });
    expect(overridden.auth.mode).toBe('hs256');
    expect(overridden.redis?.kind).toBe('sharded');
  });

  it('serves the playground only when asked for, and never in production', () => {
    const asked = { ...env, REALTIME_PLAYGROUND: '1' };
    expect(RealtimeSettings.resolve({ env: asked }).playgroundEnabled).toBe(true);
    expect(RealtimeSettings.resolve({ env }).playgroundEnabled).toBe(false);
    const production = RealtimeSettings.resolve({
      env: { ...asked, NODE_ENV: ' Production' },
    });
    expect(production.playgroundEnabled).toBe(false);
    expect(production.playgroundRequested).toBe(true);
  });

  it('runs a management server only when a port is given, the variable over the option', () => {
    expect(RealtimeSettings.resolve({ env }).managementPort).toBeUndefined();
    expect(RealtimeSettings.resolve({ env, managementPort: 9_000 }).managementPort).toBe(9_000);
    expect(
      RealtimeSettings.resolve({ env: { ...env, REALTIME_MANAGEMENT_PORT: ' 8081 ' }, managementPort: 9_000 })
        .managementPort,
    ).toBe(8_081);
    expect(RealtimeSettings.resolve({ env: { ...env, REALTIME_MANAGEMENT_PORT: '' } }).managementPort).toBeUndefined();
  });

  it.each([
    [{ REALTIME_MANAGEMENT_PORT: 'http' }, /REALTIME_MANAGEMENT_PORT must be an integer of at least 0; got "http"/],
    [{ REALTIME_MANAGEMENT_PORT: '70000' }, /REALTIME_MANAGEMENT_PORT \(or managementPort\) must be a port number/],
  ])('refuses a management port that is none: %j', (variables, message) => {
    expect(() => RealtimeSettings.resolve({ env: { ...env, ...variables } })).toThrow(message);
  });

  it('refuses a managementPort option that is no port', () => {
    expect(() => RealtimeSettings.resolve({ env, managementPort: -1 })).toThrow(
      /must be a port number from 0 to 65535; got -1/,
    );
  });
});
