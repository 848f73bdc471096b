/**
 * What every gateway's clients see on the wire: error codes and payloads, and
 * the events all gateways share. No server imports, so a frontend can import
 * this file (and each feature's `*.events.ts`) to type `socket.io-client`.
 */

/**
 * Machine-readable code of every error a client receives. Clients switch on
 * the code; the message is for people and may change.
 *
 * @example
 * const ack = await socket.emitWithAck('joinRoom', { roomId });
 * if (ack.status === 'error' && ack.code === RealtimeErrorCode.RateLimited) {
 *   setTimeout(retry, ack.retryAfterMs);
 * }
 */
export const RealtimeErrorCode = {
  /** The payload failed validation; `fields` says which field and why. */
  ValidationFailed: 'VALIDATION_FAILED',
  /** The event is malformed in a way no field explains (e.g. a handler's own check). */
  BadRequest: 'BAD_REQUEST',
  /** No valid token, or the token expired. */
  Unauthorized: 'UNAUTHORIZED',
  /** Authenticated, but not allowed to do this (e.g. send to a room not joined). */
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  /** Too many events; `retryAfterMs` says when to try again. */
  RateLimited: 'RATE_LIMITED',
  /** A size or count limit: payload shape, rooms per socket, sockets per user. */
  LimitExceeded: 'LIMIT_EXCEEDED',
  /** The server failed; nothing about the cause is disclosed. */
  Internal: 'INTERNAL',
} as const;

export type RealtimeErrorCode =
  (typeof RealtimeErrorCode)[keyof typeof RealtimeErrorCode];

/** One invalid field of a payload, with class-validator's constraint messages. */
export interface FieldError {
  /** Dotted path of the field, e.g. `content` or `items[2].name`. */
  field: string;
  /** Constraint name to message, e.g. `{ isLength: 'content must be …' }`. */
  constraints: Record<string, string>;
}

/**
 * What a client receives for a failed event: as the ack when it sent one,
 * otherwise as the `exception` event. Never both.
 */
export interface ErrorPayload {
  status: 'error';
  code: RealtimeErrorCode;
  message: string;
  fields?: FieldError[];
  /** With RATE_LIMITED: milliseconds before the client may try again. */
  retryAfterMs?: number;
}

/** Sent to every client of this instance before it shuts down. */
export interface ServerShutdownEvent {
  message: string;
  /** Milliseconds to wait before reconnecting. */
  retryAfter: number;
}

/**
 * The `presence` event: who joined, left or went offline in one room since
 * the last batch. Sent to the room's members only.
 */
export interface PresenceEvent {
  roomId: string;
  joined: string[];
  /** Left the room; still connected. */
  left: string[];
  /** Left the room because their last socket anywhere disconnected. */
  offline: string[];
}

/** Payload of `refreshToken`: the socket's new token. */
export interface RefreshTokenPayload {
  token: string;
}

/** The ack of `refreshToken`. */
export interface RefreshTokenAck {
  status: 'refreshed';
  /** The socket's token expiry from now on, in epoch milliseconds. */
  expiresAt: number;
}

/** Events every gateway may emit, whatever its feature. */
export interface RealtimeServerEvents {
  /** An error of an event the client sent without an ack, or a notice before a forced disconnect. */
  exception: (payload: ErrorPayload) => void;
  /** This instance is shutting down: reconnect (to another instance) after `retryAfter`. */
  serverShutdown: (event: ServerShutdownEvent) => void;
}

/** Events every gateway handles, whatever its feature. */
export interface RealtimeClientEvents {
  /** Swaps the socket's token for a newer one of the same user, before it expires. */
  refreshToken: (
    payload: RefreshTokenPayload,
    ack: (response: RefreshTokenAck | ErrorPayload) => void,
  ) => void;
}
