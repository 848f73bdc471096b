import { WsException } from '@nestjs/websockets';
import { RealtimeErrorCode, type ErrorPayload } from './realtime.contract.js';

// Clients import these from the contract; server code may keep importing them from here.
export {
  RealtimeErrorCode,
  type ErrorPayload,
  type FieldError,
} from './realtime.contract.js';

type ErrorDetails = Pick<ErrorPayload, 'fields' | 'retryAfterMs'>;

/**
 * A WsException with a code. Throw it from handlers, guards and pipes; the
 * runtime's filter sends its payload to the client.
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
