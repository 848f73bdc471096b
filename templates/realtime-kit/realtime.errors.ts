import { WsException } from '@nestjs/websockets';

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

type ErrorDetails = Pick<ErrorPayload, 'fields' | 'retryAfterMs'>;

/**
 * A WsException with a code. Throw it from handlers, guards and pipes; the
 * kit's filter sends its payload to the client.
 *
 * @example
 * throw new RealtimeException(RealtimeErrorCode.NotFound, `No order ${id}`);
 */
export class RealtimeException extends WsException {
  constructor(
    readonly code: RealtimeErrorCode,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
  }

  toPayload(): ErrorPayload {
    return {
      status: 'error',
      code: this.code,
      message: this.message,
      ...this.details,
    };
  }
}

/** The socket a failed event came from: just what replying to it needs. */
export interface ErrorRecipient {
  emit(event: 'exception', payload: ErrorPayload): unknown;
}

/**
 * Delivers an error exactly once: through the event's ack when the client sent
 * one, otherwise as the `exception` event.
 *
 * @example
 * replyWithError(socket, ack, rateLimited.toPayload());
 */
export function replyWithError(
  socket: ErrorRecipient,
  ack: unknown,
  payload: ErrorPayload,
): void {
  if (typeof ack === 'function') {
    (ack as (response: ErrorPayload) => void)(payload);
  } else {
    socket.emit('exception', payload);
  }
}

/**
 * A refused handshake. socket.io hands the client `message` and `data` in its
 * `connect_error`; `reason` is a short label for logs and metrics.
 *
 * @example
 * socket.on('connect_error', (error) => {
 *   if (error.data?.code === RealtimeErrorCode.RateLimited) {
 *     // back off for error.data.retryAfterMs
 *   }
 * });
 */
export class HandshakeRefused extends Error {
  readonly data: { code: RealtimeErrorCode; retryAfterMs?: number };

  constructor(
    readonly reason: string,
    code: RealtimeErrorCode,
    message: string,
    retryAfterMs?: number,
  ) {
    super(message);
    this.data = retryAfterMs === undefined ? { code } : { code, retryAfterMs };
  }
}
