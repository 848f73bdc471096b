import { Injectable } from '@nestjs/common';
import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
} from 'prom-client';
import type { Namespace } from 'socket.io';
import type { RealtimeErrorCode } from './realtime.errors.js';

type Ack = (...response: unknown[]) => void;

// prom-client's labelled Histogram.observe costs several microseconds per call
// in a busy server (label hashing, bucket lookup); observing in batches, in a
// tight loop, costs a fraction of that. The batch is also flushed on every
// scrape, so /metrics is always exact.
const ACK_LATENCY_BATCH = 256;

/**
 * The figures of one handled event in one namespace. RealtimeIoAdapter feeds
 * it on every message, so the hot path is an increment and an array store;
 * counts and latencies reach prom-client in batches and when /metrics is read.
 */
export class EventSeries {
  private handled = 0;
  private reported = 0;
  private readonly latencies = new Float64Array(ACK_LATENCY_BATCH);
  private unobserved = 0;

  constructor(
    private readonly ackLatency: { observe(seconds: number): void },
    /** Counts an event answered with an error, by its code. */
    readonly failed: (code: RealtimeErrorCode) => void,
  ) {}

  /**
   * Counts an event and returns its ack wrapped to observe the latency when it
   * is answered, by the handler's result or by WsExceptionsFilter's error ack.
   */
  received(ack: unknown): unknown {
    this.handled += 1;
    if (typeof ack !== 'function') {
      return ack;
    }
    const receivedAt = performance.now();
    return (...response: unknown[]) => {
      this.latencies[this.unobserved] = (performance.now() - receivedAt) / 1000;
      this.unobserved += 1;
      if (this.unobserved === ACK_LATENCY_BATCH) {
        this.observeLatencies();
      }
      Reflect.apply(ack as Ack, undefined, response);
    };
  }

  /** Hands the batched ack latencies to the histogram. */
  observeLatencies(): void {
    for (let index = 0; index < this.unobserved; index++) {
      this.ackLatency.observe(this.latencies[index]);
    }
    this.unobserved = 0;
  }

  /** How many events arrived since the last call. */
  takeUnreported(): number {
    const unreported = this.handled - this.reported;
    this.reported = this.handled;
    return unreported;
  }
}

/** Counts the handshakes a namespace refused; see createWsAuthMiddleware. */
export interface HandshakeObserver {
  connectionRefused(reason: string): void;
}

/** What the realtime adapter and middleware record for an observed namespace. */
export interface NamespaceMetrics extends HandshakeObserver {
  /** The series of a handled event (created on first use). */
  event(name: string): EventSeries;
  /** Counts a connection the server closed to protect itself, by reason. */
  disconnected(reason: string): void;
  /** Counts a cross-instance message held while Redis was unreachable, or given up. */
  outbox(outcome: OutboxOutcome): void;
}

/** What became of a cross-instance message the streams adapter could not publish at once. */
export type OutboxOutcome = 'buffered' | 'dropped';

// From a loopback round trip to a slow handler; seconds, as Prometheus expects.
const ACK_LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

/**
 * Socket metrics for GET /metrics: connected sockets per namespace, refused
 * handshakes, forced disconnects, cross-instance messages held during a Redis
 * outage, events handled and failed per event and
 * error code (rate-limit and size refusals included), and ack latency, beside
 * Node's process metrics. Each app has its own registry, so several apps in
 * one process (as in e2e tests) never collide in prom-client's global one.
 * Events and ack latency are recorded by RealtimeIoAdapter (and RedisIoAdapter),
 * which binds the handlers; with another WebSocket adapter they stay at zero.
 * RealtimeGateways observes every realtime gateway's namespace.
 */
@Injectable()
export class RealtimeMetrics {
  readonly registry = new Registry();

  // Each observed namespace with its event series, read when /metrics is collected.
  private readonly observed = new Map<Namespace, Map<string, EventSeries>>();
  private readonly recorders = new WeakMap<Namespace, NamespaceMetrics>();

