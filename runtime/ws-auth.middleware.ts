import { Logger } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { errorTrace } from './error-trace.js';
import type {
  ConnectingSocket,
  RealtimeAdmission,
} from './realtime.admission.js';
import type {
  RealtimeAuthPolicy,
  RealtimeHandshake,
} from './realtime.auth-policy.js';
import {
  RealtimeAuth,
  TokenRejected,
  type VerifiedToken,
} from './realtime.auth.js';
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

const logger = new Logger('RealtimeAuth');

/** What authenticating a socket takes: the verifier and the app's policy. */
export interface SocketAuthentication {
  auth: RealtimeAuth;
  policy: RealtimeAuthPolicy;
}

/** What the handshake middleware also takes: the limits it applies and where it reports refusals. */
export interface HandshakeAuthentication extends SocketAuthentication {
  /** Applies the handshake rate and the sockets-per-user cap. */
  admission: RealtimeAdmission;
  /** Counts refusals by reason (RealtimeMetrics). */
  observer: HandshakeObserver;
}

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

/**
 * The user the app's policy makes of a verified token. Its refusals keep
 * their code; a policy that fails otherwise, or names no user, is the
 * server's fault (INTERNAL), logged.
 */
async function identify(
  policy: RealtimeAuthPolicy,
  { claims }: VerifiedToken,
  handshake: RealtimeHandshake,
): Promise<string> {
  let userId: unknown;
  try {
    ({ userId } = await policy.authenticate(claims, handshake));
  } catch (error) {
    if (error instanceof RealtimeException) {
      throw error;
    }
    logger.error('The auth policy failed', errorTrace(error));
    throw new RealtimeException(
      RealtimeErrorCode.Internal,
      'Internal server error',
    );
  }
  if (typeof userId !== 'string' || userId === '') {
    logger.error(
      `${policy.constructor.name}.authenticate returned no userId for a token of ${claims.sub}`,
    );
    throw new RealtimeException(
      RealtimeErrorCode.Internal,
      'Internal server error',
    );
  }
  return userId;
}

function refusalOf(error: unknown): unknown {
  if (error instanceof TokenRejected) {
    return new HandshakeRefused(error.reason, error.code, error.message);
  }
  if (error instanceof RealtimeException) {
    return new HandshakeRefused('refused_by_policy', error.code, error.message);
  }
  return error;
}

async function authenticate(
  { auth, policy }: SocketAuthentication,
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
  const verified = await auth.verify(token);
  const userId = await identify(policy, verified, socket.handshake);
  // A session resumed by connection state recovery arrives with its old data
  // and rooms; only the user it belonged to may take it over.
  const sessionUserId = socket.data.userId;
  if (sessionUserId !== undefined && sessionUserId !== userId) {
    throw new HandshakeRefused(
      'session_belongs_to_another_user',
      RealtimeErrorCode.Unauthorized,
      'Unauthorized: session belongs to another user',
    );
  }
  socket.data.userId = userId;
  socket.data.tokenExpiresAt = verified.expiresAt;
}

/**
 * socket.io middleware that authenticates the handshake with a JWT taken from
 * `auth.token` or an `Authorization: Bearer` header, then asks the app's
 * RealtimeAuthPolicy who the user is. A refused client gets `connect_error`
 * (with `data.code` from RealtimeErrorCode) and never connects, so gateway
 * code only sees authenticated sockets. It first applies the handshake rate
 * per client address and, once the user is known, the sockets-per-user cap.
 * With connection state recovery it must also run for resumed sessions
 * (`skipMiddlewares: false`, as RedisIoAdapter sets it).
 * RealtimeGateways installs it on every realtime gateway's namespace.
 */
export function createWsAuthMiddleware(
  authentication: HandshakeAuthentication,
): (socket: HandshakingSocket, next: Next) => void {
  const { admission, observer } = authentication;
  return (socket, next) => {
    const admitted = async (): Promise<void> => {
      await admission.admitHandshake(socket.handshake);
      await authenticate(authentication, socket).catch((error: unknown) => {
        throw refusalOf(error);
      });
      admission.admitUserSocket(socket);
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
        observer.connectionRefused(refusal.reason);
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
 * token that fails verification or the policy, or names another user, is
 * refused (`UNAUTHORIZED`, the policy's code, or `FORBIDDEN`), and the socket
 * keeps its current expiry. Every realtime gateway handles `refreshToken`
 * with it.
 */
export async function refreshSocketToken(
  { auth, policy }: Pick<SocketAuthentication, 'auth' | 'policy'>,
  socket: { data: Partial<SocketData>; handshake: RealtimeHandshake },
  token: string,
): Promise<RefreshTokenAck> {
  const verified = await auth.verify(token).catch((error: unknown) => {
    throw error instanceof TokenRejected
      ? new RealtimeException(error.code, error.message)
      : error;
  });
  const userId = await identify(policy, verified, socket.handshake);
  if (userId !== socket.data.userId) {
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
