import { Logger } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { errorTrace } from './error-trace.js';
import { admissionFor, type ConnectingSocket } from './realtime.admission.js';
import { RealtimeAuth, TokenRejected } from './realtime.auth.js';
import {
  HandshakeRefused,
  RealtimeErrorCode,
  RealtimeException,
  type ErrorPayload,
} from './realtime.errors.js';
import type { HandshakeObserver } from './realtime.metrics.js';
import type { RefreshTokenAck, SocketData } from './realtime.types.js';

/** The part of a socket the middleware touches, so any gateway's typed socket fits. */
interface HandshakingSocket extends ConnectingSocket {
  emit(event: 'exception', payload: ErrorPayload): boolean;
  disconnect(close: boolean): unknown;
}

type Next = (error?: Error) => void;

const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

const logger = new Logger('WsAuthMiddleware');

function internalError(): HandshakeRefused {
  return new HandshakeRefused(
    'error',
    RealtimeErrorCode.Internal,
    'Internal server error',
  );
}

function extractToken(handshake: Socket['handshake']): string | undefined {
  const authToken: unknown = handshake.auth.token;
  if (typeof authToken === 'string' && authToken !== '') {
    return authToken;
  }
  const match = /^Bearer\s+(\S+)$/i.exec(handshake.headers.authorization ?? '');
  return match?.[1];
}

async function authenticate(
  auth: RealtimeAuth,
  socket: HandshakingSocket,
): Promise<void> {
  const token = extractToken(socket.handshake);
  if (token === undefined) {
    throw new HandshakeRefused(
      'missing_token',
      RealtimeErrorCode.Unauthorized,
      'Unauthorized: missing token',
    );
  }
  const verified = await auth.verify(token).catch((error: unknown) => {
    throw error instanceof TokenRejected
      ? new HandshakeRefused(error.reason, error.code, error.message)
      : error;
  });
  // A session resumed by connection state recovery arrives with its old data
  // and rooms; only the user it belonged to may take it over.
  const sessionUserId = socket.data.userId;
  if (sessionUserId !== undefined && sessionUserId !== verified.userId) {
    throw new HandshakeRefused(
      'session_belongs_to_another_user',
      RealtimeErrorCode.Unauthorized,
      'Unauthorized: session belongs to another user',
    );
  }
  socket.data.userId = verified.userId;
  socket.data.tokenExpiresAt = verified.expiresAt;
}

/**
 * socket.io middleware that authenticates the handshake with a JWT taken from
 * `auth.token` or an `Authorization: Bearer` header. A refused client gets
 * `connect_error` (with `data.code` from RealtimeErrorCode) and never
 * connects, so gateway code only sees authenticated sockets. With the kit's
 * adapter it first applies the handshake rate per client address and, once
 * the user is known, the sockets-per-user cap.
 * With connection state recovery it must also run for resumed sessions
 * (`skipMiddlewares: false`, as RedisIoAdapter sets it). Refusals are
 * reported to `observer` (RealtimeMetrics counts them) when one is given.
 *
 * @example
 * afterInit(server: OrdersServer) {
 *   server.use(createWsAuthMiddleware(this.auth, this.metrics.observe(server)));
 * }
 */
export function createWsAuthMiddleware(
  auth: RealtimeAuth,
  observer?: HandshakeObserver,
): (socket: HandshakingSocket, next: Next) => void {
  return (socket, next) => {
    const admission = admissionFor(socket.nsp);
    const admitted = async (): Promise<void> => {
      await admission?.admitHandshake(socket.handshake);
      await authenticate(auth, socket);
      admission?.admitUserSocket(socket);
    };
    admitted().then(
      () => {
        disconnectOnExpiry(socket);
        next();
      },
      (error: unknown) => {
        if (!(error instanceof HandshakeRefused)) {
          logger.error('Handshake failed unexpectedly', errorTrace(error));
        }
        const refusal =
          error instanceof HandshakeRefused ? error : internalError();
        observer?.connectionRefused(refusal.reason);
        next(refusal);
      },
    );
  };
}

/**
 * Ends the connection when its token expires: the per-event guard alone would
 * still let an expired socket receive room and user events. The timer reads
 * `tokenExpiresAt` when it fires, so a refreshed token keeps the socket.
 */
function disconnectOnExpiry(socket: HandshakingSocket): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = (): void => {
    const delay = (socket.data.tokenExpiresAt ?? 0) - Date.now();
    if (delay > 0) {
      // setTimeout fires at once beyond its maximum delay; wait in steps.
      timer = setTimeout(check, Math.min(delay, MAX_TIMER_DELAY_MS));
      return;
    }
    socket.emit('exception', {
      status: 'error',
      code: RealtimeErrorCode.Unauthorized,
      message: 'Unauthorized: token expired',
    });
    socket.disconnect(true);
  };
  check();
  socket.once('disconnect', () => clearTimeout(timer));
}

/**
 * Replaces a connected socket's token with a newer one for the same user, so
 * a long-lived connection outlives its first token without reconnecting. A
 * token that fails verification or names another user is refused with
 * `UNAUTHORIZED` or `FORBIDDEN`, and the socket keeps its current expiry.
 *
 * @example
 * @SubscribeMessage('refreshToken')
 * refreshToken(
 *   @MessageBody(wsValidationPipe) { token }: RefreshTokenDto,
 *   @ConnectedSocket() client: OrdersSocket,
 * ): Promise<RefreshTokenAck> {
 *   return refreshSocketToken(this.auth, client, token);
 * }
 */
export async function refreshSocketToken(
  auth: RealtimeAuth,
  socket: { data: Partial<SocketData> },
  token: string,
): Promise<RefreshTokenAck> {
  const verified = await auth.verify(token).catch((error: unknown) => {
    throw error instanceof TokenRejected
      ? new RealtimeException(error.code, error.message)
      : error;
  });
  if (verified.userId !== socket.data.userId) {
    throw new RealtimeException(
      RealtimeErrorCode.Forbidden,
      'Forbidden: the token belongs to another user; reconnect to switch users',
    );
  }
  socket.data.tokenExpiresAt = Math.max(
    verified.expiresAt,
    socket.data.tokenExpiresAt ?? 0,
  );
  return { status: 'refreshed', expiresAt: socket.data.tokenExpiresAt };
}
