import {
  HttpException,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HealthCheckService } from '@nestjs/terminus';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { errorTrace } from './error-trace.js';
import { RealtimeHealthIndicators } from './realtime.health.js';
import { RealtimeMetrics } from './realtime.metrics.js';
import {
  MANAGEMENT_PORT_VARIABLE,
  RealtimeSettings,
} from './realtime.settings.js';

const logger = new Logger('RealtimeManagement');

/** DI token: which of the runtime's HTTP endpoints the app declared (RealtimeModule's `metrics`). */
export const REALTIME_ENDPOINTS = Symbol('REALTIME_ENDPOINTS');

export interface RealtimeEndpoints {
  metrics: boolean;
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

function json(status: number, body: unknown): Answer {
  return {
    status,
    contentType: 'application/json; charset=utf-8',
    body: JSON.stringify(body),
  };
}

const NOT_FOUND = json(404, { statusCode: 404, message: 'Not Found' });

/**
 * The management server: `GET /health/live`, `/health/ready` and, unless
 * `metrics: false`, `/metrics`, answered as the app's own routes answer them,
 * on a port of their own (REALTIME_MANAGEMENT_PORT) and outside Nest's HTTP
 * pipeline: no global prefix, guard, interceptor or versioning of the app
 * applies, and the app's platform (Express or Fastify) does not matter. Kubernetes
 * probes and Prometheus scrapes go there; the app's port can stay public.
 * It starts with the app and closes last, so readiness reports 503 through
 * the whole drain.
 */
@Injectable()
export class RealtimeManagementServer
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private server?: Server;

  constructor(
    private readonly settings: RealtimeSettings,
    private readonly health: HealthCheckService,
    private readonly indicators: RealtimeHealthIndicators,
    private readonly metrics: RealtimeMetrics,
    @Inject(REALTIME_ENDPOINTS) private readonly endpoints: RealtimeEndpoints,
  ) {}

  /** Where it listens; undefined while it does not run. */
  address(): AddressInfo | undefined {
    const address = this.server?.address();
    return address !== null && typeof address === 'object'
      ? address
      : undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    const port = this.settings.managementPort;
    if (port === undefined || this.server !== undefined) {
      return;
    }
    const server = createServer((request, response) => {
      this.respond(request, response).catch((error: unknown) => {
        logger.error('A management request failed', errorTrace(error));
        response.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) =>
        reject(
          new Error(
            `The management server could not listen on ${MANAGEMENT_PORT_VARIABLE}=${port}: ${error.message}`,
          ),
        ),
      );
      server.listen(port, resolve);
    });
    this.server = server;
    logger.log(
      `Health${this.endpoints.metrics ? ' and metrics' : ''} on port ${this.address()?.port} (${MANAGEMENT_PORT_VARIABLE})`,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) {
      return;
    }
    const closed = new Promise((resolve) => server.close(resolve));
    server.closeAllConnections();
    await closed;
  }

  private async respond(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    const answer = await this.answer(request);
    response.writeHead(answer.status, {
      'Content-Type': answer.contentType,
      'Cache-Control': 'no-store',
    });
    response.end(request.method === 'HEAD' ? undefined : answer.body);
  }

  private async answer(request: IncomingMessage): Promise<Answer> {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return NOT_FOUND;
    }
    const path = new URL(request.url ?? '/', 'http://management').pathname;
    switch (path) {
      case '/health/live':
        return this.check([]);
      case '/health/ready':
        return this.check(this.indicators.readiness());
      case '/metrics':
        return this.endpoints.metrics
          ? {
              status: 200,
              contentType: Registry.PROMETHEUS_CONTENT_TYPE,
              body: await this.metrics.registry.metrics(),
            }
          : NOT_FOUND;
      default:
        return NOT_FOUND;
    }
  }

  /** What HealthController answers: 200 with the result, or 503 with terminus' error body. */
  private async check(
    indicators: ReturnType<RealtimeHealthIndicators['readiness']>,
  ): Promise<Answer> {
    try {
      return json(200, await this.health.check(indicators));
    } catch (error) {
      if (error instanceof HttpException) {
        return json(error.getStatus(), error.getResponse());
      }
      throw error;
    }
  }
}
