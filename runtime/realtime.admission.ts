import {
  BurstyRateLimiter,
  RateLimiterMemory,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Socket } from 'socket.io';
import {
  HandshakeRefused,
  RealtimeErrorCode,
  RealtimeException,
  type ErrorPayload,
} from './realtime.errors.js';
import {
  BURST_WINDOW_SECONDS,
  FLOOD_WINDOW_SECONDS,
  type RateLimit,
  type RealtimeLimits,
} from './realtime.limits.js';
import { isClientChosenRoom } from './realtime.rooms.js';
import type { SocketData } from './realtime.types.js';

/** Creates one counter of the rate limiters: in memory, or shared through Redis. */
export type LimiterFactory = (options: {
  keyPrefix: string;
  points: number;
  duration: number;
}) => RateLimiterAbstract;

/** Counters local to this process, for one instance or per-socket limits. */
export const inMemoryLimiters: LimiterFactory = (options) =>
  new RateLimiterMemory(options);

interface Limiter {
  consume(key: string): Promise<RateLimiterRes>;
}

/** A socket during its handshake, as the auth middleware sees it. */
export interface ConnectingSocket {
  readonly nsp: object;
  readonly handshake: Socket['handshake'];
  readonly data: Partial<SocketData>;
  readonly conn: { once(event: 'close', listener: () => void): unknown };
  once(event: 'disconnect', listener: () => void): unknown;
}

/** A connected socket sending an event. */
export interface SendingSocket {
  readonly id: string;
  readonly data: Partial<SocketData>;
}

/** A refused event: the error for the client, and whether to disconnect it. */
export interface EventRefusal {
  payload: ErrorPayload;
  /** The socket kept sending while refused: it is flooding. */
  disconnect: boolean;
}

function rateLimiter(
  create: LimiterFactory,
  keyPrefix: string,
  { perSecond, burst }: RateLimit,
): Limiter {
  const sustained = create({ keyPrefix, points: perSecond, duration: 1 });
  if (burst === perSecond) {
    return sustained;
  }
  return new BurstyRateLimiter(
    sustained,
    create({
      keyPrefix: `${keyPrefix}:burst`,
      points: burst - perSecond,
      duration: BURST_WINDOW_SECONDS,
    }),
  );
}

/** Milliseconds until `key` may try again, or undefined when it was let through. */
async function refusedFor(
  limiter: Limiter,
  key: string,
): Promise<number | undefined> {
  try {
    await limiter.consume(key);
    return undefined;
  } catch (refusal) {
    if (refusal instanceof RateLimiterRes) {
      return Math.max(refusal.msBeforeNext, 1);
    }
    throw refusal;
  }
}

/**
 * The client's address: the TCP peer, or with `trustedHops` proxies in front
 * of the app, the X-Forwarded-For entry the outermost trusted proxy received
 * the connection from. Entries further left are client-supplied and ignored.
 *
 * @example
 * clientAddress('10.0.0.5', '203.0.113.7, 10.0.0.9', 1); // '10.0.0.9'
 * clientAddress('10.0.0.5', '203.0.113.7, 10.0.0.9', 2); // '203.0.113.7'
 */
export function clientAddress(
  peer: string,
  forwardedFor: string | string[] | undefined,
  trustedHops: number,
): string {
  if (trustedHops === 0 || forwardedFor === undefined) {
    return peer;
  }
  const hops = [forwardedFor]
    .flat()
    .join(',')
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop !== '');
  return hops[Math.max(hops.length - trustedHops, 0)] ?? peer;
}

/**
 * Decides which handshakes, events and room joins the app accepts, against
 * RealtimeLimits. One per app (RealtimeModule provides it); per-user and
 * per-address counters are shared by all instances once the Redis adapter
 * hands it Redis-backed limiters ({@link shareCounters}).
 */
export class RealtimeAdmission {
  private readonly socketEvents: Limiter;
  private userEvents!: Limiter;
  private handshakes!: Limiter;
  private readonly refusals: Limiter;
  /** Sockets per user, per namespace, on this instance. */
  private readonly userSockets = new WeakMap<object, Map<string, number>>();

