import { Logger, type INestApplicationContext } from '@nestjs/common';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { createAdapter as createStreamsAdapter } from '@socket.io/redis-streams-adapter';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RLWrapperTimeouts,
} from 'rate-limiter-flexible';
import type { Namespace, Server, ServerOptions } from 'socket.io';
import { CLUSTER_REQUEST_TIMEOUT_MS } from '../cluster-query.js';
import type { LimiterFactory } from '../realtime.admission.js';
import { RealtimeIoAdapter } from '../realtime-io.adapter.js';
import {
  RedisAdapterKind,
  redactRedisUrl,
  type RealtimeRedisConfig,
} from '../redis.config.js';
import { RealtimeRedis } from './redis.client.js';
import { withOutageOutbox, withPublishDeadline } from './redis.publishing.js';

const logger = new Logger('RedisIoAdapter');

/** How long a dropped client may resume its session (rooms, data, missed packets). */
const RECOVERY_WINDOW_MS = 2 * 60_000;

/**
 * A stalled Redis (connected, not answering) must not hold an event back from
 * its handler for the whole command timeout; past this the per-instance
 * insurance counter decides.
 */
const SHARED_LIMITER_TIMEOUT_MS = 10;

const MIN_REDIS_MAJOR: Record<RedisAdapterKind, number> = {
  [RedisAdapterKind.PubSub]: 2,
  [RedisAdapterKind.Sharded]: 7, // SSUBSCRIBE / SPUBLISH
  [RedisAdapterKind.Streams]: 5, // XADD / XREAD
};

type AdapterConstructor = ServerOptions['adapter'];

/**
 * Per-user and per-address limits count in Redis, so they hold however many
 * instances a client spreads over. While Redis is unreachable, or slower
 * than SHARED_LIMITER_TIMEOUT_MS, each instance falls back to counting on
 * its own.
 */
function sharedLimiters(publisher: RealtimeRedis): LimiterFactory {
  return (options) =>
    new RLWrapperTimeouts({
      limiter: new RateLimiterRedis({
        ...options,
        storeClient: publisher,
        rejectIfRedisNotReady: true,
      }),
      timeoutMs: SHARED_LIMITER_TIMEOUT_MS,
      insuranceLimiter: new RateLimiterMemory(options),
    });
}

async function assertRedisVersion(
  redis: RealtimeRedis,
  kind: RedisAdapterKind,
): Promise<void> {
  const info = await redis.info('server');
  const major = Number(/^redis_version:(\d+)\./m.exec(info)?.[1]);
  // Unknown (e.g. a Redis-compatible server without redis_version): let it try.
  if (Number.isNaN(major) || major >= MIN_REDIS_MAJOR[kind]) {
    return;
  }
  throw new Error(
    `REDIS_ADAPTER=${kind} needs Redis ${MIN_REDIS_MAJOR[kind]} or later; the server runs Redis ${major}.`,
  );
}

/**
 * Socket.io adapter that relays broadcasts, room operations and fetchSockets
 * between app instances through Redis. Its clients connect before the app
 * listens and close with the app; while Redis is unreachable every instance
 * keeps serving its own clients and cross-instance delivery resumes on its own
 * once Redis is back.
 *
 * useRealtimeAdapter creates it when REDIS_URL is set.
 *
 * @example
 * const adapter = new RedisIoAdapter(app, app.get(RealtimeSettings).redis);
 * await adapter.connectToRedis();
 * app.useWebSocketAdapter(adapter);
 */
export class RedisIoAdapter extends RealtimeIoAdapter {
  private publisher?: RealtimeRedis;
  private adapterConstructor?: AdapterConstructor;
  /** Namespaces of each socket.io server this adapter created. */
  private readonly ioServers = new Map<Server, Set<Namespace>>();

  constructor(
    app: INestApplicationContext,
    private readonly redisConfig: RealtimeRedisConfig,
  ) {
    super(app);
  }

