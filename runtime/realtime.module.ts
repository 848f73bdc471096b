import {
  Module,
  type DynamicModule,
  type Provider,
  type Type,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';
import { PresenceRegistry } from './presence.registry.js';
import { RealtimeAdmission } from './realtime.admission.js';
import { RealtimeAuthPolicy } from './realtime.auth-policy.js';
import { RealtimeAuth } from './realtime.auth.js';
import { RealtimeGateways } from './realtime.gateways.js';
import { RealtimeHealthIndicators } from './realtime.health.js';
import { RealtimeLifecycle } from './realtime.lifecycle.js';
import {
  REALTIME_ENDPOINTS,
  RealtimeManagementServer,
} from './realtime.management.js';
import { RealtimeMetrics } from './realtime.metrics.js';
import {
  REALTIME_MODULE_OPTIONS,
  type RealtimeModuleAsyncOptions,
  type RealtimeModuleOptions,
  type RealtimeModuleSettings,
  type RealtimeModuleStructure,
} from './realtime.options.js';
import { PlaygroundController } from './realtime.playground.js';
import { RealtimeRooms } from './realtime.rooms.service.js';
import { RealtimeSettings } from './realtime.settings.js';

/** What every realtime gateway and the adapter use; all but the options are exported. */
const RUNTIME_PROVIDERS: Provider[] = [
  {
    provide: RealtimeSettings,
    // A factory, so variables are read at bootstrap (after env loading), once.
    useFactory: (options: RealtimeModuleSettings) =>
      RealtimeSettings.resolve(options),
    inject: [REALTIME_MODULE_OPTIONS],
  },
  {
    provide: RealtimeAuth,
    useFactory: (settings: RealtimeSettings) =>
      RealtimeAuth.announced(settings.auth),
    inject: [RealtimeSettings],
  },
  {
    provide: RealtimeAdmission,
    useFactory: (settings: RealtimeSettings) =>
      new RealtimeAdmission(settings.limits),
    inject: [RealtimeSettings],
  },
  PresenceRegistry,
  RealtimeGateways,
  RealtimeHealthIndicators,
  RealtimeLifecycle,
  RealtimeManagementServer,
  RealtimeMetrics,
  RealtimeRooms,
];

const EXPORTED: Array<Type | symbol> = [
  RealtimeSettings,
  RealtimeAuth,
  RealtimeAuthPolicy,
  RealtimeAdmission,
  PresenceRegistry,
  RealtimeGateways,
  RealtimeLifecycle,
  RealtimeMetrics,
  RealtimeRooms,
];

/**
 * The realtime runtime for the whole app, declared once in the root module:
 * token verification and the app's auth policy, client limits, presence, the
 * shutdown drain, metrics, and the HTTP endpoints of its controllers: health
 * probes (`/health/live`, `/health/ready`), `GET /metrics` (unless
 * `metrics: false`) and the socket playground (served only with
 * REALTIME_PLAYGROUND=1 outside production); probes and metrics also on the
 * management port when REALTIME_MANAGEMENT_PORT is set. Global, so every feature
 * module's `@RealtimeGateway` finds it without importing it.
 *
 * @example
 * @Module({ imports: [RealtimeModule.forRoot({ authPolicy: AuthPolicy }), ChatModule] })
 * export class AppModule {}
 */
@Module({})
export class RealtimeModule {
  static forRoot(options: RealtimeModuleOptions = {}): DynamicModule {
    return RealtimeModule.declare(options, {
      provide: REALTIME_MODULE_OPTIONS,
      useValue: options,
    });
  }

  /** The settings from a factory, e.g. one that reads Nest's ConfigService. */
  static forRootAsync(options: RealtimeModuleAsyncOptions): DynamicModule {
    return RealtimeModule.declare(options, {
      provide: REALTIME_MODULE_OPTIONS,
      useFactory: options.useFactory,
      inject: options.inject ?? [],
    });
  }

  private static declare(
    {
      metrics = true,
      authPolicy = RealtimeAuthPolicy,
      imports = [],
    }: RealtimeModuleStructure,
    optionsProvider: Provider,
  ): DynamicModule {
    return {
      module: RealtimeModule,
      global: true,
      imports: [
        ...imports,
        // Failing readiness is expected while draining; Redis loss is logged by its client.
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [
        HealthController,
        ...(metrics ? [MetricsController] : []),
        PlaygroundController,
      ],
      providers: [
        optionsProvider,
        { provide: REALTIME_ENDPOINTS, useValue: { metrics } },
        { provide: RealtimeAuthPolicy, useClass: authPolicy },
        ...RUNTIME_PROVIDERS,
      ],
      exports: EXPORTED,
    };
  }
}
