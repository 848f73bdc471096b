import type { Emitter } from '@socket.io/redis-emitter';
import type { EventMap } from '../realtime.events.js';
import { topicRoom, userRoom } from '../realtime.rooms.js';
import type { Environment } from '../environment.js';
import { RedisAdapterKind, resolveRedisConfig } from '../redis.config.js';
import { loadRedisEmitter } from '../redis.loader.js';
import { RealtimeRedis } from './redis.client.js';

/** How {@link RealtimeEmitter.connect} finds the app's Redis. */
export interface RealtimeEmitterOptions {
  /**
   * The app's `redisAdapter` option (pass `realtimeOptions.redisAdapter`), so
   * an app configured for another adapter is refused rather than missed;
   * `REDIS_ADAPTER` still overrides it, as it does in the app. Default pubsub.
   */
  redisAdapter?: RedisAdapterKind;
  /** Where `REDIS_URL` and `REDIS_ADAPTER` are read. Default `process.env`. */
  env?: Environment;
}

type EventArgs<S, E extends keyof S> = S[E] extends (...args: infer A) => void
  ? A
  : never;

/**
 * Pushes a namespace's events from a process that holds no sockets (a
 * worker, a cron job, a script) to users connected to any app instance,
 * through the app's Redis: the same `REDIS_URL`, and the same adapter, which
 * must be `pubsub` (the default): pass the app's `redisAdapter` option.
 *
 * Only the pub/sub adapter can be reached: `@socket.io/redis-emitter`
 * PUBLISHes on that adapter's channels, while the sharded adapter listens with
 * SSUBSCRIBE and the streams adapter reads a Redis stream, so every push would
 * be lost. {@link connect} refuses those adapters instead.
 *
 * @example
 * const alerts = await RealtimeEmitter.connect<ServerToClientEvents>('/alerts', {
 *   redisAdapter: realtimeOptions.redisAdapter,
 * });
 * await alerts.toUser('alice', 'orderStatusChanged', { orderId: '42', status: 'shipped', updatedAt });
 * await alerts.close();
 */
export class RealtimeEmitter<S extends EventMap<S>> {
  private readonly emitter: Emitter<S>;
  private published?: Promise<number>;

  private constructor(
    private readonly redis: RealtimeRedis,
    namespace: string,
    EmitterClass: typeof Emitter,
  ) {
    // The emitter publishes without awaiting; keeping each PUBLISH lets a
    // push report how many instances got it, or that Redis refused it.
    const publisher = {
      publish: (channel: string, message: Buffer): Promise<number> =>
        (this.published = redis.publish(channel, message)),
    };
    this.emitter = new EmitterClass<S>(publisher).of(namespace);
  }

  /**
   * Connects to the app's Redis and resolves once it is ready. Rejects
   * without `REDIS_URL`, when the app's adapter (`REDIS_ADAPTER`, else
   * `options.redisAdapter`) is one the emitter cannot reach, or when Redis is
   * not ready within 10 s.
   */
  static async connect<S extends EventMap<S>>(
    namespace: string,
    { redisAdapter, env = process.env }: RealtimeEmitterOptions = {},
  ): Promise<RealtimeEmitter<S>> {
    const config = resolveRedisConfig(env, redisAdapter);
    if (config === undefined) {
      throw new Error(
        `The emitter of ${namespace} needs REDIS_URL: it publishes through the Redis the app instances use.`,
      );
    }
    if (config.kind !== RedisAdapterKind.PubSub) {
      throw new Error(
        `The emitter of ${namespace} cannot reach apps on the ${config.kind} Redis adapter: ` +
          "@socket.io/redis-emitter publishes on the pub/sub adapter's channels, so every push would be lost. " +
          "Use the pubsub adapter (the app's redisAdapter option and REDIS_ADAPTER), or push from inside the app.",
      );
    }
    // Loaded when used: only apps with a push feature install it.
    const { Emitter: EmitterClass } = await loadRedisEmitter();
    const redis = RealtimeRedis.publisher(
      config.url,
      `realtime:emitter${namespace}`,
    );
    try {
      await redis.ready();
    } catch (error) {
      await redis.close();
      throw error;
    }
    return new RealtimeEmitter<S>(redis, namespace, EmitterClass);
  }

  /**
   * Emits an event to every socket of one user, on every instance. Resolves
   * with the number of app instances that received it (0: none is running,
   * and the push is lost); rejects when Redis is unreachable.
   */
  toUser<E extends keyof S & string>(
    userId: string,
    event: E,
    ...args: EventArgs<S, E>
  ): Promise<number> {
    return this.publish(userRoom(userId), event, args);
  }

  /** Emits an event to every socket subscribed to `topic`, on every instance; resolves as {@link toUser}. */
  toTopic<E extends keyof S & string>(
    topic: string,
    event: E,
    ...args: EventArgs<S, E>
  ): Promise<number> {
    return this.publish(topicRoom(topic), event, args);
  }

  /** Closes the Redis connection once what was published has been sent. */
  close(): Promise<void> {
    return this.redis.close();
  }

  private publish(
    room: string,
    event: string,
    args: unknown[],
  ): Promise<number> {
    // The emitter's types check event and arguments against S; they were checked above.
    (
      this.emitter.to(room).emit as (
        event: string,
        ...args: unknown[]
      ) => boolean
    )(event, ...args);
    const published = this.published;
    this.published = undefined;
    if (published === undefined) {
      throw new Error('@socket.io/redis-emitter published nothing');
    }
    return published;
  }
}
