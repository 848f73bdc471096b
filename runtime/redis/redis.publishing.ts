import { Logger } from '@nestjs/common';
import type { Namespace } from 'socket.io';
import type { OutboxOutcome } from '../realtime.metrics.js';
import type { RealtimeRedis } from './redis.client.js';
import { PublishOutbox, type OutboxLimits } from './redis.outbox.js';

const logger = new Logger('RedisPublishing');

/**
 * The sharded and streams adapters wait for a publish before delivering a
 * broadcast to this instance's own sockets (and before joins and leaves take
 * effect). Past this deadline they deliver without the stream offset, so a
 * stalled Redis costs local clients at most this long, while the publish
 * itself goes on. Redis answers in well under a millisecond on a healthy
 * network; a late answer only means that packet is not replayed by
 * connection-state recovery.
 */
export const PUBLISH_DEADLINE_MS = 10;

type Adapter = Namespace['adapter'];

/** What the Redis adapter packages return, and socket.io's `adapter` option accepts. */
export type ClusterAdapterFactory = (namespace: Namespace) => Adapter;

/** A message between instances, as socket.io-adapter's ClusterAdapter publishes it. */
interface ClusterMessage {
  type: number;
  data?: { requestId?: string };
}

type Publish = (message: ClusterMessage) => Promise<string>;

/** socket.io-adapter's MessageType numbers, part of the wire format between instances. */
const ClusterMessageType = {
  Broadcast: 3,
  SocketsJoin: 4,
  SocketsLeave: 5,
  DisconnectSockets: 6,
} as const;

const DURABLE_TYPES: ReadonlySet<number> = new Set(
  Object.values(ClusterMessageType),
);

/**
 * Messages the streams adapter writes to the stream, whose loss another
 * instance would notice: broadcasts (except those awaiting acks, which go
 * over pub/sub with a timeout of their own), joins, leaves and disconnects.
 */
function isDurable(message: ClusterMessage): boolean {
  return (
    DURABLE_TYPES.has(message.type) &&
    !(
      message.type === ClusterMessageType.Broadcast &&
      message.data?.requestId !== undefined
    )
  );
}

/**
 * ioredis refuses a command without sending it while its connection is not
 * writable; only such a command surely never reached Redis. Commands written
 * before a connection drops are re-sent by ioredis itself on reconnect, and a
 * timed-out one may still run, so neither is sent again here.
 */
function neverReachedRedis(error: unknown): boolean {
  return (
    error instanceof Error && error.message.startsWith("Stream isn't writeable")
  );
}

/** Wraps the protected `doPublish` of every adapter `factory` creates. */
function wrapPublish(
  factory: ClusterAdapterFactory,
  wrap: (publish: Publish, namespace: Namespace) => Publish,
): ClusterAdapterFactory {
  // socket.io calls `new adapter(namespace)`, which an arrow function refuses.
  return function createWrappedAdapter(namespace: Namespace): Adapter {
    const adapter = factory(namespace);
    const doPublish: unknown = Reflect.get(adapter, 'doPublish');
    if (typeof doPublish !== 'function') {
      throw new Error('Expected a socket.io ClusterAdapter with doPublish()');
    }
    const publish: Publish = (message) =>
      Reflect.apply(doPublish, adapter, [message]) as Promise<string>;
    Reflect.set(adapter, 'doPublish', wrap(publish, namespace));
    return adapter;
  };
}

