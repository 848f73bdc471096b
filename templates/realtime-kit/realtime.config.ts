import { Logger } from '@nestjs/common';
import type { GatewayMetadata } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';

/** Signing secret used outside production when JWT_SECRET is unset. */
export const DEV_JWT_SECRET = 'dev-only-insecure-jwt-secret-change-me';

const logger = new Logger('Realtime');

/** The environment variable that lists the browser origins allowed to connect, comma-separated. */
export const CORS_ORIGINS_VARIABLE = 'CORS_ORIGINS';

/** The browser origins CORS_ORIGINS allows, read per call. */
export function allowedOrigins(): string[] {
  return (process.env[CORS_ORIGINS_VARIABLE] ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin.length > 0);
}

/**
 * Whether the app runs in production. Read loosely (`Production`, a stray
 * space), since a production app mistaken for a development one would accept
 * the public development secret and serve the playground.
 */
export function isProduction(
  env: Record<string, string | undefined> = process.env,
): boolean {
  return (env.NODE_ENV ?? '').trim().toLowerCase() === 'production';
}

/** Set to 1 to serve the socket playground at /realtime/playground; never served in production. */
export const PLAYGROUND_VARIABLE = 'REALTIME_PLAYGROUND';

/** Whether REALTIME_PLAYGROUND asks for the playground (`1` or `true`). */
export function playgroundRequested(
  env: Record<string, string | undefined> = process.env,
): boolean {
  return ['1', 'true'].includes(
    (env[PLAYGROUND_VARIABLE] ?? '').trim().toLowerCase(),
  );
}

/** Whether the socket playground is served: asked for, and not in production. */
export function playgroundEnabled(
  env: Record<string, string | undefined> = process.env,
): boolean {
  return playgroundRequested(env) && !isProduction(env);
}

const LOOPBACK_HOSTNAMES = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Whether the socket playground answers a request sent to `host` (its Host
 * header, `name:port`): a loopback host, or one whose origin CORS_ORIGINS
 * lists. Any other name may be a DNS-rebinding site that resolves to this
 * machine, so it gets neither the page nor a socket.
 */
export function playgroundHostAllowed(host: string): boolean {
  const lowered = host.toLowerCase();
  const origins = allowedOrigins();
  return (
    LOOPBACK_HOSTNAMES.includes(lowered.replace(/:\d+$/, '')) ||
    origins.includes(`http://${lowered}`) ||
    origins.includes(`https://${lowered}`)
  );
}

/**
 * Whether a handshake may go on, given its Origin and Host headers. Non-browser
 * clients send no Origin and authenticate with the token alone; a browser page
 * needs its origin in CORS_ORIGINS, or, while the playground is served, to be
 * the playground's own page: same origin as the request, on a host the
 * playground answers (any port, so a mapped container port needs no setting).
 */
function handshakeOriginAllowed(
  origin: string | undefined,
  host: string | undefined,
): boolean {
  if (origin === undefined || allowedOrigins().includes(origin)) {
    return true;
  }
  return (
    playgroundEnabled() &&
    host !== undefined &&
    origin.toLowerCase() === `http://${host.toLowerCase()}` &&
    playgroundHostAllowed(host)
  );
}

// Browsers do not apply CORS to WebSocket upgrades, so the handshake itself
// must fail; merely omitting the CORS headers would let any site connect.
function allowHandshake(
  request: IncomingMessage,
  callback: (error: string | null, success: boolean) => void,
): void {
  const { origin, host } = request.headers;
  if (handshakeOriginAllowed(origin, host)) {
    callback(null, true);
    return;
  }
  callback(`Origin ${origin ?? ''} is not allowed`, false);
}

// CORS headers for the origins CORS_ORIGINS lists (read per request, so a
// value set after this file is imported still applies); allowHandshake refuses.
function corsOrigin(
  origin: string | undefined,
  callback: (error: Error | null, allow?: boolean) => void,
): void {
  callback(null, origin !== undefined && allowedOrigins().includes(origin));
}

/** Time clients get to act on `serverShutdown` before their sockets close. */
export const SHUTDOWN_NOTICE_MS = 300;
// When clients should reconnect after `serverShutdown`: see realtime.shutdown.ts.
export { SHUTDOWN_RETRY_AFTER_MS } from './realtime.shutdown.js';

/**
 * socket.io server options for every gateway. All gateways on one port share
 * one socket.io server, which RealtimeIoAdapter (and so RedisIoAdapter)
 * creates with these options: a gateway declares only its namespace, and
 * options a gateway passes itself take precedence for the whole server.
 *
 * @example
 * @WebSocketGateway({ namespace: '/orders' })
 */
export const REALTIME_SERVER_OPTIONS: Readonly<GatewayMetadata> = {
  transports: ['websocket'],
  pingInterval: 25_000,
  pingTimeout: 20_000,
  // Chat-sized payloads fit in a few KiB; socket.io's 1 MB default lets every
  // client make the server buffer far more per message.
  maxHttpBufferSize: 64 * 1024,
  cors: { origin: corsOrigin, credentials: true },
  allowRequest: allowHandshake,
};

/**
 * Returns the HS256 secret for socket tokens. Outside production a missing
 * JWT_SECRET falls back to {@link DEV_JWT_SECRET} with a warning; in production
 * it is a startup error, since tokens signed with a public secret can be forged.
 */
export function resolveJwtSecret(
  env: Record<string, string | undefined> = process.env,
): string {
  const secret = env.JWT_SECRET ?? '';
  if (secret.trim() !== '' && secret !== DEV_JWT_SECRET) {
    return secret;
  }
  if (isProduction(env)) {
    throw new Error(
      'JWT_SECRET is not set (or is the development default). Set JWT_SECRET to a strong random secret before starting in production.',
    );
  }
  logger.warn(
    'JWT_SECRET is not set; using the insecure development secret. Set JWT_SECRET before deploying.',
  );
  return DEV_JWT_SECRET;
}