  /** Connects to Redis; call it, and await it, before `app.listen()`. */
  async connectToRedis(): Promise<void> {
    if (this.publisher) {
      throw new Error('connectToRedis() was already called');
    }
    const { url, kind } = this.redisConfig;
    const publisher = RealtimeRedis.publisher(url, 'realtime:pub');
    this.publisher = publisher;
    if (kind === RedisAdapterKind.Streams) {
      // Duplicates the publisher for its XREAD loop and its subscriber.
      this.adapterConstructor = withPublishDeadline(
        withOutageOutbox(
          createStreamsAdapter(publisher),
          publisher,
          this.redisConfig.outageBuffer,
          // Looked up late: the gateway starts observing its namespace after the adapter exists.
          (namespace, outcome) =>
            this.runtime.metrics.of(namespace)?.outbox(outcome),
        ),
      );
    } else {
      const subscriber = publisher.duplicate({
        connectionName: 'realtime:sub',
      });
      // The pub/sub adapter publishes without waiting, so it needs no deadline.
      this.adapterConstructor =
        kind === RedisAdapterKind.Sharded
          ? withPublishDeadline(createShardedAdapter(publisher, subscriber))
          : createAdapter(publisher, subscriber, {
              requestsTimeout: CLUSTER_REQUEST_TIMEOUT_MS,
            });
    }
    try {
      await publisher.ready();
      await assertRedisVersion(publisher, kind);
    } catch (error) {
      await this.closeRedis();
      throw error;
    }
    this.runtime.admission.shareCounters(sharedLimiters(publisher));
    logger.log(`Using the Redis ${kind} adapter at ${redactRedisUrl(url)}`);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    if (!this.adapterConstructor) {
      throw new Error(
        'RedisIoAdapter is not connected: await connectToRedis() before app.listen()',
      );
    }
    // Nest passes partial options; socket.io fills in its defaults.
    const serverOptions = {
      ...options,
      adapter: this.adapterConstructor,
      ...(this.redisConfig.kind === RedisAdapterKind.Streams && {
        connectionStateRecovery: {
          maxDisconnectionDuration: RECOVERY_WINDOW_MS,
          // socket.io skips middlewares for recovered sessions by default, which
          // would let a client resume with a token that has expired or been
          // swapped since; the auth middleware must see every handshake.
          skipMiddlewares: false,
        },
      }),
    } as ServerOptions;
    // RealtimeIoAdapter checks that it is a socket.io Server.
    const server = super.createIOServer(port, serverOptions);
    const namespaces = new Set<Namespace>([server.sockets]);
    server.on('new_namespace', (namespace) => namespaces.add(namespace));
    this.ioServers.set(server, namespaces);
    return server;
  }

  /**
   * Nest calls this for every server and namespace it registered. The Redis
   * clients close after the last socket.io server this adapter created, so
   * the adapters can still unsubscribe and announce their departure.
   */
  override async close(server: Server): Promise<void> {
    await super.close(server);
    const namespaces = this.ioServers.get(server);
    if (!namespaces) {
      return;
    }
    this.ioServers.delete(server);
    // With forceCloseConnections IoAdapter leaves the socket.io server open,
    // but the Redis adapters must still stop before their clients go away.
    if (this.forceCloseConnections && server.httpServer === this.httpServer) {
      await Promise.allSettled(
        [...namespaces].map(async (namespace) => namespace.adapter.close()),
      );
    }
    if (this.ioServers.size === 0) {
      await this.closeRedis();
    }
  }

  /** Also closes Redis when no gateway ever created a server. */
  override async dispose(): Promise<void> {
    await super.dispose();
    await this.closeRedis();
  }

  private async closeRedis(): Promise<void> {
    const publisher = this.publisher;
    this.publisher = undefined;
    this.adapterConstructor = undefined;
    await publisher?.close();
  }
}
