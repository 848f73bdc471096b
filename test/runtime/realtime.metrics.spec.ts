import { type Namespace, Server } from 'socket.io';
import { RealtimeErrorCode } from '../../runtime/realtime.errors.js';
import { EventSeries, RealtimeMetrics } from '../../runtime/realtime.metrics.js';

type Ack = (reply: unknown) => void;

function seriesOf(metricsOfApp: RealtimeMetrics, namespace: Namespace, event: string): EventSeries {
  const metrics = metricsOfApp.of(namespace);
  if (metrics === undefined) {
    throw new Error(`${namespace.name} is not observed`);
  }
  return metrics.event(event);
}

// A socket.io server attached to nothing: namespaces, but no port or engine.
const io = new Server();

describe('RealtimeMetrics', () => {
  it('counts the events of an observed namespace and times their acks', async () => {
    const metrics = new RealtimeMetrics();
    const orders = io.of('/orders');
    metrics.observe(orders);
    const replies: unknown[] = [];

    const series = seriesOf(metrics, orders, 'placeOrder');
    const ack = series.received((reply: unknown) => replies.push(reply));
    (ack as Ack)({ status: 'ok' });
    series.received(undefined);

    const labels = 'namespace="/orders",event="placeOrder"';
    const text = await metrics.registry.metrics();
    expect(replies).toEqual([{ status: 'ok' }]);
    expect(text).toContain(`realtime_events_total{${labels}} 2`);
    expect(text).toContain(`realtime_ack_latency_seconds_count{${labels}} 1`);
    // A second scrape reports the same total, not the events twice.
    expect(await metrics.registry.metrics()).toContain(`realtime_events_total{${labels}} 2`);
  });

  it('observes every ack latency, also beyond one batch', async () => {
    const metrics = new RealtimeMetrics();
    const orders = io.of('/batched');
    metrics.observe(orders);
    const series = seriesOf(metrics, orders, 'placeOrder');

    for (let sent = 0; sent < 300; sent++) {
      (series.received(() => undefined) as Ack)({ status: 'ok' });
    }

    const labels = 'namespace="/batched",event="placeOrder"';
    const text = await metrics.registry.metrics();
    expect(text).toContain(`realtime_ack_latency_seconds_count{${labels}} 300`);
    expect(text).toContain(`realtime_ack_latency_seconds_bucket{le="+Inf",${labels}} 300`);
  });

  it('counts refusals by code and forced disconnects by reason', async () => {
    const metrics = new RealtimeMetrics();
    const observed = metrics.observe(io.of('/guarded'));

    observed.event('placeOrder').failed(RealtimeErrorCode.RateLimited);
    observed.disconnected('flooding');
    observed.connectionRefused('too_many_sockets');

    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'realtime_event_errors_total{namespace="/guarded",event="placeOrder",code="RATE_LIMITED"} 1',
    );
    expect(text).toContain('realtime_disconnects_total{namespace="/guarded",reason="flooding"} 1');
    expect(text).toContain('realtime_connections_refused_total{namespace="/guarded",reason="too_many_sockets"} 1');
  });

  it('counts cross-instance messages held for Redis and given up', async () => {
    const metrics = new RealtimeMetrics();
    const observed = metrics.observe(io.of('/relayed'));

    observed.outbox('buffered');
    observed.outbox('buffered');
    observed.outbox('dropped');

    const text = await metrics.registry.metrics();
    expect(text).toContain('realtime_redis_outbox_messages_total{namespace="/relayed",outcome="buffered"} 2');
    expect(text).toContain('realtime_redis_outbox_messages_total{namespace="/relayed",outcome="dropped"} 1');
  });

  it('leaves namespaces no gateway observes alone', () => {
    const metrics = new RealtimeMetrics();
    metrics.observe(io.of('/orders'));

    expect(metrics.of(io.of('/other'))).toBeUndefined();
    expect(new RealtimeMetrics().of(io.of('/orders'))).toBeUndefined();
  });
});
