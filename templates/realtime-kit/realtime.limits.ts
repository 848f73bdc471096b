/** A sustained rate with room for a short burst above it. */
export interface RateLimit {
  /** Accepted per second, indefinitely. */
  perSecond: number;
  /**
   * The most accepted within one second. What lies above `perSecond` is an
   * allowance that refills every {@link BURST_WINDOW_SECONDS}.
   */
  burst: number;
}

/** Shape limits checked before class-validator sees a payload. */
export interface PayloadLimits {
  /** Nesting of objects and arrays; `{ a: { b: 1 } }` has depth 2. */
  maxDepth: number;
  /** Object keys plus array items, counted over the whole payload. */
  maxKeys: number;
  /** Items in any one array. */
  maxArrayLength: number;
}

const PACKET_CEILING_FACTOR = 5;
const MIN_PACKET_CEILING = 200;

/**
 * Packets of any kind one connection may send in a second before it is
 * closed: five times the socket's event burst (at least 200), so only a
 * client flooding with packets no handler rate-limits (unknown events, stray
 * acks, repeated connects) ever reaches it.
 */
export function packetCeiling({ socketEvents }: RealtimeLimits): number {
  return Math.max(
    PACKET_CEILING_FACTOR * socketEvents.burst,
    MIN_PACKET_CEILING,
  );
}

/** What a client is told when its payload exceeds one of the PayloadLimits. */
export const payloadLimitMessages = {
  depth: ({ maxDepth }: PayloadLimits): string =>
    `The payload is nested deeper than ${maxDepth} levels`,
  keys: ({ maxKeys }: PayloadLimits): string =>
    `The payload has more than ${maxKeys} keys and array items`,
  arrayLength: ({ maxArrayLength }: PayloadLimits): string =>
    `An array in the payload has more than ${maxArrayLength} items`,
};

/** Every limit the kit applies to clients; see {@link resolveRealtimeLimits}. */
export interface RealtimeLimits {
  /** Events of one socket. */
  socketEvents: RateLimit;
  /** Events of one user, over all their sockets (and instances, with REDIS_URL). */
  userEvents: RateLimit;
  /** Handshake attempts from one client address. */
  handshakes: RateLimit;
  /** Refused events within {@link FLOOD_WINDOW_SECONDS} after which a socket is disconnected. */
  floodDisconnectAfter: number;
  /** Proxies in front of the app whose X-Forwarded-For entries are trusted. */
  trustedProxyHops: number;
  maxRoomsPerSocket: number;
  /** Sockets one user may hold in one namespace on one instance. */
  maxSocketsPerUser: number;
  /** Time a new connection has to complete its namespace handshake. */
  connectTimeoutMs: number;
  /** Bytes waiting to be written to one connection before it is dropped as a slow reader. */
  maxBufferedBytes: number;
  /** Shortest time between two presence batches of one room. */
  presenceIntervalMs: number;
  payload: PayloadLimits;
}

/** How often the allowance above a rate's `perSecond` refills. */
export const BURST_WINDOW_SECONDS = 10;
/** The window in which refused events count towards a flood disconnect. */
export const FLOOD_WINDOW_SECONDS = 10;

/**
 * Sized for interactive clients (a person types, clicks and switches rooms);
 * a feature that legitimately sends more raises them through the environment.
 */
export const DEFAULT_REALTIME_LIMITS: Readonly<RealtimeLimits> = {
  socketEvents: { perSecond: 20, burst: 40 },
  userEvents: { perSecond: 40, burst: 80 },
  handshakes: { perSecond: 10, burst: 50 },
  floodDisconnectAfter: 100,
  trustedProxyHops: 0,
  maxRoomsPerSocket: 100,
  maxSocketsPerUser: 10,
  connectTimeoutMs: 10_000,
  maxBufferedBytes: 1024 * 1024,
  presenceIntervalMs: 1_000,
  payload: { maxDepth: 8, maxKeys: 256, maxArrayLength: 100 },
};

type Env = Record<string, string | undefined>;

/**
 * A whole-number setting from the environment: `fallback` when unset or
 * empty, a startup error naming the variable when invalid or below `minimum`.
 *
 * @example
 * readInteger(process.env, 'REALTIME_PRESENCE_TTL_MS', 15_000, 300);
 */
export function readInteger(
  env: Env,
  name: string,
  fallback: number,
  minimum: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new Error(
      `${name} must be an integer of at least ${minimum}; got "${raw}".`,
    );
  }
  return value;
}

