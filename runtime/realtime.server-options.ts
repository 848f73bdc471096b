import type { GatewayMetadata } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type { RealtimeSettings } from './realtime.settings.js';

const LOOPBACK_HOSTNAMES = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Whether the socket playground answers a request sent to `host` (its Host
 * header, `name:port`): a loopback host, or one whose origin the app's CORS
 * origins list. Any other name may be a DNS-rebinding site that resolves to
 * this machine, so it gets neither the page nor a socket.
 */
export function playgroundHostAllowed(
  host: string,
  settings: Pick<RealtimeSettings, 'allowedOrigins'>,
): boolean {
  const lowered = host.toLowerCase();
  return (
    LOOPBACK_HOSTNAMES.includes(lowered.replace(/:\d+$/, '')) ||
    settings.allowedOrigins.includes(`http://${lowered}`) ||
    settings.allowedOrigins.includes(`https://${lowered}`)
  );
}

/**
 * Whether a handshake may go on, given its Origin and Host headers. Non-browser
 * clients send no Origin and authenticate with the token alone; a browser page
 * needs its origin among the allowed ones, or, while the playground is served,
 * to be the playground's own page: same origin as the request, on a host the
 * playground answers (any port, so a mapped container port needs no setting).
 */
export function handshakeOriginAllowed(
  origin: string | undefined,
  host: string | undefined,
  settings: Pick<RealtimeSettings, 'allowedOrigins' | 'playgroundEnabled'>,
): boolean {
  if (origin === undefined || settings.allowedOrigins.includes(origin)) {
    return true;
  }
  return (
    settings.playgroundEnabled &&
    host !== undefined &&
    origin.toLowerCase() === `http://${host.toLowerCase()}` &&
    playgroundHostAllowed(host, settings)
  );
}

/**
 * socket.io server options for every gateway of the app. All gateways on one
 * port share one socket.io server, which RealtimeIoAdapter creates with
 * these options: a gateway declares only its namespace, and options a
 * gateway passes itself take precedence for the whole server.
 */
export function realtimeServerOptions(
  settings: RealtimeSettings,
): Readonly<GatewayMetadata> {
  return {
    transports: ['websocket'],
    pingInterval: 25_000,
    pingTimeout: 20_000,
    // Chat-sized payloads fit in a few KiB; socket.io's 1 MB default lets every
    // client make the server buffer far more per message.
    maxHttpBufferSize: 64 * 1024,
    // CORS headers for the allowed origins; allowRequest refuses the others.
    cors: {
      origin: (
        origin: string | undefined,
        callback: (error: Error | null, allow?: boolean) => void,
      ) =>
        callback(
          null,
          origin !== undefined && settings.allowedOrigins.includes(origin),
        ),
      credentials: true,
    },
    // Browsers do not apply CORS to WebSocket upgrades, so the handshake itself
    // must fail; merely omitting the CORS headers would let any site connect.
    allowRequest: (
      request: IncomingMessage,
      callback: (error: string | null, success: boolean) => void,
    ) => {
      const { origin, host } = request.headers;
      if (handshakeOriginAllowed(origin, host, settings)) {
        callback(null, true);
      } else {
        callback(`Origin ${origin ?? ''} is not allowed`, false);
      }
    },
  };
}
