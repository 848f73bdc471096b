import { Controller, Get } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  type HealthCheckResult,
} from '@nestjs/terminus';
import { RealtimeHealthIndicators } from './realtime.health.js';

/**
 * Kubernetes probes. Liveness only says the event loop answers, so a Redis
 * outage never restarts pods; readiness fails while Redis is unreachable and
 * from the moment shutdown begins.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: RealtimeHealthIndicators,
  ) {}

  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check(this.indicators.readiness());
  }
}
