import {
  redactRedisUrl,
  RedisAdapterKind,
  resolveRedisConfig,
} from './redis.config.js';

const ENV_KEYS = [
  'REDIS_URL',
  'REDIS_ADAPTER',
  'REALTIME_PRESENCE_TTL_MS',
  'REALTIME_REDIS_OUTAGE_BUFFER_MS',
  'REALTIME_REDIS_OUTAGE_BUFFER_BYTES',
] as const;

describe('resolveRedisConfig', () => {
  const saved = ENV_KEYS.map((key) => [key, process.env[key]] as const);

  beforeEach(() => {
    for (const key of ENV_KEYS) {
      delete process.env[key];
    }
  });

  afterEach(() => {
    for (const [key, value] of saved) {
      if (value === undefined) {
        delete process.env[key];
      } else {
        process.env[key] = value;
      }
    }
  });

  it('keeps the in-memory adapter when REDIS_URL is unset or empty', () => {
    expect(resolveRedisConfig()).toBeUndefined();

    process.env.REDIS_URL = '  ';
    expect(resolveRedisConfig()).toBeUndefined();
  });

  it('defaults to the pub/sub adapter, a 15 s presence TTL and a 10 s, 16 MiB outage buffer', () => {
    process.env.REDIS_URL = 'redis://cache:6379';

    expect(resolveRedisConfig()).toEqual({
      url: 'redis://cache:6379',
      kind: RedisAdapterKind.PubSub,
      presenceTtlMs: 15_000,
      outageBuffer: { maxAgeMs: 10_000, maxBytes: 16 * 1024 * 1024 },
    });
  });

  it('reads the adapter variant, the presence TTL and the outage buffer', () => {
    process.env.REDIS_URL = 'rediss://cache:6380/2';
    process.env.REDIS_ADAPTER = ' Streams ';
    process.env.REALTIME_PRESENCE_TTL_MS = '3000';
    process.env.REALTIME_REDIS_OUTAGE_BUFFER_MS = '0';
    process.env.REALTIME_REDIS_OUTAGE_BUFFER_BYTES = '65536';

    expect(resolveRedisConfig()).toEqual({
      url: 'rediss://cache:6380/2',
      kind: RedisAdapterKind.Streams,
      presenceTtlMs: 3_000,
      outageBuffer: { maxAgeMs: 0, maxBytes: 65_536 },
    });
  });

  it('refuses an unknown adapter variant', () => {
    process.env.REDIS_URL = 'redis://cache:6379';
    process.env.REDIS_ADAPTER = 'cluster';

    expect(() => resolveRedisConfig()).toThrow(
      'REDIS_ADAPTER must be one of pubsub, sharded, streams; got "cluster".',
    );
  });

  it('refuses a URL that is not a Redis URL', () => {
    process.env.REDIS_URL = 'http://cache:6379';
    expect(() => resolveRedisConfig()).toThrow(/redis:\/\/ or rediss:\/\//);

    process.env.REDIS_URL = 'cache:6379:x';
    expect(() => resolveRedisConfig()).toThrow(/REDIS_URL/);
  });

  it('refuses a presence TTL that is not a whole number of milliseconds', () => {
    process.env.REDIS_URL = 'redis://cache:6379';

    for (const ttl of ['abc', '1.5', '100']) {
      process.env.REALTIME_PRESENCE_TTL_MS = ttl;
      expect(() => resolveRedisConfig()).toThrow(/REALTIME_PRESENCE_TTL_MS/);
    }
  });

  it('refuses an outage buffer that is not a whole, non-negative number', () => {
    process.env.REDIS_URL = 'redis://cache:6379';

    process.env.REALTIME_REDIS_OUTAGE_BUFFER_MS = '-1';
    expect(() => resolveRedisConfig()).toThrow(
      /REALTIME_REDIS_OUTAGE_BUFFER_MS/,
    );

    delete process.env.REALTIME_REDIS_OUTAGE_BUFFER_MS;
    process.env.REALTIME_REDIS_OUTAGE_BUFFER_BYTES = '16MiB';
    expect(() => resolveRedisConfig()).toThrow(
      /REALTIME_REDIS_OUTAGE_BUFFER_BYTES/,
    );
  });
});

describe('redactRedisUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactRedisUrl('redis://app:s3cret@cache:6379/1')).toBe(
      'redis://app:***@cache:6379/1',
    );
    expect(redactRedisUrl('redis://cache:6379')).toBe('redis://cache:6379');
  });
});
