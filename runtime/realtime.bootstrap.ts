import { Logger, type INestApplicationContext } from '@nestjs/common';
import type { IoAdapter } from '@nestjs/platform-socket.io';
import { RealtimeIoAdapter, realtimeRuntimeOf } from './realtime-io.adapter.js';
import { loadRedisIoAdapter } from './redis-adapter.loader.js';

const logger = new Logger('RealtimeIoAdapter');

/**
 * Makes the app's gateways use the realtime adapter: the Redis-backed one when
 * `REDIS_URL` is set (variant from `REDIS_ADAPTER`, see resolveRedisConfig),
 * connected before this resolves; otherwise the in-memory RealtimeIoAdapter,
 * which is right for a single instance only. Call it right after
 * NestFactory.create(), before `app.listen()`.
 *
 * @example
 * const app = await NestFactory.create(AppModule);
 * await useRealtimeAdapter(app);
 * await app.listen(3000);
 */
export async function useRealtimeAdapter(
  app: INestApplicationContext & {
    useWebSocketAdapter(adapter: IoAdapter): unknown;
  },
): Promise<void> {
  const { settings } = realtimeRuntimeOf(app);
  if (settings.redis === undefined) {
    logger.log(
      'REDIS_URL is not set: socket.io events reach this instance only',
    );
    app.useWebSocketAdapter(new RealtimeIoAdapter(app));
    return;
  }
  const { RedisIoAdapter } = await loadRedisIoAdapter();
  const adapter = new RedisIoAdapter(app, settings.redis);
  await adapter.connectToRedis();
  app.useWebSocketAdapter(adapter);
}
