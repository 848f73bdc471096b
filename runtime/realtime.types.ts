/** What the auth middleware stores on `socket.data` after a successful handshake. */
export interface SocketData {
  userId: string;
  /** Token expiry in epoch milliseconds; `refreshToken` moves it later. */
  tokenExpiresAt: number;
}

// The wire types live in the contract, which clients import too.
export type {
  RealtimeClientEvents,
  RealtimeServerEvents,
  RefreshTokenAck,
  ServerShutdownEvent,
} from './realtime.contract.js';
