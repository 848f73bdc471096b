import { Logger } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { redactRedisUrl } from '../redis.config.js';

const logger = new Logger('RealtimeRedis');

// Initial connection budget at startup; ioredis keeps retrying within it.
const CONNECT_TIMEOUT_MS = 10_000;
// Redis answers in milliseconds; this only catches half-open connections.
const COMMAND_TIMEOUT_MS = 3_000;
// Also lets the OS notice a peer that vanished without closing the socket.
const KEEP_ALIVE_MS = 30_000;
// At most one failed-command warning per client per interval.
const COMMAND_ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * Publishing connections fail fast while Redis is unreachable. The sharded and
 * streams adapters await a publish before delivering a broadcast to local
 * sockets, so a command parked in ioredis' offline queue would hold back local
 * clients for the whole outage; what must survive an outage is held by the
 * streams adapter's outbox instead (see redis.publishing.ts).
 */
const PUBLISHER_OPTIONS: RedisOptions = {
  enableOfflineQueue: false,
  commandTimeout: COMMAND_TIMEOUT_MS,
};

/**
 * Listening connections (subscribers, stream readers) park commands until
 * Redis is back instead of failing them: a failing XREAD loop would spin, and
 * subscriptions made during an outage must still reach Redis afterwards.
 */
const LISTENER_OPTIONS: RedisOptions = {
  enableOfflineQueue: true,
  maxRetriesPerRequest: null,
  commandTimeout: undefined,
};

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * ioredis client of the realtime runtime. ioredis (rather than node-redis) is used
 * because it restores subscriptions, including sharded ones, after every
 * reconnect, and all three socket.io Redis adapters accept it.
 *
 * - Reconnects forever (ioredis' default back-off, capped at 2 s) and logs
 *   only the transitions: connection lost, connection restored.
 * - Never lets a failed command become an unhandled rejection: the adapters
 *   send PUBLISH and SSUBSCRIBE without awaiting them, and Node ends the
 *   process on an unhandled rejection.
 * - {@link duplicate} returns listener connections (see LISTENER_OPTIONS) that
 *   {@link close} ends together with their parent.
 *
 * @example
 * const pub = RealtimeRedis.publisher('redis://localhost:6379', 'realtime:pub');
 * const sub = pub.duplicate({ connectionName: 'realtime:sub' });
 * await pub.ready(); // waits for sub too
 * // ... on shutdown:
 * await pub.close(); // closes sub too
 */
export class RealtimeRedis extends Redis {
  private readonly duplicates = new Set<RealtimeRedis>();
  private duplicatesMade = 0;
  private lastCommandErrorLogAt = 0;

  private constructor(
    private readonly redisUrl: string,
    options: RedisOptions,
  ) {
    super(redisUrl, { keepAlive: KEEP_ALIVE_MS, ...options });
    this.logTransitions(options.connectionName ?? 'redis');
  }

  /** A fail-fast connection for publishing and queries; it starts connecting at once. */
  static publisher(url: string, connectionName: string): RealtimeRedis {
    return new RealtimeRedis(url, { ...PUBLISHER_OPTIONS, connectionName });
  }

  /** A listener connection to the same server, closed by this client's {@link close}. */
  override duplicate(override?: Partial<RedisOptions>): RealtimeRedis {
    this.duplicatesMade += 1;
    const copy = new RealtimeRedis(this.redisUrl, {
      ...this.options,
      connectionName: `${this.options.connectionName ?? 'redis'}:listener-${this.duplicatesMade}`,
      ...LISTENER_OPTIONS,
      ...override,
    });
    this.duplicates.add(copy);
    copy.once('end', () => this.duplicates.delete(copy));
    return copy;
  }

  override sendCommand(...args: Parameters<Redis['sendCommand']>): unknown {
    const [command] = args;
    // Marks the rejection as handled; callers awaiting the command still get it.
    command.promise.catch((error: unknown) =>
      this.reportCommandError(command.name, error),
    );
    return super.sendCommand(...args);
  }

  override disconnect(reconnect = false): void {
    // The streams adapter disconnects its readers once more after they were
    // closed; ioredis would arm a 2 s socket-close timer that never clears.
    if (this.status === 'end') {
      return;
    }
    super.disconnect(reconnect);
  }

  /**
   * Resolves once this client and every duplicate made so far are ready.
   * Rejects after `timeoutMs`; {@link close} the client then, or ioredis keeps
   * retrying in the background.
   */
  async ready(timeoutMs = CONNECT_TIMEOUT_MS): Promise<void> {
    const clients = [this, ...this.duplicates];
    await Promise.all(clients.map((client) => client.waitReady(timeoutMs)));
  }

  /**
   * Ends this client and its duplicates: QUIT when connected, so commands
   * already sent still complete, and an immediate disconnect otherwise.
   */
  async close(): Promise<void> {
    for (const copy of this.duplicates) {
      // Listeners have nothing to flush, and QUIT would wait behind a blocking XREAD.
      copy.disconnect();
    }
    this.duplicates.clear();
    if (this.status === 'end') {
      return;
    }
    try {
      await this.quit();
    } catch {
      this.disconnect();
    }
  }

  private waitReady(timeoutMs: number): Promise<void> {
    if (this.status === 'ready') {
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.off('ready', onReady);
        reject(
          new Error(
            `Redis at ${redactRedisUrl(this.redisUrl)} was not ready within ${timeoutMs} ms. ` +
              'Check REDIS_URL, or unset it to run a single instance without Redis.',
          ),
        );
      }, timeoutMs);
      this.once('ready', onReady);
    });
  }

  private logTransitions(name: string): void {
    let wasReady = false;
    let lost = false;
    let lastError = 'connection closed';
    // An 'error' listener also stops ioredis from printing every failed retry.
    this.on('error', (error: Error) => {
      lastError = error.message;
    });
    this.on('reconnecting', () => {
      if (lost) {
        return;
      }
      lost = true;
      logger.warn(
        wasReady
          ? `Lost Redis connection ${name} (${lastError}); reconnecting. ` +
              'Local clients are still served, cross-instance events are paused.'
          : `Cannot connect to Redis for ${name} (${lastError}); retrying`,
      );
    });
    this.on('ready', () => {
      if (lost && wasReady) {
        logger.log(`Redis connection ${name} restored`);
      }
      lost = false;
      wasReady = true;
      lastError = 'connection closed';
    });
  }

  private reportCommandError(commandName: string, error: unknown): void {
    // While disconnected every command fails; the lost-connection warning covers them.
    if (this.status !== 'ready') {
      return;
    }
    const now = Date.now();
    if (now - this.lastCommandErrorLogAt < COMMAND_ERROR_LOG_INTERVAL_MS) {
      return;
    }
    this.lastCommandErrorLogAt = now;
    logger.warn(
      `Redis command ${commandName} failed on ${this.options.connectionName ?? 'redis'}: ${errorMessage(error)}`,
    );
  }
}
