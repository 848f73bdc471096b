import { roomIdOf, userRoom } from './realtime.rooms.js';
import type { SocketData } from './realtime.types.js';

/**
 * How long a cluster-wide query waits for every instance to answer. An
 * instance that just died without closing its Redis connection is counted
 * until Redis notices, so queries can time out in that window.
 */
export const CLUSTER_REQUEST_TIMEOUT_MS = 3_000;

// Keeps each fetchSockets request, which lists its rooms, to a sane size.
const MAX_ROOMS_PER_QUERY = 500;

/** A socket as fetchSockets returns it, whichever instance holds it. */
export interface ClusterSocket {
  readonly id: string;
  readonly rooms: ReadonlySet<string>;
  readonly data: Partial<SocketData>;
}

/** The part of a gateway's namespace that cluster queries use, so any typed namespace fits. */
export interface QueryableNamespace {
  readonly name: string;
  in(rooms: string | string[]): {
    timeout(timeoutMs: number): {
      fetchSockets(): Promise<ClusterSocket[]>;
    };
  };
}

/** Thrown when the cluster does not answer a query in time. */
export class ClusterQueryTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`${what} got no answer from every instance within ${timeoutMs} ms`);
    this.name = 'ClusterQueryTimeoutError';
  }
}

async function withTimeout<T>(
  promise: Promise<T>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new ClusterQueryTimeoutError(what, timeoutMs)),
      timeoutMs,
    );
    // A query still pending at shutdown must not keep the process alive.
    timer.unref();
  });
  // The adapter may still reject after the timeout won; that must not go unhandled.
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Every socket of the given users on every instance. The adapter's own request
 * timeout does not cover its first round trip to Redis, so this bounds the
 * whole query.
 *
 * @example
 * const sockets = await fetchUserSockets(this.server, ['alice']);
 * const online = sockets.length > 0;
 */
export function fetchUserSockets(
  namespace: QueryableNamespace,
  userIds: readonly string[],
  timeoutMs = CLUSTER_REQUEST_TIMEOUT_MS,
): Promise<ClusterSocket[]> {
  const query = namespace
    .in(userIds.map((userId) => userRoom(userId)))
    .timeout(timeoutMs)
    .fetchSockets();
  return withTimeout(query, timeoutMs, `fetchSockets on ${namespace.name}`);
}

/**
 * Which of `userIds` have a socket on any instance, each with the
 * client-chosen rooms those sockets are in. Asked in batches, so checking
 * thousands of users stays a handful of requests.
 *
 * @example
 * const online = await roomsOfOnlineUsers(this.server, ['alice', 'bob']);
 * online.has('bob'); // false: bob has no socket anywhere
 * online.get('alice'); // Set { 'general' }
 */
export async function roomsOfOnlineUsers(
  namespace: QueryableNamespace,
  userIds: readonly string[],
  timeoutMs = CLUSTER_REQUEST_TIMEOUT_MS,
): Promise<Map<string, Set<string>>> {
  const wanted = new Set(userIds);
  const online = new Map<string, Set<string>>();
  const unique = [...wanted];
  for (let start = 0; start < unique.length; start += MAX_ROOMS_PER_QUERY) {
    const batch = unique.slice(start, start + MAX_ROOMS_PER_QUERY);
    for (const socket of await fetchUserSockets(namespace, batch, timeoutMs)) {
      const { userId } = socket.data;
      if (userId === undefined || !wanted.has(userId)) {
        continue;
      }
      const rooms = online.get(userId) ?? new Set<string>();
      online.set(userId, rooms);
      for (const room of socket.rooms) {
        const roomId = roomIdOf(room);
        if (roomId !== undefined) {
          rooms.add(roomId);
        }
      }
    }
  }
  return online;
}