function readRate(
  env: Env,
  perSecondName: string,
  burstName: string,
  fallback: RateLimit,
): RateLimit {
  const perSecond = readInteger(env, perSecondName, fallback.perSecond, 1);
  // Raising only the rate raises the burst with it.
  const burst = readInteger(
    env,
    burstName,
    Math.max(fallback.burst, perSecond),
    1,
  );
  if (burst < perSecond) {
    throw new Error(
      `${burstName} (${burst}) must be at least ${perSecondName} (${perSecond}).`,
    );
  }
  return { perSecond, burst };
}

/**
 * Reads the client limits from `REALTIME_*` environment variables, falling
 * back to {@link DEFAULT_REALTIME_LIMITS}. An invalid value is a startup
 * error naming the variable, never a silent default.
 *
 * | variable | default |
 * |---|---|
 * | REALTIME_SOCKET_EVENTS_PER_SECOND / REALTIME_SOCKET_EVENT_BURST | 20 / 40 |
 * | REALTIME_USER_EVENTS_PER_SECOND / REALTIME_USER_EVENT_BURST | 40 / 80 |
 * | REALTIME_HANDSHAKES_PER_SECOND / REALTIME_HANDSHAKE_BURST | 10 / 50 |
 * | REALTIME_FLOOD_DISCONNECT_AFTER | 100 |
 * | REALTIME_TRUSTED_PROXY_HOPS | 0 |
 * | REALTIME_MAX_ROOMS_PER_SOCKET | 100 |
 * | REALTIME_MAX_SOCKETS_PER_USER | 10 |
 * | REALTIME_CONNECT_TIMEOUT_MS | 10000 |
 * | REALTIME_MAX_BUFFERED_BYTES | 1048576 |
 * | REALTIME_PRESENCE_INTERVAL_MS | 1000 |
 * | REALTIME_PAYLOAD_MAX_DEPTH / _MAX_KEYS / _MAX_ARRAY_LENGTH | 8 / 256 / 100 |
 *
 * @example
 * // REALTIME_SOCKET_EVENTS_PER_SECOND=50 for a collaborative editor
 * const limits = resolveRealtimeLimits();
 */
export function resolveRealtimeLimits(env: Env = process.env): RealtimeLimits {
  const defaults = DEFAULT_REALTIME_LIMITS;
  const integer = (name: string, fallback: number, minimum = 1): number =>
    readInteger(env, `REALTIME_${name}`, fallback, minimum);
  return {
    socketEvents: readRate(
      env,
      'REALTIME_SOCKET_EVENTS_PER_SECOND',
      'REALTIME_SOCKET_EVENT_BURST',
      defaults.socketEvents,
    ),
    userEvents: readRate(
      env,
      'REALTIME_USER_EVENTS_PER_SECOND',
      'REALTIME_USER_EVENT_BURST',
      defaults.userEvents,
    ),
    handshakes: readRate(
      env,
      'REALTIME_HANDSHAKES_PER_SECOND',
      'REALTIME_HANDSHAKE_BURST',
      defaults.handshakes,
    ),
    floodDisconnectAfter: integer(
      'FLOOD_DISCONNECT_AFTER',
      defaults.floodDisconnectAfter,
    ),
    trustedProxyHops: integer(
      'TRUSTED_PROXY_HOPS',
      defaults.trustedProxyHops,
      0,
    ),
    maxRoomsPerSocket: integer(
      'MAX_ROOMS_PER_SOCKET',
      defaults.maxRoomsPerSocket,
    ),
    maxSocketsPerUser: integer(
      'MAX_SOCKETS_PER_USER',
      defaults.maxSocketsPerUser,
    ),
    connectTimeoutMs: integer(
      'CONNECT_TIMEOUT_MS',
      defaults.connectTimeoutMs,
      100,
    ),
    maxBufferedBytes: integer(
      'MAX_BUFFERED_BYTES',
      defaults.maxBufferedBytes,
      64 * 1024,
    ),
    presenceIntervalMs: integer(
      'PRESENCE_INTERVAL_MS',
      defaults.presenceIntervalMs,
      0,
    ),
    payload: {
      maxDepth: integer('PAYLOAD_MAX_DEPTH', defaults.payload.maxDepth),
      maxKeys: integer('PAYLOAD_MAX_KEYS', defaults.payload.maxKeys),
      maxArrayLength: integer(
        'PAYLOAD_MAX_ARRAY_LENGTH',
        defaults.payload.maxArrayLength,
      ),
    },
  };
}