  private readonly connectedSockets = new Gauge({
    name: 'realtime_connected_sockets',
    help: 'Sockets connected to this instance, per namespace.',
    labelNames: ['namespace'],
    registers: [this.registry],
    collect: () => {
      for (const namespace of this.observed.keys()) {
        this.connectedSockets.set(
          { namespace: namespace.name },
          namespace.sockets.size,
        );
      }
    },
  });

  private readonly refusedConnections = new Counter({
    name: 'realtime_connections_refused_total',
    help: 'Handshakes refused (authentication, rate, socket cap), per namespace and reason.',
    labelNames: ['namespace', 'reason'],
    registers: [this.registry],
  });

  private readonly handledEvents = new Counter({
    name: 'realtime_events_total',
    help: 'Client events received by a handler, per namespace and event.',
    labelNames: ['namespace', 'event'],
    registers: [this.registry],
    collect: () => {
      for (const [namespace, events] of this.observed) {
        for (const [event, series] of events) {
          this.handledEvents.inc(
            { namespace: namespace.name, event },
            series.takeUnreported(),
          );
        }
      }
    },
  });

  private readonly failedEvents = new Counter({
    name: 'realtime_event_errors_total',
    help: 'Client events answered with an error (refusals included), per namespace, event and error code.',
    labelNames: ['namespace', 'event', 'code'],
    registers: [this.registry],
  });

  private readonly forcedDisconnects = new Counter({
    name: 'realtime_disconnects_total',
    help: 'Connections the server closed to protect itself (flooding, slow reader, invalid packet), per namespace and reason.',
    labelNames: ['namespace', 'reason'],
    registers: [this.registry],
  });

  private readonly outboxMessages = new Counter({
    name: 'realtime_redis_outbox_messages_total',
    help: 'Cross-instance messages held while Redis was unreachable (buffered) and those given up (dropped: too old or beyond the size bound), per namespace.',
    labelNames: ['namespace', 'outcome'],
    registers: [this.registry],
  });

  private readonly ackLatency = new Histogram({
    name: 'realtime_ack_latency_seconds',
    help: 'Time from receiving a client event to sending its ack.',
    labelNames: ['namespace', 'event'],
    buckets: ACK_LATENCY_BUCKETS,
    registers: [this.registry],
    collect: () => {
      for (const events of this.observed.values()) {
        for (const series of events.values()) {
          series.observeLatencies();
        }
      }
    },
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Starts counting a gateway's namespace. Only events with a handler are
   * counted, so a client cannot create label values by sending made-up names.
   */
  observe(namespace: Namespace): NamespaceMetrics {
    const events =
      this.observed.get(namespace) ?? new Map<string, EventSeries>();
    this.observed.set(namespace, events);
    const name = namespace.name;
    const metrics: NamespaceMetrics = {
      event: (event) => {
        let series = events.get(event);
        if (series === undefined) {
          series = new EventSeries(
            this.ackLatency.labels(name, event),
            (code) => this.eventFailed(name, event, code),
          );
          events.set(event, series);
        }
        return series;
      },
      connectionRefused: (reason) =>
        this.refusedConnections.inc({ namespace: name, reason }),
      disconnected: (reason) =>
        this.forcedDisconnects.inc({ namespace: name, reason }),
      outbox: (outcome) =>
        this.outboxMessages.inc({ namespace: name, outcome }),
    };
    this.recorders.set(namespace, metrics);
    return metrics;
  }

  /**
   * What the adapter records for `namespace`, or undefined when no realtime
   * gateway serves it (a plain gateway's events are not counted).
   */
  of(namespace: Namespace): NamespaceMetrics | undefined {
    return this.recorders.get(namespace);
  }

  /** Counts an event answered with an error (WsExceptionsFilter, refusals). */
  eventFailed(namespace: string, event: string, code: RealtimeErrorCode): void {
    this.failedEvents.inc({ namespace, event, code });
  }
}
