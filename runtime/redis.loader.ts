/**
 * Where the runtime loads what talks to Redis: only when REDIS_URL is set (or a worker connects an emitter),
 * since ioredis and the socket.io Redis adapters are optional peers an app without Redis need not install.
 * The adapter has a loader of its own (redis-adapter.loader.ts). `nest g realtime-eject` puts
 * redis.loader.ejected.ts in this file's place: an app that owns the runtime has those packages, and loads
 * them as any other import.
 */
import type * as RedisClient from './redis/redis.client.js';
import type * as RedisEmitter from '@socket.io/redis-emitter';

export const REDIS_PACKAGES =
  'ioredis @socket.io/redis-adapter @socket.io/redis-streams-adapter';

function isMissingModule(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** `load()`, or, when a package it needs is missing, an error saying which to install. */
export async function loadOptional<Module>(
  load: () => Promise<Module>,
  packages: string,
): Promise<Module> {
  try {
    return await load();
  } catch (error) {
    if (!isMissingModule(error)) {
      throw error;
    }
    throw new Error(
      `A package Redis support needs is not installed (${(error as Error).message}). ` +
        `Run npm install ${packages}, or unset REDIS_URL to run one instance without Redis.`,
      { cause: error },
    );
  }
}

/** The ioredis client of the runtime. */
export function loadRedisClient(): Promise<typeof RedisClient> {
  return loadOptional(() => import('./redis/redis.client.js'), REDIS_PACKAGES);
}

/** `@socket.io/redis-emitter`, which push features' emitters publish with. */
export function loadRedisEmitter(): Promise<typeof RedisEmitter> {
  return loadOptional(
    () => import('@socket.io/redis-emitter'),
    '@socket.io/redis-emitter',
  );
}
