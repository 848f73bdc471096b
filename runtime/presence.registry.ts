import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { errorTrace } from './error-trace.js';
import {
  roomsOfOnlineUsers,
  type QueryableNamespace,
} from './cluster-query.js';
import { PresenceBatches, type PresenceEvent } from './presence.batches.js';
import { RealtimeLifecycle } from './realtime.lifecycle.js';
import { roomIdOf } from './realtime.rooms.js';
import { RealtimeSettings } from './realtime.settings.js';
import { loadRedisClient } from './redis.loader.js';
import type { SocketData } from './realtime.types.js';
import type { RealtimeRedis } from './redis/redis.client.js';

const logger = new Logger('PresenceRegistry');

const KEY_PREFIX = 'realtime:presence';
// Lets Redis drop the state of a cluster that stopped entirely, with no one left to sweep it.
const ABANDONED_STATE_TTL_MS = 24 * 60 * 60_000;
// Keeps each HSET of a full resync to a moderate size.
const MAX_FIELDS_PER_HSET = 1_000;

/**
 * Redis keys of the presence registry. The namespace is a hash tag so that a
 * namespace's keys share a cluster slot and can be changed in one MULTI.
 */
export const presenceKeys = {
  /** Exists while the instance is alive; expires when it stops heart-beating. */
  instance: (instanceId: string): string =>
    `${KEY_PREFIX}:instance:${instanceId}`,
  /** Instances that have (or had) sockets in the namespace. */
  instances: (namespace: string): string =>
    `${KEY_PREFIX}:{${namespace}}:instances`,
  /** The rooms of the users with a socket in the namespace on that instance; see {@link membershipField}. */
  rooms: (namespace: string, instanceId: string): string =>
    `${KEY_PREFIX}:{${namespace}}:rooms:${instanceId}`,
};

/** A field of the {@link presenceKeys.rooms} hash: one user in one room. */
export function membershipField(userId: string, roomId: string): string {
  return JSON.stringify([userId, roomId]);
}

