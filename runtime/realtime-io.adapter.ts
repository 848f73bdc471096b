import { Logger, type INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { isObservable } from 'rxjs';
import { Namespace, Server, type ServerOptions, type Socket } from 'socket.io';
import { errorTrace } from './error-trace.js';
import { RealtimeAdmission, type EventRefusal } from './realtime.admission.js';
import { RealtimeErrorCode, replyWithError } from './realtime.errors.js';
import { RealtimeGateways } from './realtime.gateways.js';
import { packetCeiling } from './realtime.limits.js';
import { RealtimeMetrics, type EventSeries } from './realtime.metrics.js';
import { realtimeServerOptions } from './realtime.server-options.js';
import { RealtimeSettings } from './realtime.settings.js';
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

/** The runtime's providers the adapter uses, from the app's RealtimeModule. */
export interface RealtimeRuntime {
  settings: RealtimeSettings;
  admission: RealtimeAdmission;
  metrics: RealtimeMetrics;
  gateways: RealtimeGateways;
}

/**
 * The runtime of `app`, or an error that says what to add: the adapter reads
 * its limits and counters from the app's RealtimeModule.
 */
export function realtimeRuntimeOf(
  app: INestApplicationContext,
): RealtimeRuntime {
  try {
    return {
      settings: app.get(RealtimeSettings, { strict: false }),
      admission: app.get(RealtimeAdmission, { strict: false }),
      metrics: app.get(RealtimeMetrics, { strict: false }),
      gateways: app.get(RealtimeGateways, { strict: false }),
    };
  } catch (error) {
    throw new Error(
      'The realtime adapter needs RealtimeModule: add RealtimeModule.forRoot() to the imports of the module ' +
        'NestFactory.create() boots (nest add nest-realtime does it).',
      { cause: error },
    );
  }
}

/**
 * Nest's IoAdapter with the runtime's protection and leaner event binding.
 *
 * - Creates the socket.io server with the runtime's options (WebSocket only,
 *   CORS from the app's allowed origins, heartbeat, frame size, connect
 *   timeout) and its parser, which refuses oversized payloads before they
 *   are parsed, binary attachments where no gateway accepts them, and packet
 *   floods.
 * - Applies the event rates per socket and per user to every namespace, with
 *   persistent flooders disconnected, and bounds what may wait to be written
 *   to a slow reader.
 * - Nest subscribes an rxjs pipeline per handler for every socket; this
 *   adapter registers one plain listener per handler and answers exactly as
 *   Nest does: a handler's result is the ack, `{ event, data }` is emitted,
 *   and observables reply once per value. Guards, pipes, interceptors and
 *   filters run as before, for events sent with or without an ack.
 * - Records RealtimeMetrics' event counts, refusals and ack latency for the
 *   namespaces of realtime gateways.
 *
 * Use it through {@link useRealtimeAdapter}, which picks the Redis variant
 * when REDIS_URL is set.
 *
 * @example
 * app.useWebSocketAdapter(new RealtimeIoAdapter(app));
 */
export class RealtimeIoAdapter extends IoAdapter {
  protected readonly runtime: RealtimeRuntime;
  private readonly boundConnections = new WeakSet<object>();

  constructor(app: INestApplicationContext) {
    super(app);
    this.runtime = realtimeRuntimeOf(app);
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
      const { limits } = this.runtime.settings;
      const metrics = (): ReturnType<RealtimeMetrics['of']> =>
        this.runtime.metrics.of(namespace);
      namespace.on('connection', (socket: Socket) => {
        if (!this.boundConnections.has(socket.conn)) {
          this.boundConnections.add(socket.conn);
          boundOutgoingBuffer(socket.conn, limits.maxBufferedBytes, () =>
            metrics()?.disconnected('slow_reader'),
          );
        }
        // The parser refused a packet (binary, packet flood, malformed) and
        // the connection closes; without a listener the error would be thrown.
        socket.on('error', () => metrics()?.disconnected('invalid_packet'));
      });
    }
    return created as Server;
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const { settings, gateways } = this.runtime;
    const { parser, acceptBinary } = createRealtimeParser({
      payload: settings.limits.payload,
      packetsPerSecond: packetCeiling(settings.limits),
    });
    // One socket.io server serves every gateway on this port, so the shared
    // options come from the runtime, and a gateway declares only its namespace.
    // Nest passes partial options; socket.io fills in its defaults.
    const serverOptions = {
      ...realtimeServerOptions(settings),
      ...options,
      connectTimeout: settings.limits.connectTimeoutMs,
      parser,
    } as ServerOptions;
    const server: unknown = super.createIOServer(port, serverOptions);
    if (!isServer(server)) {
      throw new Error(
        'IoAdapter.createIOServer did not return a socket.io Server',
      );
    }
    gateways.protect(server, { acceptBinary });
    return server;
  }

  override bindMessageHandlers(
    socket: Socket,
    handlers: MessageMappingProperties[],
  ): void {
    const { admission, metrics } = this.runtime;
    const namespaceMetrics = metrics.of(socket.nsp);
    for (const { message, callback, isAckHandledManually } of handlers) {
      const event = String(message);
      const series = namespaceMetrics?.event(event);
      socket.on(event, (...args: unknown[]) => {
        const { data, ack: clientAck } = splitArguments(args);
        const ack =
          series === undefined ? clientAck : series.received(clientAck);
        admission.admitEvent(socket).then((refusal) => {
          if (refusal !== undefined) {
            refuse(socket, refusal, ack, series, metrics);
          } else if (data instanceof OversizedPayload) {
            refuse(socket, oversized(data), ack, series, metrics);
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
  metrics: RealtimeMetrics,
): void {
  series?.failed(refusal.payload.code);
  replyWithError(socket, ack, refusal.payload);
  if (refusal.disconnect && socket.connected) {
    metrics.of(socket.nsp)?.disconnected('flooding');
    socket.emit('exception', {
      status: 'error',
      code: RealtimeErrorCode.RateLimited,
      message: 'Disconnected: too many events',
    });
    socket.disconnect(true);
  }
}