  constructor(
    readonly limits: RealtimeLimits,
    shared: LimiterFactory = inMemoryLimiters,
  ) {
    // A socket lives on one instance, so its counters never need Redis.
    this.socketEvents = rateLimiter(
      inMemoryLimiters,
      'socket-events',
      limits.socketEvents,
    );
    this.refusals = inMemoryLimiters({
      keyPrefix: 'refused-events',
      points: limits.floodDisconnectAfter,
      duration: FLOOD_WINDOW_SECONDS,
    });
    this.shareCounters(shared);
  }

  /**
   * Counts per-user events and per-address handshakes with `shared` from now
   * on: the Redis adapter passes Redis-backed limiters, so the limits hold
   * however many instances a client spreads over.
   */
  shareCounters(shared: LimiterFactory): void {
    this.userEvents = rateLimiter(
      shared,
      'realtime:user-events',
      this.limits.userEvents,
    );
    this.handshakes = rateLimiter(
      shared,
      'realtime:handshakes',
      this.limits.handshakes,
    );
  }

  /** Refuses a client address that opens handshakes faster than allowed. */
  async admitHandshake(handshake: Socket['handshake']): Promise<void> {
    const address = clientAddress(
      handshake.address,
      handshake.headers['x-forwarded-for'],
      this.limits.trustedProxyHops,
    );
    const waitMs = await refusedFor(this.handshakes, address);
    if (waitMs !== undefined) {
      throw new HandshakeRefused(
        'rate_limited',
        RealtimeErrorCode.RateLimited,
        `Too many connection attempts; retry in ${waitMs} ms`,
        waitMs,
      );
    }
  }

  /**
   * Counts an authenticated socket against its user's cap in its namespace,
   * or refuses it. The count is released when the socket disconnects or its
   * connection closes before it ever connected.
   */
  admitUserSocket(socket: ConnectingSocket): void {
    const { userId } = socket.data;
    if (userId === undefined) {
      return;
    }
    const counts =
      this.userSockets.get(socket.nsp) ?? new Map<string, number>();
    this.userSockets.set(socket.nsp, counts);
    const held = counts.get(userId) ?? 0;
    if (held >= this.limits.maxSocketsPerUser) {
      throw new HandshakeRefused(
        'too_many_sockets',
        RealtimeErrorCode.LimitExceeded,
        `A user may hold at most ${this.limits.maxSocketsPerUser} connections; close one first`,
      );
    }
    counts.set(userId, held + 1);
    let released = false;
    const release = (): void => {
      if (released) {
        return;
      }
      released = true;
      const remaining = (counts.get(userId) ?? 1) - 1;
      if (remaining > 0) {
        counts.set(userId, remaining);
      } else {
        counts.delete(userId);
      }
    };
    socket.once('disconnect', release);
    socket.conn.once('close', release);
  }

  /**
   * Spends one event of the socket's and its user's rate. Over either, the
   * event is refused with RATE_LIMITED; a socket refused
   * `floodDisconnectAfter` times within the flood window is to be disconnected.
   */
  async admitEvent(socket: SendingSocket): Promise<EventRefusal | undefined> {
    const { userId } = socket.data;
    const waitMs =
      (await refusedFor(this.socketEvents, socket.id)) ??
      (userId === undefined
        ? undefined
        : await refusedFor(this.userEvents, userId));
    if (waitMs === undefined) {
      return undefined;
    }
    const flooding = (await refusedFor(this.refusals, socket.id)) !== undefined;
    return {
      payload: {
        status: 'error',
        code: RealtimeErrorCode.RateLimited,
        message: `Too many events; retry in ${waitMs} ms`,
        retryAfterMs: waitMs,
      },
      disconnect: flooding,
    };
  }
}

/**
 * Refuses with LIMIT_EXCEEDED a room join beyond the socket's room cap
 * (`maxRoomsPerSocket`). Only client-chosen rooms and topics count.
 *
 * @example
 * assertRoomAvailable(client, limits.maxRoomsPerSocket);
 * await client.join(room);
 */
export function assertRoomAvailable(
  socket: { readonly rooms: ReadonlySet<string> },
  maxRoomsPerSocket: number,
): void {
  let joined = 0;
  for (const room of socket.rooms) {
    if (isClientChosenRoom(room)) {
      joined += 1;
    }
  }
  if (joined >= maxRoomsPerSocket) {
    throw new RealtimeException(
      RealtimeErrorCode.LimitExceeded,
      `A connection may join at most ${maxRoomsPerSocket} rooms; leave one first`,
    );
  }
}
