import { Logger } from '@nestjs/common';
import type { GatewayMetadata } from '@nestjs/websockets';

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

/**
 * The origins the playground page has when opened on this machine, on the
 * app's own port; allowed only while the playground is served.
 */
function playgroundOrigins(): string[] {
  if (!playgroundEnabled()) {
    return [];
  }
  const port = process.env.PORT ?? '3000';
  return ['localhost', '127.0.0.1', '[::1]'].map(
    (host) => `http://${host}:${port}`,
  );
}

// Reads the allowed origins per request so a value set after this file is imported still applies.
function checkOrigin(
  origin: string | undefined,
  callback: (error: Error | null, allow?: boolean) => void,
): void {
  // Non-browser clients send no Origin header; they authenticate with the token alone.
  if (
    origin === undefined ||
    allowedOrigins().includes(origin) ||
    playgroundOrigins().includes(origin)
  ) {
    callback(null, true);
    return;
  }
  // Browsers do not apply CORS to WebSocket upgrades, so the handshake itself
  // must fail; merely omitting the CORS headers would let any site connect.
  callback(new Error(`Origin ${origin} is not allowed`), false);
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
  cors: { origin: checkOrigin, credentials: true },
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
