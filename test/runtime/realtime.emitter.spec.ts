import { RealtimeEmitter } from '../../runtime/redis/realtime.emitter.js';
import { RedisServer } from '../../runtime/testing/index.js';

interface Events {
  orderStatusChanged: (payload: { orderId: string }) => void;
}

describe('RealtimeEmitter.connect', () => {
  // Nothing listens here: a refusal must come before any connection attempt.
  const UNREACHABLE = 'redis://127.0.0.1:1';

  it('needs REDIS_URL', async () => {
    await expect(RealtimeEmitter.connect<Events>('/alerts', { env: {} })).rejects.toThrow(
      'The emitter of /alerts needs REDIS_URL',
    );
  });

  it.each(['sharded', 'streams'] as const)(
    "refuses an app whose redisAdapter option is %s, with no REDIS_ADAPTER in the worker's environment",
    async (redisAdapter) => {
      await expect(
        RealtimeEmitter.connect<Events>('/alerts', { redisAdapter, env: { REDIS_URL: UNREACHABLE } }),
      ).rejects.toThrow(`cannot reach apps on the ${redisAdapter} Redis adapter`);
    },
  );

  it('lets REDIS_ADAPTER override the option, as it does in the app', async () => {
    await expect(
      RealtimeEmitter.connect<Events>('/alerts', {
        redisAdapter: 'pubsub',
        env: { REDIS_URL: UNREACHABLE, REDIS_ADAPTER: 'streams' },
      }),
    ).rejects.toThrow('cannot reach apps on the streams Redis adapter');
  });

  describe('on a real redis-server', () => {
    let redis: RedisServer;

    beforeAll(async () => {
      redis = await RedisServer.launch();
    });

    afterAll(() => redis.kill());

    it('connects when the app and REDIS_ADAPTER agree on pubsub, and reports who got a push', async () => {
      const emitter = await RealtimeEmitter.connect<Events>('/alerts', {
        redisAdapter: 'streams',
        env: { REDIS_URL: redis.url, REDIS_ADAPTER: 'pubsub' },
      });
      try {
        // No app instance subscribes in this test: the push reaches none.
        await expect(emitter.toUser('alice', 'orderStatusChanged', { orderId: '42' })).resolves.toBe(0);
      } finally {
        await emitter.close();
      }
    });
  });
});
