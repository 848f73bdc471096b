/**
 * Loads the Redis-backed socket.io adapter when REDIS_URL is set (see redis.loader.ts). A file of its own:
 * the adapter extends RealtimeIoAdapter, so what loads it cannot be a module RealtimeIoAdapter imports.
 * `nest g realtime-eject` puts redis-adapter.loader.ejected.ts in its place.
 */
import type * as RedisIoAdapter from './redis/redis-io.adapter.js';
import { loadOptional, REDIS_PACKAGES } from './redis.loader.js';

/** The Redis-backed socket.io adapter. */
export function loadRedisIoAdapter(): Promise<typeof RedisIoAdapter> {
  return loadOptional(
    () => import('./redis/redis-io.adapter.js'),
    REDIS_PACKAGES,
  );
}