/** `publish`, or a rejection once `deadlineMs` passed; the publish itself is not cancelled. */
function withinDeadline(
  publish: Promise<string>,
  deadlineMs: number,
): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis did not answer within ${deadlineMs} ms`)),
      deadlineMs,
    );
  });
  return Promise.race([publish, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Lets the adapters `factory` creates wait at most `deadlineMs` for a
 * publish, so a slow or absent Redis never holds back delivery to this
 * instance's sockets; see PUBLISH_DEADLINE_MS.
 *
 * @example
 * const adapter = withPublishDeadline(createShardedAdapter(pub, sub));
 */
export function withPublishDeadline(
  factory: ClusterAdapterFactory,
  deadlineMs = PUBLISH_DEADLINE_MS,
): ClusterAdapterFactory {
  return wrapPublish(
    factory,
    (publish) => (message) => withinDeadline(publish(message), deadlineMs),
  );
}

function estimatedBytes(message: ClusterMessage): number {
  return Buffer.byteLength(JSON.stringify(message.data) ?? '');
}

/** Counts what became of a held message in its namespace's metrics. */
export type OutboxCounter = (
  namespace: Namespace,
  outcome: OutboxOutcome,
) => void;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Holds the streams adapter's durable messages while its publishing
 * connection is down, and writes them to the stream, in order, when it is
 * back; the other instances' stream readers resume from their last offset
 * and so receive them. Bounded by `limits` (age and size); one log line per
 * outage tells how long Redis was away and what became of the messages.
 */
class OutageRelay {
  private readonly outbox: PublishOutbox;
  private wasReady = false;
  private lostAt?: number;

  constructor(
    private readonly publisher: RealtimeRedis,
    private readonly limits: OutboxLimits,
    private readonly count: OutboxCounter,
  ) {
    this.outbox = new PublishOutbox(limits);
    publisher.on('close', () => this.connectionLost());
    publisher.on('ready', () => this.connectionReady());
    publisher.on('end', () => this.closed());
  }

  publish(
    message: ClusterMessage,
    publish: Publish,
    namespace: Namespace,
  ): Promise<string> {
    if (!isDurable(message)) {
      return publish(message);
    }
    if (this.outbox.busy || !this.isReady()) {
      this.hold(message, publish, namespace);
      return Promise.reject(new Error('Held until Redis is reachable'));
    }
    const sent = publish(message);
    sent.catch((error: unknown) => {
      if (neverReachedRedis(error)) {
        this.hold(message, publish, namespace);
      }
    });
    return sent;
  }

  private hold(
    message: ClusterMessage,
    publish: Publish,
    namespace: Namespace,
  ): void {
    this.count(namespace, 'buffered');
    this.outbox.hold(
      () => publish(message),
      estimatedBytes(message),
      () => this.count(namespace, 'dropped'),
    );
    if (this.isReady()) {
      void this.flush();
    }
  }

  /** Connected, and not closing: after Redis hangs up, ioredis reads as ready until the socket has closed. */
  private isReady(): boolean {
    return this.publisher.status === 'ready' && this.publisher.stream.writable;
  }

  private connectionLost(): void {
    // A failed first connection is not an outage; startup reports it.
    if (this.wasReady) {
      this.lostAt ??= Date.now();
    }
  }

  private connectionReady(): void {
    this.wasReady = true;
    void this.flush();
  }

  private async flush(): Promise<void> {
    await this.outbox.flush(() => this.isReady(), neverReachedRedis);
    if (this.lostAt === undefined || this.outbox.busy || !this.isReady()) {
      return;
    }
    const awayMs = Date.now() - this.lostAt;
    this.lostAt = undefined;
    const { held, flushed, failed, dropped } = this.outbox.takeReport();
    const summary =
      `Redis was unreachable for about ${seconds(awayMs)}: ${held} cross-instance messages held, ` +
      `${flushed} sent after it returned, ${failed} failed, ${dropped} dropped ` +
      `(held longer than ${this.limits.maxAgeMs} ms or beyond ${this.limits.maxBytes} bytes)`;
    if (dropped + failed > 0) {
      logger.warn(summary);
    } else {
      logger.log(summary);
    }
  }

  private closed(): void {
    const pending = this.outbox.pending;
    this.outbox.dropAll();
    if (pending > 0) {
      logger.warn(
        `${pending} cross-instance messages held for Redis were dropped: the connection closed`,
      );
    }
  }
}

/**
 * Makes the streams adapters `factory` creates hold their durable messages
 * while `publisher` is not connected, within `limits`, and write them to the
 * stream when it is back. Delivery between instances becomes at-least-once
 * across such an outage: ioredis re-sends a command whose reply the dropped
 * connection lost, so a receiver may rarely see a message twice.
 *
 * @example
 * const adapter = withOutageOutbox(
 *   createStreamsAdapter(publisher),
 *   publisher,
 *   { maxAgeMs: 10_000, maxBytes: 16 * 1024 * 1024 },
 *   (namespace, outcome) => metrics.of(namespace)?.outbox(outcome),
 * );
 */
export function withOutageOutbox(
  factory: ClusterAdapterFactory,
  publisher: RealtimeRedis,
  limits: OutboxLimits,
  count: OutboxCounter,
): ClusterAdapterFactory {
  const relay = new OutageRelay(publisher, limits, count);
  return wrapPublish(
    factory,
    (publish, namespace) => (message) =>
      relay.publish(message, publish, namespace),
  );
}
