/**
 * nest-realtime: the server runtime. The app declares RealtimeModule once and
 * its gateways with `realtimeContract`; the runtime wires authentication,
 * validation, limits, presence, metrics, health and the shutdown drain.
 */
export { RealtimeModule } from './realtime.module.js';
export {
  REALTIME_MODULE_OPTIONS,
  type RealtimeModuleAsyncOptions,
  type RealtimeModuleOptions,
  type RealtimeModuleSettings,
  type RealtimeModuleStructure,
} from './realtime.options.js';
export {
  DEFAULT_CORS_ORIGINS_VARIABLE,
  MANAGEMENT_PORT_VARIABLE,
  PLAYGROUND_VARIABLE,
  RealtimeSettings,
} from './realtime.settings.js';
export { RealtimeManagementServer } from './realtime.management.js';

export {
  ACK_CLASS_METADATA,
  REALTIME_GATEWAY_METADATA,
  SERVER_EVENT_CLASSES_METADATA,
  realtimeContract,
  type RealtimeGatewayBehaviour,
  type RealtimeGatewayOptions,
} from './realtime.gateway.js';
export type {
  AckOf,
  ClientEventHandler,
  ClientEventHandlers,
  EventMap,
  GatewayHandlers,
  PayloadOf,
  RealtimeNamespace,
  RealtimeSocket,
  ServerEventClasses,
} from './realtime.events.js';
export { RealtimeGateways } from './realtime.gateways.js';
export { RealtimeRooms, type RoomMember } from './realtime.rooms.service.js';
export { roomIdOf, roomKey, topicRoom, userRoom } from './realtime.rooms.js';

export {
  RealtimeAuthPolicy,
  type RealtimeHandshake,
  type RealtimeTokenClaims,
  type RealtimeUser,
} from './realtime.auth-policy.js';
export {
  ASYMMETRIC_ALGORITHMS,
  AuthMode,
  DEV_JWT_SECRET,
  RealtimeAuth,
  TokenRejected,
  resolveAuthConfig,
  type RealtimeAuthConfig,
  type VerifiedToken,
} from './realtime.auth.js';
export { WsAuthGuard } from './ws-auth.guard.js';

export {
  HandshakeRefused,
  RealtimeException,
  replyWithError,
} from './realtime.errors.js';
export { WsExceptionsFilter } from './ws-exception.filter.js';
export { RealtimeValidationPipe } from './ws-validation.pipe.js';
export {
  ErrorPayloadDto,
  FieldErrorDto,
  PresenceEventDto,
  RefreshTokenAckDto,
  RefreshTokenDto,
  ServerShutdownEventDto,
} from './realtime.messages.js';

export {
  DEFAULT_REALTIME_LIMITS,
  type PayloadLimits,
  type RateLimit,
  type RealtimeLimitOptions,
  type RealtimeLimits,
} from './realtime.limits.js';
export { RealtimeIoAdapter } from './realtime-io.adapter.js';
export { useRealtimeAdapter } from './realtime.bootstrap.js';
export {
  RedisAdapterKind,
  resolveRedisConfig,
  type RealtimeRedisConfig,
} from './redis.config.js';
export {
  CLUSTER_REQUEST_TIMEOUT_MS,
  ClusterQueryTimeoutError,
  fetchUserSockets,
} from './cluster-query.js';

export {
  membershipField,
  PresenceRegistry,
  PresenceTracker,
  presenceKeys,
} from './presence.registry.js';
export { RealtimeLifecycle, SHUTDOWN_NOTICE_MS } from './realtime.lifecycle.js';
export { RealtimeMetrics } from './realtime.metrics.js';
export { RealtimeHealthIndicators } from './realtime.health.js';
export { HealthController } from './health.controller.js';
export { MetricsController } from './metrics.controller.js';
export {
  PLAYGROUND_PATH,
  PlaygroundController,
} from './realtime.playground.js';
export {
  buildAsyncApiDocument,
  discoverGateways,
  type AsyncApiDocument,
  type AsyncApiOptions,
  type GatewayDescription,
} from './realtime.asyncapi.js';

export { errorTrace } from './error-trace.js';

// The wire types, also importable without the server as nest-realtime/contract.
export * from './realtime.contract.js';
export type { SocketData } from './realtime.types.js';
