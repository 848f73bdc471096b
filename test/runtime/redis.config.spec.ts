import { redactRedisUrl, RedisAdapterKind, resolveRedisConfig } from '../../runtime/redis.config.js';

const REDIS_URL = 'redis://cache:6379';

describe('resolveRedisConfig', () => {
  it('keeps the in-memory adapter when REDIS_URL is unset or empty', () => {
    expect(resolveRedisConfig({})).toBeUndefined();
    expect(resolveRedisConfig({ REDIS_URL: '  ' })).toBeUndefined();
  });

  it('defaults to the pub/sub adapter, a 15 s presence TTL and a 10 s, 16 MiB outage buffer', () => {
    expect(resolveRedisConfig({ REDIS_URL })).toEqual({
      url: REDIS_URL,
      kind: RedisAdapterKind.PubSub,
      presenceTtlMs: 15_000,
      outageBuffer: { maxAgeMs: 10_000, maxBytes: 16 * 1024 * 1024 },
    });
  });

  it('reads the adapter variant, the presence TTL and the outage buffer', () => {
    expect(
      resolveRedisConfig({
        REDIS_URL: 'rediss://cache:6380/2',
        REDIS_ADAPTER: ' Streams ',
        REALTIME_PRESENCE_TTL_MS: '3000',
        REALTIME_REDIS_OUTAGE_BUFFER_MS: '0',
        REALTIME_REDIS_OUTAGE_BUFFER_BYTES: '65536',
      }),
    ).toEqual({
      url: 'rediss://cache:6380/2',
      kind: RedisAdapterKind.Streams,
      presenceTtlMs: 3_000,
      outageBuffer: { maxAgeMs: 0, maxBytes: 65_536 },
    });
  });

  it('takes the default adapter it is given when REDIS_ADAPTER is unset', () => {
    expect(resolveRedisConfig({ REDIS_URL: 'redis://localhost:6379' }, RedisAdapterKind.Streams)?.kind).toBe(
      RedisAdapterKind.Streams,
    );
  });

  it('refuses an unknown adapter variant', () => {
    expect(() => resolveRedisConfig({ REDIS_URL, REDIS_ADAPTER: 'cluster' })).toThrow(
      'REDIS_ADAPTER must be one of pubsub, sharded, streams; got "cluster".',
    );
  });

  it('refuses a URL that is not a Redis URL', () => {
    expect(() => resolveRedisConfig({ REDIS_URL: 'http://cache:6379' })).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => resolveRedisConfig({ REDIS_URL: 'cache:6379:x' })).toThrow(/REDIS_URL/);
  });

  it('refuses a presence TTL that is not a whole number of milliseconds', () => {
    for (const ttl of ['abc', '1.5', '100']) {
      expect(() => resolveRedisConfig({ REDIS_URL, REALTIME_PRESENCE_TTL_MS: ttl })).toThrow(
        /REALTIME_PRESENCE_TTL_MS/,
      );
    }
  });

  it('refuses an outage buffer that is not a whole, non-negative number', () => {
    expect(() => resolveRedisConfig({ REDIS_URL, REALTIME_REDIS_OUTAGE_BUFFER_MS: '-1' })).toThrow(
      /REALTIME_REDIS_OUTAGE_BUFFER_MS/,
    );
    expect(() =>
      resolveRedisConfig({
        REDIS_URL,
        REALTIME_REDIS_OUTAGE_BUFFER_BYTES: '16MiB',
      }),
    ).toThrow(/REALTIME_REDIS_OUTAGE_BUFFER_BYTES/);
  });
});

describe('redactRedisUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactRedisUrl('redis://app:s3cret@cache:6379/1')).toBe('redis://app:***@cache:6379/1');
    expect(redactRedisUrl('redis://cache:6379')).toBe('redis://cache:6379');
  });
});
