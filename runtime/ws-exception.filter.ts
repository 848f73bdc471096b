import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
  Optional,
} from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import type { Socket } from 'socket.io';
import { errorTrace } from './error-trace.js';
import {
  RealtimeErrorCode,
  RealtimeException,
  replyWithError,
  type ErrorPayload,
} from './realtime.errors.js';
import { RealtimeMetrics } from './realtime.metrics.js';
import type { RealtimeServerEvents } from './realtime.types.js';

const INTERNAL_ERROR = 'Internal server error';

// What Nest throws when a guard returns false.
const GUARD_REFUSAL = 'Forbidden resource';

// HTTP statuses from here on are the server's failures, not the client's.
const FIRST_SERVER_ERROR = 500;

// HTTP exceptions (e.g. from @nestjs/throttler or a shared service) keep their meaning.
const CODE_BY_STATUS: ReadonlyMap<number, RealtimeErrorCode> = new Map([
  [HttpStatus.BAD_REQUEST, RealtimeErrorCode.BadRequest],
  [HttpStatus.UNAUTHORIZED, RealtimeErrorCode.Unauthorized],
  [HttpStatus.FORBIDDEN, RealtimeErrorCode.Forbidden],
  [HttpStatus.NOT_FOUND, RealtimeErrorCode.NotFound],
  [HttpStatus.PAYLOAD_TOO_LARGE, RealtimeErrorCode.LimitExceeded],
  [HttpStatus.TOO_MANY_REQUESTS, RealtimeErrorCode.RateLimited],
]);

function hasMessage(value: unknown): value is { message: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'message' in value &&
    typeof value.message === 'string'
  );
}

function errorPayload(code: RealtimeErrorCode, message: string): ErrorPayload {
  return { status: 'error', code, message };
}

/**
 * Reports every gateway error to the client exactly once, with a code from
 * RealtimeErrorCode: through the ack when the client emitted with one,
 * otherwise as the `exception` event. Unexpected errors are logged and reach
 * the client as INTERNAL without details. Pass the class, not an instance, to
 * `@UseFilters()` so Nest injects the metrics that count failed events.
 */
@Catch()
export class WsExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(WsExceptionsFilter.name);

  constructor(@Optional() private readonly metrics?: RealtimeMetrics) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const payload = this.toPayload(exception);
    const ws = host.switchToWs();
    const client =
      ws.getClient<Socket<Record<string, never>, RealtimeServerEvents>>();
    this.metrics?.eventFailed(client.nsp.name, ws.getPattern(), payload.code);
    // Nest appends the event pattern after the ack, so the ack is not the last arg.
    const ack = host
      .getArgs<unknown[]>()
      .find((arg) => typeof arg === 'function');
    replyWithError(client, ack, payload);
  }

  private toPayload(exception: unknown): ErrorPayload {
    if (exception instanceof RealtimeException) {
      return exception.toPayload();
    }
    if (exception instanceof WsException) {
      const error = exception.getError();
      const message =
        typeof error === 'string'
          ? error
          : hasMessage(error)
            ? error.message
            : 'Bad request';
      return errorPayload(
        message === GUARD_REFUSAL
          ? RealtimeErrorCode.Forbidden
          : RealtimeErrorCode.BadRequest,
        message,
      );
    }
    if (
      exception instanceof HttpException &&
      exception.getStatus() < FIRST_SERVER_ERROR
    ) {
      return errorPayload(
        CODE_BY_STATUS.get(exception.getStatus()) ??
          RealtimeErrorCode.BadRequest,
        exception.message,
      );
    }
    this.logger.error('Unhandled gateway error', errorTrace(exception));
    return errorPayload(RealtimeErrorCode.Internal, INTERNAL_ERROR);
  }
}
