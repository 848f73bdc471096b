import { Controller, Get, Header } from '@nestjs/common';
import { Registry } from 'prom-client';
import { RealtimeMetrics } from './realtime.metrics.js';

/** Prometheus scrape endpoint; keep it off the public ingress. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: RealtimeMetrics) {}

  @Get()
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
