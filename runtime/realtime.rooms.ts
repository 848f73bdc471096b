const ROOM_PREFIX = 'room:';
const TOPIC_PREFIX = 'topic:';

/** Room holding every socket of one user, across tabs, devices and instances. */
export function userRoom(userId: string): `user:${string}` {
  return `user:${userId}`;
}

/** Room for a client-chosen id, prefixed so it can never name a server room such as `user:<id>`. */
export function roomKey(roomId: string): `room:${string}` {
  return `${ROOM_PREFIX}${roomId}`;
}

/**
 * The client-chosen id of a room made by {@link roomKey}, or undefined for any
 * other room (socket ids, user rooms).
 *
 * @example
 * roomIdOf('room:general'); // 'general'
 * roomIdOf('user:alice'); // undefined
 */
export function roomIdOf(room: string): string | undefined {
  return room.startsWith(ROOM_PREFIX)
    ? room.slice(ROOM_PREFIX.length)
    : undefined;
}

/**
 * Room of a notification topic a client subscribed to, prefixed apart from
 * client-chosen rooms and server rooms such as `user:<id>`.
 */
export function topicRoom(topic: string): `topic:${string}` {
  return `${TOPIC_PREFIX}${topic}`;
}

/**
 * Whether a client chose this room (a {@link roomKey} room or a
 * {@link topicRoom} topic): what the rooms-per-connection limit counts.
 *
 * @example
 * isClientChosenRoom('topic:orders/42'); // true
 * isClientChosenRoom('user:alice'); // false
 */
export function isClientChosenRoom(room: string): boolean {
  return room.startsWith(ROOM_PREFIX) || room.startsWith(TOPIC_PREFIX);
}
