/**
 * redis-adapter.loader.ts as `nest g realtime-eject` writes it into an app that owns the runtime: an
 * ordinary import of the Redis-backed adapter.
 */
import * as RedisIoAdapter from './redis/redis-io.adapter.js';

/** The Redis-backed socket.io adapter. */
export function loadRedisIoAdapter(): Promise<typeof RedisIoAdapter> {
  return Promise.resolve(RedisIoAdapter);
}
