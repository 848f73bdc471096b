/**
 * redis.loader.ts as `nest g realtime-eject` writes it into an app that owns the runtime: the app has
 * ioredis, the socket.io Redis adapters and the emitter installed, so they are ordinary imports.
 */
import * as RedisEmitter from '@socket.io/redis-emitter';
import * as RedisClient from './redis/redis.client.js';

/** The ioredis client of the runtime. */
export function loadRedisClient(): Promise<typeof RedisClient> {
  return Promise.resolve(RedisClient);
}

/** `@socket.io/redis-emitter`, which push features' emitters publish with. */
export function loadRedisEmitter(): Promise<typeof RedisEmitter> {
  return Promise.resolve(RedisEmitter);
}
