import { readInteger, type Environment } from './environment.js';

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

/** Every limit the runtime applies to clients; see {@link resolveRealtimeLimits}. */
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

/**
 * Limits an app sets in code (RealtimeModule's `limits`) in place of
 * {@link DEFAULT_REALTIME_LIMITS}; any left out keep their default.
 */
export type RealtimeLimitOptions = {
  [Limit in keyof RealtimeLimits]?: RealtimeLimits[Limit] extends number
    ? number
    : Partial<RealtimeLimits[Limit]>;
};

/** The defaults with an app's own limits in their place, each checked as the variables are. */
function withOptions(options: RealtimeLimitOptions = {}): RealtimeLimits {
  const defaults = DEFAULT_REALTIME_LIMITS;
  const merged: RealtimeLimits = {
    ...defaults,
    ...(options as Partial<RealtimeLimits>),
    socketEvents: { ...defaults.socketEvents, ...options.socketEvents },
    userEvents: { ...defaults.userEvents, ...options.userEvents },
    handshakes: { ...defaults.handshakes, ...options.handshakes },
    payload: { ...defaults.payload, ...options.payload },
  };
  const check = (path: string, value: unknown, minimum: number): void => {
    if (
      typeof value !== 'number' ||
      !Number.isSafeInteger(value) ||
      value < minimum
    ) {
      throw new Error(
        `RealtimeModule limits.${path} must be an integer of at least ${minimum}; got ${String(value)}.`,
      );
    }
  };
  for (const rate of ['socketEvents', 'userEvents', 'handshakes'] as const) {
    // A rate given without its burst gets a burst of at least the rate.
    if (
      options[rate]?.perSecond !== undefined &&
      options[rate]?.burst === undefined
    ) {
      merged[rate].burst = Math.max(merged[rate].burst, merged[rate].perSecond);
    }
    check(`${rate}.perSecond`, merged[rate].perSecond, 1);
    check(`${rate}.burst`, merged[rate].burst, merged[rate].perSecond);
  }
  for (const [name, [, minimum]] of Object.entries(WHOLE_NUMBER_LIMITS)) {
    check(name, merged[name as keyof typeof WHOLE_NUMBER_LIMITS], minimum);
  }
  for (const name of ['maxDepth', 'maxKeys', 'maxArrayLength'] as const) {
    check(`payload.${name}`, merged.payload[name], 1);
  }
  return merged;
}

/** Each whole-number limit's variable (after `REALTIME_`) and least value. */
const WHOLE_NUMBER_LIMITS = {
  floodDisconnectAfter: ['FLOOD_DISCONNECT_AFTER', 1],
  trustedProxyHops: ['TRUSTED_PROXY_HOPS', 0],
  maxRoomsPerSocket: ['MAX_ROOMS_PER_SOCKET', 1],
  maxSocketsPerUser: ['MAX_SOCKETS_PER_USER', 1],
  connectTimeoutMs: ['CONNECT_TIMEOUT_MS', 100],
  maxBufferedBytes: ['MAX_BUFFERED_BYTES', 64 * 1024],
  presenceIntervalMs: ['PRESENCE_INTERVAL_MS', 0],
} as const satisfies Partial<
  Record<keyof RealtimeLimits, readonly [string, number]>
>;

function readRate(
  env: Environment,
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
 * back to the app's own limits (`options`, from RealtimeModule) and then to
 * {@link DEFAULT_REALTIME_LIMITS}. An invalid value is a startup error naming
 * the variable or option, never a silent default.
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
 * const limits = resolveRealtimeLimits(process.env);
 */
export function resolveRealtimeLimits(
  env: Environment,
  options?: RealtimeLimitOptions,
): RealtimeLimits {
  const defaults = withOptions(options);
  const integer = (limit: keyof typeof WHOLE_NUMBER_LIMITS): number => {
    const [variable, minimum] = WHOLE_NUMBER_LIMITS[limit];
    return readInteger(env, `REALTIME_${variable}`, defaults[limit], minimum);
  };
  const payload = (limit: keyof PayloadLimits, variable: string): number =>
    readInteger(env, `REALTIME_${variable}`, defaults.payload[limit], 1);
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
    floodDisconnectAfter: integer('floodDisconnectAfter'),
    trustedProxyHops: integer('trustedProxyHops'),
    maxRoomsPerSocket: integer('maxRoomsPerSocket'),
    maxSocketsPerUser: integer('maxSocketsPerUser'),
    connectTimeoutMs: integer('connectTimeoutMs'),
    maxBufferedBytes: integer('maxBufferedBytes'),
    presenceIntervalMs: integer('presenceIntervalMs'),
    payload: {
      maxDepth: payload('maxDepth', 'PAYLOAD_MAX_DEPTH'),
      maxKeys: payload('maxKeys', 'PAYLOAD_MAX_KEYS'),
      maxArrayLength: payload('maxArrayLength', 'PAYLOAD_MAX_ARRAY_LENGTH'),
    },
  };
}
