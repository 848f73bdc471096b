import { Logger } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { isObservable } from 'rxjs';
import { Namespace, Server, type ServerOptions, type Socket } from 'socket.io';
import { errorTrace } from './error-trace.js';
import { REALTIME_SERVER_OPTIONS } from './realtime.config.js';
import {
  inMemoryLimiters,
  RealtimeAdmission,
  type EventRefusal,
  type LimiterFactory,
} from './realtime.admission.js';
import { RealtimeErrorCode, replyWithError } from './realtime.errors.js';
import {
  packetCeiling,
  resolveRealtimeLimits,
  type RealtimeLimits,
} from './realtime.limits.js';
import { namespaceMetricsFor, type EventSeries } from './realtime.metrics.js';
import {
  boundOutgoingBuffer,
  createRealtimeParser,
  OversizedPayload,
} from './realtime.transport.js';

const logger = new Logger('RealtimeIoAdapter');

type Ack = (response: unknown) => void;

function isAck(value: unknown): value is Ack {
  return typeof value === 'function';
}

/** A handler's `{ event, data }` result, which Nest emits instead of acking. */
function isWsResponse(
  value: unknown,
): value is { event: string; data: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'event' in value &&
    typeof value.event === 'string' &&
    value.event !== ''
  );
}

/**
 * An event's arguments as Nest's handlers take them: socket.io passes the
 * client's ack, when it sent one, last; a single payload is passed as is.
 */
function splitArguments(args: unknown[]): { data: unknown; ack?: Ack } {
  const last = args[args.length - 1];
  const ack = isAck(last) ? last : undefined;
  const count = ack === undefined ? args.length : args.length - 1;
  const data =
    count === 0 ? undefined : count === 1 ? args[0] : args.slice(0, count);
  return { data, ack };
}

// Guards rather than bare instanceof, which would narrow to Server<any>.
function isServer(value: unknown): value is Server {
  return value instanceof Server;
}

function isNamespace(value: unknown): value is Namespace {
  return value instanceof Namespace;
}

function reportError(error: unknown): void {
  logger.error('A gateway reply failed', errorTrace(error));
}

/**
 * Nest's IoAdapter with the kit's protection and leaner event binding.
 *
 * - Applies RealtimeLimits (REALTIME_* variables) to every namespace: event
 *   rates per socket and per user, with persistent flooders disconnected;
 *   handshakes per address and sockets per user (through the auth
 *   middleware); the namespace handshake timeout; binary attachments only
 *   where acceptBinaryAttachments allows them; a bound on what may wait to be
 *   written to a slow reader.
 * - Nest subscribes an rxjs pipeline per handler for every socket; this
 *   adapter registers one plain listener per handler and answers exactly as
 *   Nest does: a handler's result is the ack, `{ event, data }` is emitted,
 *   and observables reply once per value. Guards, pipes, interceptors and
 *   filters run as before, for events sent with or without an ack.
 * - Records RealtimeMetrics' event counts, refusals and ack latency for the
 *   namespaces a gateway observes.
 *
 * @example
 * app.useWebSocketAdapter(new RealtimeIoAdapter(app));
 */
export class RealtimeIoAdapter extends IoAdapter {
  /** Read when the adapter is created, so a bad value stops the app at startup. */
  private readonly limits: RealtimeLimits = resolveRealtimeLimits();
  private admissionOfApp?: RealtimeAdmission;

  /** Counters shared by every instance: in memory here; RedisIoAdapter keeps them in Redis. */
  protected sharedLimiters(): LimiterFactory {
    return inMemoryLimiters;
  }

  private get admission(): RealtimeAdmission {
    this.admissionOfApp ??= new RealtimeAdmission(
      this.limits,
      this.sharedLimiters(),
    );
    return this.admissionOfApp;
  }

