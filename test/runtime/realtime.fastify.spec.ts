import { FastifyAdapter } from '@nestjs/platform-fastify';
import { refused } from 'nest-realtime/testing';
import { LOBBY_NAMESPACE } from '../conformance/support/lobby.js';
import { say, startLobby, type Lobby } from '../conformance/support/lobby-testing.js';

// The conformance lobby on Fastify (Express is what the rest of the suite runs on). Not part of the
// conformance suite itself, which the harness also runs inside generated apps, most of them on Express.
describe('the runtime on Fastify', () => {
  let lobby: Lobby;

  beforeEach(async () => {
    lobby = await startLobby({
      httpAdapter: new FastifyAdapter(),
      env: { NODE_ENV: 'development', REALTIME_PLAYGROUND: '1' },
    });
  });

  afterEach(() => lobby.close());

  it('serves the gateway, health and metrics as on Express', async () => {
    const alice = await lobby.connectAs('alice');
    await lobby.join(alice, 'general');
    await expect(say(alice)).resolves.toMatchObject({ status: 'ok' });
    await refused(lobby.open());

    const live = await fetch(`${lobby.origin}/health/live`);
    const ready = await fetch(`${lobby.origin}/health/ready`);
    const metrics = await fetch(`${lobby.origin}/metrics`);

    expect([live.status, ready.status, metrics.status]).toEqual([200, 200, 200]);
    await expect(ready.json()).resolves.toMatchObject({ status: 'ok' });
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const labels = `namespace="${LOBBY_NAMESPACE}"`;
    const body = await metrics.text();
    expect(body).toContain(`realtime_ack_latency_seconds_count{${labels},event="say"} 1`);
    expect(body).toContain(`realtime_connections_refused_total{${labels},reason="missing_token"} 1`);
  });

  it('serves the socket playground with its headers', async () => {
    const page = await fetch(`${lobby.origin}/realtime/playground`);
    const script = await fetch(`${lobby.origin}/realtime/playground/playground.js`);

    expect([page.status, script.status]).toEqual([200, 200]);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await page.text()).toContain('playground.js');
  });
});
