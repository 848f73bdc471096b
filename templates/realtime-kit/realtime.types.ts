import type { ErrorPayload } from './realtime.errors.js';

/** What the auth middleware stores on `socket.data` after a successful handshake. */
export interface SocketData {
  userId: string;
  /** Token expiry in epoch milliseconds; `refreshToken` moves it later. */
  tokenExpiresAt: number;
}

/** Sent to every client of this instance before it shuts down. */
export interface ServerShutdownEvent {
  message: string;
  /** Milliseconds to wait before reconnecting. */
  retryAfter: number;
}

/** Events every gateway may emit, whatever its feature. */
export interface RealtimeServerEvents {
  /** An error of an event the client sent without an ack, or a notice before a forced disconnect. */
  exception: (payload: ErrorPayload) => void;
  /** This instance is shutting down: reconnect (to another instance) after `retryAfter`. */
  serverShutdown: (event: ServerShutdownEvent) => void;
}

/** The ack of `refreshToken`. */
export interface RefreshTokenAck {
  status: 'refreshed';
  /** The socket's token expiry from now on, in epoch milliseconds. */
  expiresAt: number;
}

/** Events every gateway handles, whatever its feature. */
export interface RealtimeClientEvents {
  /** Swaps the socket's token for a newer one of the same user, before it expires. */
  refreshToken: (
    payload: { token: string },
    ack: (response: RefreshTokenAck | ErrorPayload) => void,
  ) => void;
}