function parseMembershipField(field: string): [string, string] | undefined {
  try {
    const parsed: unknown = JSON.parse(field);
    return Array.isArray(parsed) &&
      parsed.length === 2 &&
      typeof parsed[0] === 'string' &&
      typeof parsed[1] === 'string'
      ? [parsed[0], parsed[1]]
      : undefined;
  } catch {
    return undefined;
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function clientRoomIds(rooms: ReadonlySet<string>): string[] {
  return [...rooms]
    .map((room) => roomIdOf(room))
    .filter((roomId) => roomId !== undefined);
}

/** The part of a socket presence reads, so any gateway's typed socket fits. */
export interface PresenceSocket {
  readonly data: Pick<SocketData, 'userId'>;
  readonly rooms: ReadonlySet<string>;
  /** A session connection state recovery resumed, in the rooms it had. */
  readonly recovered?: boolean;
  once(event: 'disconnecting', listener: () => void): unknown;
}

interface LocalUser {
  sockets: number;
  /** This instance's sockets of the user in each room (never 0: a room none of them is in is removed). */
  rooms: Map<string, number>;
}

/**
 * Presence of one namespace's users, as seen from this instance. Created by
 * {@link PresenceRegistry.track}; the gateway reports connects, joins and
 * leaves, and the tracker sends `presence` batches to the rooms concerned:
 * who joined, who left, and who went offline (their last socket on any
 * instance is gone). Nothing goes to users who share no room with the user,
 * and nothing at all while the instance drains.
 */
export class PresenceTracker {
  private readonly users = new Map<string, LocalUser>();
  /** Users whose last socket here is gone, with their rooms, until the cluster says where they still are. */
  private readonly pending = new Map<string, Set<string>>();
  /**
   * Rooms a still-connected user's last socket here in them left by closing,
   * until the cluster says whether another socket of theirs is in them.
   */
  private readonly parting = new Map<string, Set<string>>();
  private resolveTimer?: NodeJS.Timeout;
  /** Set when Redis may have missed an update; the next heartbeat rewrites the hash. */
  private needsFullSync = true;
  private readonly batches: PresenceBatches;

  constructor(
    private readonly namespace: QueryableNamespace,
    send: (event: PresenceEvent) => void,
    private readonly registry: PresenceRegistry,
    intervalMs: number,
  ) {
    this.batches = new PresenceBatches(intervalMs, send);
  }

  /**
   * Records a new socket of its user on this instance and follows it until it
   * disconnects. A session resumed by connection state recovery is back in
   * its rooms, and is counted there. RealtimeGateways calls it for every
   * socket, before the gateway's handleConnection.
   */
  connected(socket: PresenceSocket): void {
    const { userId } = socket.data;
    const user = this.users.get(userId) ?? { sockets: 0, rooms: new Map() };
    user.sockets += 1;
    this.users.set(userId, user);
    // Back before the check of their last departure ran: not offline after all.
    this.pending.delete(userId);
    if (socket.recovered === true) {
      clientRoomIds(socket.rooms).forEach((roomId) =>
        this.joined(socket, roomId),
      );
    }
    // Rooms are still readable while disconnecting, no longer on disconnect.
    socket.once('disconnecting', () =>
      this.disconnecting(userId, clientRoomIds(socket.rooms)),
    );
  }

  /** Records that a socket joined a client room; its members hear of a user new to it. */
  joined(socket: PresenceSocket, roomId: string): void {
    const { userId } = socket.data;
    const user = this.users.get(userId);
    if (user === undefined) {
      return;
    }
    const count = user.rooms.get(roomId);
    user.rooms.set(roomId, (count ?? 0) + 1);
    if (count === undefined) {
      this.batches.record(roomId, userId, 'joined');
      this.write((redis, key) =>
        redis.hset(key, membershipField(userId, roomId), '1'),
      );
    }
  }

  /** Records that a socket left a client room; members hear of it once the user's last socket here left. */
  left(socket: PresenceSocket, roomId: string): void {
    const { userId } = socket.data;
    const rooms = this.users.get(userId)?.rooms;
    const count = rooms?.get(roomId);
    if (rooms === undefined || count === undefined) {
      return;
    }
    if (count > 1) {
      rooms.set(roomId, count - 1);
      return;
    }
    rooms.delete(roomId);
    this.batches.record(roomId, userId, 'left');
    this.write((redis, key) =>
      redis.hdel(key, membershipField(userId, roomId)),
    );
  }

  /**
   * Asks the cluster where the users whose last socket here left still are:
   * offline users are announced to their rooms as `offline`, users connected
   * elsewhere as `left` in the rooms none of their sockets is in. Never
   * rejects; when the cluster cannot answer, the check is retried on the next
   * heartbeat.
   */
  async resolvePending(): Promise<void> {
    const candidates = new Map(this.pending);
    const parting = new Map(this.parting);
    this.pending.clear();
    this.parting.clear();
    if (candidates.size === 0 && parting.size === 0) {
      return;
    }
    let online: Map<string, Set<string>>;
    try {
      online = await roomsOfOnlineUsers(this.namespace, [
        ...new Set([...candidates.keys(), ...parting.keys()]),
      ]);
    } catch (error) {
      // Guessing would either hide a user who is gone or announce one who is
      // still connected elsewhere, so the check waits for a working cluster.
      if (this.pending.size === 0 && this.parting.size === 0) {
        logger.warn(
          `Could not check presence across instances (${errorMessage(error)}); retrying on the next heartbeat`,
        );
      }
      for (const [userId, rooms] of candidates) {
        if (!this.users.has(userId) && !this.pending.has(userId)) {
          this.pending.set(userId, rooms);
        }
      }
      parting.forEach((rooms, userId) => this.part(userId, rooms));
      return;
    }
    for (const [userId, rooms] of candidates) {
      // The user may have reconnected here while the query was in flight.
      if (this.users.has(userId)) {
        continue;
      }
      const stillIn = online.get(userId);
      for (const roomId of rooms) {
        if (stillIn === undefined) {
          this.batches.record(roomId, userId, 'offline');
        } else if (!stillIn.has(roomId)) {
          this.batches.record(roomId, userId, 'left');
        }
      }
    }
    for (const [userId, rooms] of parting) {
      const stillIn = online.get(userId);
      const here = this.users.get(userId)?.rooms;
      for (const roomId of rooms) {
        // Still in the room through another socket, here or elsewhere.
        if (here?.has(roomId) !== true && stillIn?.has(roomId) !== true) {
          this.batches.record(roomId, userId, 'left');
        }
      }
    }
  }

  /** @internal Called by the registry on every heartbeat. */
  async heartbeat(redis: RealtimeRedis, instanceId: string): Promise<void> {
    const rooms = presenceKeys.rooms(this.namespace.name, instanceId);
    const instances = presenceKeys.instances(this.namespace.name);
    // Not a member: first heartbeat, or a sweeper took this instance's users
    // while it was paused for longer than the TTL.
    const joined = (await redis.sadd(instances, instanceId)) === 1;
    const fullSync = joined || this.needsFullSync;
    this.needsFullSync = false;
    const transaction = redis.multi();
    if (fullSync) {
      const fields: string[] = [];
      for (const [userId, user] of this.users) {
        for (const roomId of user.rooms.keys()) {
          fields.push(membershipField(userId, roomId), '1');
        }
      }
      transaction.del(rooms);
      for (let i = 0; i < fields.length; i += 2 * MAX_FIELDS_PER_HSET) {
        transaction.hset(
          rooms,
          ...fields.slice(i, i + 2 * MAX_FIELDS_PER_HSET),
        );
      }
    }
    transaction
      .pexpire(rooms, ABANDONED_STATE_TTL_MS)
      .pexpire(instances, ABANDONED_STATE_TTL_MS);
    try {
      await transaction.exec();
    } catch (error) {
      this.needsFullSync = true;
      throw error;
    }
  }

  /**
   * @internal Called by the registry on every heartbeat: takes over the
   * memberships of instances whose heartbeat expired and resolves those users
   * like any other departure. The MULTI hands each dead instance's users to
   * exactly one surviving instance.
   */
  async sweep(redis: RealtimeRedis, instanceId: string): Promise<void> {
    const instances = presenceKeys.instances(this.namespace.name);
    for (const other of await redis.smembers(instances)) {
      if (other === instanceId) {
        continue;
      }
      if ((await redis.exists(presenceKeys.instance(other))) === 1) {
        continue;
      }
      const rooms = presenceKeys.rooms(this.namespace.name, other);
      const results = await redis
        .multi()
        .hkeys(rooms)
        .del(rooms)
        .srem(instances, other)
        .exec();
      const fields: unknown = results?.[0]?.[1];
      if (!Array.isArray(fields) || fields.length === 0) {
        continue;
      }
      let memberships = 0;
      for (const field of fields) {
        const membership =
          typeof field === 'string' ? parseMembershipField(field) : undefined;
        if (membership === undefined || this.users.has(membership[0])) {
          continue;
        }
        const [userId, roomId] = membership;
        const userRooms = this.pending.get(userId) ?? new Set<string>();
        userRooms.add(roomId);
        this.pending.set(userId, userRooms);
        memberships += 1;
      }
      logger.warn(
        `Instance ${other} stopped without a clean shutdown; checking ${memberships} room membership(s) on ${this.namespace.name}`,
      );
    }
    await this.resolvePending();
  }

  /** @internal Stops sending; called when the app shuts down. */
  stop(): void {
    clearTimeout(this.resolveTimer);
    this.batches.stop();
  }

  private disconnecting(userId: string, roomIds: string[]): void {
    // A draining instance's users are reconnecting elsewhere, not leaving.
    if (this.registry.draining) {
      this.batches.stop();
      return;
    }
    const user = this.users.get(userId);
    if (user === undefined) {
      return;
    }
    const emptied: string[] = [];
    for (const roomId of roomIds) {
      const remaining = (user.rooms.get(roomId) ?? 1) - 1;
      if (remaining > 0) {
        user.rooms.set(roomId, remaining);
      } else if (user.rooms.delete(roomId)) {
        emptied.push(roomId);
      }
    }
    user.sockets -= 1;
    if (user.sockets > 0) {
      // Still connected here: the rooms this socket alone was in, she left.
      if (emptied.length > 0) {
        this.forget(userId, emptied);
        this.part(userId, emptied);
        this.scheduleResolve();
      }
      return;
    }
    this.users.delete(userId);
    // A user in no room shares none with anyone: there is no one to tell.
    if (emptied.length === 0) {
      return;
    }
    this.forget(userId, emptied);
    this.pending.set(userId, new Set(emptied));
    this.scheduleResolve();
  }

  /** Removes the user's memberships of `roomIds` on this instance from Redis. */
  private forget(userId: string, roomIds: string[]): void {
    this.write((redis, key) =>
      redis.hdel(
        key,
        ...roomIds.map((roomId) => membershipField(userId, roomId)),
      ),
    );
  }

  private part(userId: string, roomIds: Iterable<string>): void {
    const rooms = this.parting.get(userId) ?? new Set<string>();
    for (const roomId of roomIds) {
      rooms.add(roomId);
    }
    this.parting.set(userId, rooms);
  }

  /** Departures of the same moment share one cluster query. */
  private scheduleResolve(): void {
    this.resolveTimer ??= setTimeout(() => {
      this.resolveTimer = undefined;
      void this.resolvePending();
    }, 0);
  }

  private write(
    command: (redis: RealtimeRedis, roomsKey: string) => Promise<unknown>,
  ): void {
    const redis = this.registry.connection();
    if (redis === undefined) {
      this.needsFullSync = true;
      return;
    }
    const key = presenceKeys.rooms(
      this.namespace.name,
      this.registry.instanceId,
    );
    command(redis, key).catch(() => {
      this.needsFullSync = true;
    });
  }
}

/**
 * Cluster-wide presence for every gateway. Each gateway's tracker follows its
 * sockets and asks all instances (fetchSockets) where a user whose last
 * socket here left still is; this registry covers what that cannot see:
 *
 * - an instance that dies without a clean shutdown fires no disconnect at all.
 *   Each instance keeps a heartbeat key with a TTL and its users' room
 *   memberships in Redis; survivors take over the memberships of an instance
 *   whose key expired and announce those users who did not reconnect
 *   elsewhere within the TTL.
 * - a check that failed because Redis was down is retried once it is back.
 *
 * Without REDIS_URL there is one instance, so it only tracks local sockets.
 * RealtimeGateways tracks the namespace of every gateway declared with
 * `presence: true`; RealtimeRooms reports its joins and leaves.
 */
@Injectable()
export class PresenceRegistry
  implements
    OnModuleInit,
    OnApplicationBootstrap,
    OnModuleDestroy,
    OnApplicationShutdown
{
  /** Identifies this process in Redis; new on every start. */
  readonly instanceId = randomUUID();

  private readonly config: RealtimeSettings['redis'];
  private readonly intervalMs: number;
  private readonly trackers = new Map<object, PresenceTracker>();
  private redis?: RealtimeRedis;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly lifecycle: RealtimeLifecycle,
    settings: RealtimeSettings,
  ) {
    this.config = settings.redis;
    this.intervalMs = settings.limits.presenceIntervalMs;
  }

  /**
   * Starts tracking a gateway's namespace; `send` delivers each room's
   * `presence` batch (at most one per REALTIME_PRESENCE_INTERVAL_MS) to the
   * room's members.
   *
   * @example
   * const presence = this.presenceRegistry.track(server, (event) =>
   *   server.to(roomKey(event.roomId)).emit('presence', event),
   * );
   */
  track(
    namespace: QueryableNamespace,
    send: (event: PresenceEvent) => void,
  ): PresenceTracker {
    const tracker = new PresenceTracker(namespace, send, this, this.intervalMs);
    this.trackers.set(namespace, tracker);
    return tracker;
  }

  /** The tracker of a namespace, when its gateway was declared with `presence: true`. */
  trackerOf(namespace: object): PresenceTracker | undefined {
    return this.trackers.get(namespace);
  }

  /** Whether the instance drains: its sockets are leaving, but their users are not. */
  get draining(): boolean {
    return this.lifecycle.draining;
  }

  /** Whether REDIS_URL is set, so presence (and readiness) depend on Redis. */
  get usesRedis(): boolean {
    return this.config !== undefined;
  }

  /** The Redis connection while it is usable (trackers, readiness check). */
  connection(): RealtimeRedis | undefined {
    return this.redis?.status === 'ready' ? this.redis : undefined;
  }

  async onModuleInit(): Promise<void> {
    if (this.config === undefined) {
      return;
    }
    const { RealtimeRedis } = await loadRedisClient();
    const redis = RealtimeRedis.publisher(this.config.url, 'realtime:presence');
    try {
      await redis.ready();
    } catch (error) {
      await redis.close();
      throw error;
    }
    this.redis = redis;
  }

  onApplicationBootstrap(): void {
    if (this.redis !== undefined) {
      this.schedule(0);
    }
  }

  async onModuleDestroy(): Promise<void> {
    // The heartbeat key is left to expire: it gives the users of this instance
    // the TTL to reconnect elsewhere before survivors announce them offline.
    this.stopped = true;
    clearTimeout(this.timer);
    this.trackers.forEach((tracker) => tracker.stop());
    await this.running;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.close();
    this.redis = undefined;
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.running = this.beat().finally(() => {
        this.running = undefined;
        if (!this.stopped && this.config !== undefined) {
          this.schedule(this.config.presenceTtlMs / 3);
        }
      });
    }, delayMs);
    // The HTTP server keeps the app alive; this timer alone must not.
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    const redis = this.connection();
    // While Redis is down the client already logged it; try again next time.
    if (redis === undefined || this.config === undefined) {
      return;
    }
    try {
      await redis.set(
        presenceKeys.instance(this.instanceId),
        '1',
        'PX',
        this.config.presenceTtlMs,
      );
      for (const tracker of this.trackers.values()) {
        await tracker.heartbeat(redis, this.instanceId);
        // Also retries the checks that failed while Redis was down.
        await tracker.sweep(redis, this.instanceId);
      }
    } catch (error) {
      if (this.connection() !== undefined) {
        logger.error('Presence heartbeat failed', errorTrace(error));
      }
    }
  }
}
