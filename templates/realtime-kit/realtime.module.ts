import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller.js';
import { MetricsController } from './metrics.controller.js';
import { PresenceRegistry } from './presence.registry.js';
import { RealtimeAuth } from './realtime.auth.js';
import { RealtimeHealthIndicators } from './realtime.health.js';
import { RealtimeLifecycle } from './realtime.lifecycle.js';
import { RealtimeMetrics } from './realtime.metrics.js';
import { PlaygroundController } from './realtime.playground.js';

/**
 * Shared by every realtime feature module: RealtimeAuth, which verifies socket
 * tokens, cluster-wide presence, the drain state, socket metrics, and the
 * HTTP endpoints of its controllers: the health probes, GET /metrics when
 * MetricsController is listed, and the socket playground (served only with
 * REALTIME_PLAYGROUND=1 outside production).
 */
@Module({
  imports: [
    // Failing readiness is expected while draining; Redis loss is logged by its client.
    TerminusModule.forRoot({ logger: false }),
  ],
  controllers: [HealthController, MetricsController, PlaygroundController],
  providers: [
    // A factory, so the settings are read at bootstrap, after env loading, not at import time.
    { provide: RealtimeAuth, useFactory: () => RealtimeAuth.fromEnvironment() },
    PresenceRegistry,
    RealtimeHealthIndicators,
    RealtimeLifecycle,
    RealtimeMetrics,
  ],
  exports: [RealtimeAuth, PresenceRegistry, RealtimeLifecycle, RealtimeMetrics],
})
export class RealtimeModule {}
