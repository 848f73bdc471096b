import { Injectable } from '@nestjs/common';
import {
  HealthIndicatorService,
  type HealthIndicatorFunction,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { PresenceRegistry } from './presence.registry.js';
import { RealtimeLifecycle } from './realtime.lifecycle.js';

// Below the default 1 s timeout of a Kubernetes probe.
const REDIS_PING_TIMEOUT_MS = 500;

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The checks behind GET /health/ready. */
@Injectable()
export class RealtimeHealthIndicators {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly lifecycle: RealtimeLifecycle,
    private readonly presence: PresenceRegistry,
  ) {}

  /** What readiness checks: draining, and Redis when REDIS_URL is set. */
  readiness(): HealthIndicatorFunction[] {
    const checks: HealthIndicatorFunction[] = [() => this.serving()];
    if (this.presence.usesRedis) {
      checks.push(() => this.redis());
    }
    return checks;
  }

  /** Down from the moment shutdown begins. */
  serving(): HealthIndicatorResult {
    const indicator = this.indicators.check('serving');
    return this.lifecycle.draining
      ? indicator.down({ message: 'Shutting down' })
      : indicator.up();
  }

  /**
   * Pings Redis over the presence connection: without Redis this instance's
   * clients would miss every event published on the other instances.
   */
  async redis(): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('redis');
    const redis = this.presence.connection();
    if (redis === undefined) {
      return indicator.down({ message: 'Not connected' });
    }
    try {
      await withTimeout(redis.ping(), REDIS_PING_TIMEOUT_MS);
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: errorMessage(error) });
    }
  }
}
