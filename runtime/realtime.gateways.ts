import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Namespace, Socket } from 'socket.io';
import { errorTrace } from './error-trace.js';
import { PresenceRegistry, type PresenceTracker } from './presence.registry.js';
import { RealtimeAdmission } from './realtime.admission.js';
import { RealtimeAuthPolicy } from './realtime.auth-policy.js';
import { RealtimeAuth } from './realtime.auth.js';
import type { RealtimeGatewayBehaviour } from './realtime.gateway.js';
import { RealtimeLifecycle } from './realtime.lifecycle.js';
import { RealtimeMetrics } from './realtime.metrics.js';
import { roomKey, userRoom } from './realtime.rooms.js';
import { RealtimeSettings } from './realtime.settings.js';
import type { RefreshTokenAck, SocketData } from './realtime.types.js';
import {
  createWsAuthMiddleware,
  refreshSocketToken,
} from './ws-auth.middleware.js';

const logger = new Logger('RealtimeGateways');

/** What the realtime adapter adds to a socket.io server it created. */
export interface ServerProtection {
  /** Lets clients send binary attachments to the namespace of this name. */
  acceptBinary(namespace: string): void;
}

type AuthenticatedSocket = Socket<
  Record<string, never>,
  Record<string, never>,
  Record<string, never>,
  SocketData
>;

/**
 * Attaches the runtime to every realtime gateway's namespace, once, when
 * Nest initialises the gateway (`@RealtimeGateway` calls {@link serve} from
 * its afterInit): token authentication with the app's RealtimeAuthPolicy and
 * the handshake limits, metrics, the shutdown drain, the room of each user,
 * and presence where the gateway asked for it. Event limits and the parser's
 * checks come from RealtimeIoAdapter; a namespace served by another adapter
 * keeps its authentication, and startup fails on it in production and warns
 * about it elsewhere.
 */
@Injectable()
export class RealtimeGateways implements OnApplicationBootstrap {
  private readonly protections = new WeakMap<object, ServerProtection>();
  private readonly unprotected = new Set<string>();
  /** What each served namespace was served with: two gateways may share one. */
  private readonly served = new WeakMap<Namespace, RealtimeGatewayBehaviour>();
  /** Gateways of one namespace that ask for different wiring; startup fails on them. */
  private readonly conflicts: string[] = [];

  constructor(
    private readonly auth: RealtimeAuth,
    private readonly policy: RealtimeAuthPolicy,
    private readonly admission: RealtimeAdmission,
    private readonly metrics: RealtimeMetrics,
    private readonly lifecycle: RealtimeLifecycle,
    private readonly presence: PresenceRegistry,
    private readonly settings: RealtimeSettings,
  ) {}

  /** Called by RealtimeIoAdapter for every socket.io server it creates. */
  protect(server: object, protection: ServerProtection): void {
    this.protections.set(server, protection);
  }

  /** Wires one gateway's namespace; see the class. */
  serve(namespace: Namespace, behaviour: RealtimeGatewayBehaviour): void {
    const earlier = this.served.get(namespace);
    if (earlier !== undefined) {
      const conflict = behaviourConflict(namespace.name, earlier, behaviour);
      if (conflict !== undefined) {
        this.conflicts.push(conflict);
      }
      return;
    }
    this.served.set(namespace, behaviour);
    const protection = this.protections.get(namespace.server);
    if (protection === undefined) {
      this.unprotected.add(namespace.name);
    } else if (behaviour.binaryAttachments === true) {
      protection.acceptBinary(namespace.name);
    }
    namespace.use(
      createWsAuthMiddleware({
        auth: this.auth,
        policy: this.policy,
        admission: this.admission,
        observer: this.metrics.observe(namespace),
      }),
    );
    this.lifecycle.serve(namespace);
    const tracker =
      behaviour.presence === true
        ? this.presence.track(namespace, (event) =>
            // To the room's members only, at most one batch per interval.
            namespace.to(roomKey(event.roomId)).emit('presence', event),
          )
        : undefined;
    // Registered before Nest's own connection handler, so handleConnection
    // sees the socket in its user's room.
    namespace.on('connection', (socket: AuthenticatedSocket) =>
      this.connected(socket, tracker),
    );
  }

  /** Answers `refreshToken` for every realtime gateway. */
  refreshToken(
    socket: Pick<AuthenticatedSocket, 'data' | 'handshake'>,
    token: string,
  ): Promise<RefreshTokenAck> {
    return refreshSocketToken(
      { auth: this.auth, policy: this.policy },
      socket,
      token,
    );
  }

  onApplicationBootstrap(): void {
    // Thrown here rather than from afterInit, where Nest would report it as unhandled.
    if (this.conflicts.length > 0) {
      throw new Error(this.conflicts.join('\n'));
    }
    if (this.unprotected.size === 0) {
      return;
    }
    const problem =
      `Realtime gateways on ${[...this.unprotected].join(', ')} run on another WebSocket adapter, ` +
      'so the browser origin check, event rate limits and flood disconnects, the size and packet limits ' +
      'checked before parsing, the refusal of binary attachments, the connect timeout, the slow-reader ' +
      'bound and event metrics are off (authentication, the handshake limits and payload validation hold). ' +
      'Call `await useRealtimeAdapter(app)` after NestFactory.create() in main.ts instead of ' +
      '`app.useWebSocketAdapter(...)`; it relays through Redis when REDIS_URL is set. An adapter of your ' +
      "own must extend RealtimeIoAdapter (or RedisIoAdapter from 'nest-realtime/redis'). " +
      'Tests: createRealtimeTestingApp from nest-realtime/testing.';
    if (this.settings.production) {
      throw new Error(
        `${problem} The app does not start so with NODE_ENV=production.`,
      );
    }
    logger.warn(`${problem} With NODE_ENV=production the app would not start.`);
  }

  private connected(
    socket: AuthenticatedSocket,
    tracker: PresenceTracker | undefined,
  ): void {
    // Follows the socket until it disconnects.
    tracker?.connected(socket);
    // Every socket of a user shares this room: a push to the user reaches all
    // their tabs and devices, on every instance.
    Promise.resolve(socket.join(userRoom(socket.data.userId))).catch(
      (error: unknown) => {
        logger.error('Could not join the user room', errorTrace(error));
        socket.disconnect(true);
      },
    );
  }
}

/**
 * Gateways that share a namespace share its wiring (one authentication, one
 * presence tracker), so they must ask for the same; what differs, if anything.
 */
function behaviourConflict(
  namespace: string,
  earlier: RealtimeGatewayBehaviour,
  later: RealtimeGatewayBehaviour,
): string | undefined {
  const differs = (['presence', 'binaryAttachments'] as const).filter(
    (option) => (earlier[option] ?? false) !== (later[option] ?? false),
  );
  return differs.length === 0
    ? undefined
    : `The @RealtimeGateway classes of ${namespace} differ in ${differs.join(' and ')}: ` +
        'gateways sharing a namespace share its wiring, so give each the same options.';
}