  override create(
    port: number,
    options?: Parameters<IoAdapter['create']>[1],
  ): Server {
    // Typed as unknown because Nest 11 declares the result as any.
    const created: unknown = super.create(port, options);
    const namespace = isServer(created)
      ? created.sockets
      : isNamespace(created)
        ? created
        : undefined;
    if (namespace !== undefined) {
      this.admission.serve(namespace);
      namespace.on('connection', (socket: Socket) => {
        boundOutgoingBuffer(socket.conn, this.limits.maxBufferedBytes, () =>
          namespaceMetricsFor(namespace)?.disconnected('slow_reader'),
        );
        // The parser refused a packet (binary, packet flood, malformed) and
        // the connection closes; without a listener the error would be thrown.
        socket.on('error', () =>
          namespaceMetricsFor(namespace)?.disconnected('invalid_packet'),
        );
      });
    }
    return created as Server;
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const { parser, attach } = createRealtimeParser({
      payload: this.limits.payload,
      packetsPerSecond: packetCeiling(this.limits),
    });
    // One socket.io server serves every gateway on this port, so the shared
    // options come from the kit, and a gateway declares only its namespace.
    // Nest passes partial options; socket.io fills in its defaults.
    const serverOptions = {
      ...REALTIME_SERVER_OPTIONS,
      ...options,
      connectTimeout: this.limits.connectTimeoutMs,
      parser,
    } as ServerOptions;
    const server: unknown = super.createIOServer(port, serverOptions);
    if (!isServer(server)) {
      throw new Error(
        'IoAdapter.createIOServer did not return a socket.io Server',
      );
    }
    attach(server);
    return server;
  }

  override bindMessageHandlers(
    socket: Socket,
    handlers: MessageMappingProperties[],
  ): void {
    const admission = this.admission;
    const metrics = namespaceMetricsFor(socket.nsp);
    for (const { message, callback, isAckHandledManually } of handlers) {
      const event = String(message);
      const series = metrics?.event(event);
      socket.on(event, (...args: unknown[]) => {
        const { data, ack: clientAck } = splitArguments(args);
        const ack =
          series === undefined ? clientAck : series.received(clientAck);
        admission.admitEvent(socket).then((refusal) => {
          if (refusal !== undefined) {
            refuse(socket, refusal, ack, series);
          } else if (data instanceof OversizedPayload) {
            refuse(socket, oversized(data), ack, series);
          } else {
            handle(socket, callback(data, ack), ack, isAckHandledManually);
          }
        }, reportError);
      });
    }
  }
}

/** Answers as Nest does; its handler proxy has already sent errors through the filters. */
function handle(
  socket: Socket,
  result: unknown,
  ack: unknown,
  isAckHandledManually: boolean | undefined,
): void {
  const respond = (response: unknown): void => {
    if (response === undefined || response === null) {
      return;
    }
    if (isWsResponse(response)) {
      socket.emit(response.event, response.data);
    } else if (!isAckHandledManually && isAck(ack)) {
      ack(response);
    }
  };
  Promise.resolve(result)
    .then((value: unknown) => {
      if (isObservable(value)) {
        value.subscribe({ next: respond, error: reportError });
      } else {
        respond(value);
      }
    })
    .catch(reportError);
}

function oversized({ message }: OversizedPayload): EventRefusal {
  return {
    payload: {
      status: 'error',
      code: RealtimeErrorCode.LimitExceeded,
      message,
    },
    disconnect: false,
  };
}

function refuse(
  socket: Socket,
  refusal: EventRefusal,
  ack: unknown,
  series: EventSeries | undefined,
): void {
  series?.failed(refusal.payload.code);
  replyWithError(socket, ack, refusal.payload);
  if (refusal.disconnect && socket.connected) {
    namespaceMetricsFor(socket.nsp)?.disconnected('flooding');
    socket.emit('exception', {
      status: 'error',
      code: RealtimeErrorCode.RateLimited,
      message: 'Disconnected: too many events',
    });
    socket.disconnect(true);
  }
}
