import { Injectable } from '@nestjs/common';
import { fetchUserSockets, type QueryableNamespace } from './cluster-query.js';
import { PresenceRegistry } from './presence.registry.js';
import { assertRoomAvailable } from './realtime.admission.js';
import { RealtimeErrorCode, RealtimeException } from './realtime.errors.js';
import { roomIdOf, roomKey, topicRoom, userRoom } from './realtime.rooms.js';
import { RealtimeSettings } from './realtime.settings.js';
import type { SocketData } from './realtime.types.js';

/** The part of a socket rooms use, so any gateway's typed socket fits. */
export interface RoomMember {
  readonly nsp: object;
  readonly connected: boolean;
  readonly data: Pick<SocketData, 'userId'>;
  readonly rooms: ReadonlySet<string>;
  join(room: string): Promise<void> | void;
  leave(room: string): Promise<void> | void;
  once(event: 'disconnecting', listener: () => void): unknown;
}

/**
 * Rooms and topics a client chooses, kept apart from the server's own rooms
 * (`user:<id>`) so no client can name one, within the per-connection cap
 * (`maxRoomsPerSocket`), with the gateway's presence told of every change.
 * Also answers where a user is, across every instance.
 *
 * @example
 * await this.rooms.join(client, roomId);
 * client.to(this.rooms.key(roomId)).emit('newMessage', message);
 */
@Injectable()
export class RealtimeRooms {
  constructor(
    private readonly settings: RealtimeSettings,
    private readonly presence: PresenceRegistry,
  ) {}

  /** The Socket.IO room of a client-chosen room id, e.g. `room:general`. */
  key(roomId: string): string {
    return roomKey(roomId);
  }

  /** The room every socket of one user is in, on every instance. */
  user(userId: string): string {
    return userRoom(userId);
  }

  /** The room of a notification topic, e.g. `topic:orders/42`. */
  topic(topic: string): string {
    return topicRoom(topic);
  }

  isMember(socket: Pick<RoomMember, 'rooms'>, roomId: string): boolean {
    return socket.rooms.has(roomKey(roomId));
  }

  /**
   * Puts the socket in a room; refused with LIMIT_EXCEEDED beyond the room
   * cap. The room's members hear of a user new to it in the next `presence`
   * batch. Joining a room twice changes nothing.
   */
  async join(socket: RoomMember, roomId: string): Promise<void> {
    const room = roomKey(roomId);
    if (socket.rooms.has(room)) {
      return;
    }
    assertRoomAvailable(socket, this.settings.limits.maxRoomsPerSocket);
    await socket.join(room);
    this.presence.trackerOf(socket.nsp)?.joined(socket, roomId);
  }

  /** Takes the socket out of a room; its members hear of it once the user's last socket left it. */
  async leave(socket: RoomMember, roomId: string): Promise<void> {
    const room = roomKey(roomId);
    if (!socket.rooms.has(room)) {
      return;
    }
    await socket.leave(room);
    this.presence.trackerOf(socket.nsp)?.left(socket, roomId);
  }

  /**
   * Subscribes the socket to a topic once `allowed` (the app's policy) says
   * yes; refused with FORBIDDEN otherwise, and with LIMIT_EXCEEDED beyond the
   * room cap, checked first so a client at its cap costs the policy nothing.
   */
  async subscribe(
    socket: RoomMember,
    topic: string,
    allowed: () => boolean | Promise<boolean>,
  ): Promise<void> {
    const room = topicRoom(topic);
    if (socket.rooms.has(room)) {
      return;
    }
    assertRoomAvailable(socket, this.settings.limits.maxRoomsPerSocket);
    if (!(await allowed())) {
      throw new RealtimeException(
        RealtimeErrorCode.Forbidden,
        `Not allowed to subscribe to ${topic}`,
      );
    }
    // The policy may take a while; a socket that disconnected meanwhile must
    // not be put back in a room it would never leave.
    if (socket.connected) {
      await socket.join(room);
    }
  }

  async unsubscribe(socket: RoomMember, topic: string): Promise<void> {
    await socket.leave(topicRoom(topic));
  }

  /**
   * Whether the user has a socket in the namespace on any instance. Rejects
   * with ClusterQueryTimeoutError when an instance does not answer in time.
   */
  async isOnline(
    namespace: QueryableNamespace,
    userId: string,
  ): Promise<boolean> {
    const sockets = await fetchUserSockets(namespace, [userId]);
    return sockets.length > 0;
  }

  /**
   * The rooms the user's sockets joined in the namespace on any instance,
   * sorted. Rejects with ClusterQueryTimeoutError when an instance does not
   * answer in time.
   */
  async roomsOf(
    namespace: QueryableNamespace,
    userId: string,
  ): Promise<string[]> {
    const sockets = await fetchUserSockets(namespace, [userId]);
    const roomIds = new Set<string>();
    for (const socket of sockets) {
      for (const room of socket.rooms) {
        const roomId = roomIdOf(room);
        if (roomId !== undefined) {
          roomIds.add(roomId);
        }
      }
    }
    return [...roomIds].sort();
  }
}
