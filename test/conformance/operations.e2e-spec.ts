import {
  ConsoleLogger,
  Injectable,
  Module,
  type CanActivate,
  type DynamicModule,
  type INestApplication,
} from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import { Test } from '@nestjs/testing';
import type { Server } from 'node:http';
import {
  RealtimeErrorCode,
  RealtimeLifecycle,
  RealtimeManagementServer,
  RealtimeModule,
  useRealtimeAdapter,
  type ServerShutdownEvent,
} from 'nest-realtime';
import {
  TEST_JWT_SECRET,
  collectEvents,
  connected,
  disconnected,
  openTestClient,
  refused,
  testTokenFor,
} from 'nest-realtime/testing';
import { LOBBY_NAMESPACE, LobbyModule } from './support/lobby.js';
import {
  PRESENCE_INTERVAL_MS,
  presenceAbout,
  presenceSettled,
  startLobby,
  untyped,
  type Lobby,
  type LobbyClient,
} from './support/lobby-testing.js';

/** Variables of an app built here: only what verifies the tests' tokens, whatever the process has. */
const TEST_ENV = { JWT_SECRET: TEST_JWT_SECRET };

/** A team's configuration module, as forRootAsync's factory would inject it. */
@Injectable()
class TeamConfig {
  readonly maxRoomsPerSocket = 2;
}

@Module({ providers: [TeamConfig], exports: [TeamConfig] })
class TeamConfigModule {}

/** A global guard of the kind apps have (every route needs a session): here, no request passes. */
class SessionRequired implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

/** The warnings an app logs, kept for the test to read. */
class WarningsLog extends ConsoleLogger {
  readonly warnings: string[] = [];

  override warn(message: unknown): void {
    this.warnings.push(String(message));
  }
}

/**
 * An app the suite builds itself rather than with createRealtimeTestingApp,
 * as an app's main.ts would: for what that helper does not choose (how
 * RealtimeModule is declared, which WebSocket adapter runs).
 */
class HandBuiltApp {
  private readonly clients: LobbyClient[] = [];

  private constructor(
    readonly app: INestApplication<Server>,
    readonly origin: string,
  ) {}

  static async start(
    realtimeModule: DynamicModule,
    useAdapter: (app: INestApplication<Server>) => unknown,
    logger?: ConsoleLogger,
  ): Promise<HandBuiltApp> {
    const moduleRef = await Test.createTestingModule({
      imports: [realtimeModule, LobbyModule],
    }).compile();
    const app = moduleRef.createNestApplication<INestApplication<Server>>({ logger });
    try {
      await useAdapter(app);
      await app.listen(0, '127.0.0.1');
    } catch (error) {
      await app.close();
      throw error;
    }
    const address = app.getHttpServer().address();
    if (address === null || typeof address === 'string') {
      await app.close();
      throw new Error('Expected the app to listen on a TCP port');
    }
    return new HandBuiltApp(app, `http://127.0.0.1:${address.port}`);
  }

  open(token?: string): LobbyClient {
    const client: LobbyClient = openTestClient(`${this.origin}${LOBBY_NAMESPACE}`, { token });
    this.clients.push(client);
    return client;
  }

  async close(): Promise<void> {
    this.app.get(RealtimeLifecycle).closeConnections();
    for (const client of this.clients) {
      client.disconnect();
    }
    await this.app.close();
  }
}

describe('operations (conformance)', () => {
  describe('health and metrics', () => {
    let lobby: Lobby;

    beforeEach(async () => {
      lobby = await startLobby();
    });

    afterEach(() => lobby.close());

    async function scrape(): Promise<string> {
      const response = await fetch(`${lobby.origin}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/plain');
      return response.text();
    }

    it('reports live and ready while serving', async () => {
      const live = await fetch(`${lobby.origin}/health/live`);
      const ready = await fetch(`${lobby.origin}/health/ready`);

      expect(live.status).toBe(200);
      expect(ready.status).toBe(200);
      await expect(ready.json()).resolves.toMatchObject({ status: 'ok' });
    });

    it('exposes socket metrics for Prometheus, refusals by reason included', async () => {
      const alice = await lobby.connectAs('alice');
      await lobby.join(alice, 'general');
      await alice.emitWithAck('say', { roomId: 'general', content: '' });
      await refused(lobby.open());

      const body = await scrape();

      const labels = `namespace="${LOBBY_NAMESPACE}"`;
      expect(body).toContain(`realtime_connected_sockets{${labels}} 1`);
      expect(body).toContain(`realtime_events_total{${labels},event="join"} 1`);
      expect(body).toContain(
        `realtime_event_errors_total{${labels},event="say",code="${RealtimeErrorCode.ValidationFailed}"} 1`,
      );
      expect(body).toContain(`realtime_ack_latency_seconds_count{${labels},event="say"} 1`);
      expect(body).toContain(`realtime_connections_refused_total{${labels},reason="missing_token"} 1`);
    });

    it('counts only events the gateway handles', async () => {
      const alice = await lobby.connectAs('alice');
      untyped(alice).emit('notAnEvent', { roomId: 'general' });
      // A socket's events are handled in order: once the join is acked, notAnEvent has been seen.
      await lobby.join(alice, 'general');

      const body = await scrape();

      expect(body).toContain(`realtime_events_total{namespace="${LOBBY_NAMESPACE}",event="join"} 1`);
      expect(body).not.toContain('notAnEvent');
    });
  });

  describe('shutdown', () => {
    let lobby: Lobby;
    let appClosing: Promise<void> | undefined;

    beforeEach(async () => {
      lobby = await startLobby();
      appClosing = undefined;
    });

    // lobby.close() closes the sockets before the app, so these tests close the app as SIGTERM does.
    const closeApp = (): Promise<void> => (appClosing ??= lobby.app.close());

    afterEach(() => appClosing ?? lobby.close());

    it('fails readiness before it tells clients to reconnect', async () => {
      const alice = await lobby.connectAs('alice');
      // Asked the moment the notice arrives, while the app is still draining.
      const readinessAtNotice = new Promise<number>((resolve, reject) => {
        alice.once('serverShutdown', () => {
          fetch(`${lobby.origin}/health/ready`).then((response) => resolve(response.status), reject);
        });
      });

      const closed = closeApp();

      await expect(readinessAtNotice).resolves.toBe(503);
      await closed;
    });

    it('tells connected clients before the app closes, and announces no one offline', async () => {
      const alice = await lobby.connectAs('alice');
      const bob = await lobby.connectAs('bob');
      await lobby.join(alice, 'general');
      const bobJoined = presenceAbout(alice, 'general', 'joined', 'bob');
      await lobby.join(bob, 'general');
      await bobJoined;
      // Quiet, so a batch about bob would go out at once.
      await presenceSettled();
      const seen: string[] = [];
      alice.onAny((event: string) => seen.push(event));
      const notices = collectEvents<ServerShutdownEvent>(alice, 'serverShutdown');
      const closed = disconnected(alice);
      // bob leaves as told, while alice is still connected to hear of it.
      bob.once('serverShutdown', () => bob.disconnect());

      await closeApp();

      await expect(closed).resolves.toBe('io server disconnect');
      // No presence: alice was still connected when bob left, but his users are reconnecting, not leaving.
      expect(seen).toEqual(['serverShutdown']);
      expect(notices[0].retryAfter).toBeGreaterThan(0);
      expect(typeof notices[0].message).toBe('string');
    });
  });

  describe('how the app declares the runtime', () => {
    let running: { close(): Promise<void> } | undefined;

    afterEach(async () => {
      await running?.close();
      running = undefined;
    });

    it('takes the settings from forRootAsync’s factory, with what it injects', async () => {
      const started = await HandBuiltApp.start(
        RealtimeModule.forRootAsync({
          imports: [TeamConfigModule],
          inject: [TeamConfig],
          useFactory: (config: TeamConfig) => ({
            limits: {
              maxRoomsPerSocket: config.maxRoomsPerSocket,
              presenceIntervalMs: PRESENCE_INTERVAL_MS,
            },
            env: TEST_ENV,
          }),
        }),
        useRealtimeAdapter,
      );
      running = started;
      const alice = started.open(testTokenFor('alice'));
      await connected(alice);
      await expect(alice.emitWithAck('join', { roomId: 'a' })).resolves.toEqual({ status: 'joined', roomId: 'a' });
      await expect(alice.emitWithAck('join', { roomId: 'b' })).resolves.toEqual({ status: 'joined', roomId: 'b' });

      await expect(alice.emitWithAck('join', { roomId: 'c' })).resolves.toEqual({
        status: 'error',
        code: RealtimeErrorCode.LimitExceeded,
        message: 'A connection may join at most 2 rooms; leave one first',
      });
    });

    it('serves no /metrics with metrics: false, on the management port neither', async () => {
      const lobby = await startLobby({ realtime: { metrics: false }, env: { REALTIME_MANAGEMENT_PORT: '0' } });
      running = lobby;
      const management = `http://127.0.0.1:${lobby.app.get(RealtimeManagementServer).address()?.port}`;

      for (const origin of [lobby.origin, management]) {
        const metrics = await fetch(`${origin}/metrics`);
        const ready = await fetch(`${origin}/health/ready`);

        expect(metrics.status).toBe(404);
        expect(ready.status).toBe(200);
      }
    });

    it('starts no management server in tests unless the test asks, so test apps never share its port', async () => {
      const lobby = await startLobby({ realtime: { managementPort: 8081 } });
      running = lobby;

      expect(lobby.app.get(RealtimeManagementServer).address()).toBeUndefined();
    });

    it('serves probes and metrics on the management port, whatever the app’s prefix and guards', async () => {
      const started = await HandBuiltApp.start(
        RealtimeModule.forRoot({ env: { ...TEST_ENV, REALTIME_MANAGEMENT_PORT: '0' } }),
        async (app) => {
          app.setGlobalPrefix('api');
          app.useGlobalGuards(new SessionRequired());
          await useRealtimeAdapter(app);
        },
      );
      running = started;
      const management = `http://127.0.0.1:${started.app.get(RealtimeManagementServer).address()?.port}`;

      // Behind the app's prefix and guard, the probes are refused...
      expect((await fetch(`${started.origin}/api/health/ready`)).status).toBe(403);
      // ...and on the management port they answer as the app's routes would.
      const live = await fetch(`${management}/health/live`);
      const ready = await fetch(`${management}/health/ready`);
      const metrics = await fetch(`${management}/metrics`);
      expect(live.status).toBe(200);
      expect(ready.status).toBe(200);
      await expect(ready.json()).resolves.toMatchObject({ status: 'ok', info: { serving: { status: 'up' } } });
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      await expect(metrics.text()).resolves.toContain('realtime_connected_sockets');
      expect((await fetch(`${management}/api/health/live`)).status).toBe(404);

      // Readiness fails through the drain, while the management port is still open.
      const alice = started.open(testTokenFor('alice'));
      await connected(alice);
      const readinessAtNotice = new Promise<number>((resolve, reject) => {
        alice.once('serverShutdown', () => {
          fetch(`${management}/health/ready`).then((response) => resolve(response.status), reject);
        });
      });
      running = undefined;
      const closed = started.app.close();
      await expect(readinessAtNotice).resolves.toBe(503);
      await closed;
      await expect(fetch(`${management}/health/live`)).rejects.toThrow();
    });

    it('still authenticates every client on Nest’s stock IoAdapter, and warns that the limits are off', async () => {
      const log = new WarningsLog();
      const started = await HandBuiltApp.start(
        RealtimeModule.forRoot({ env: TEST_ENV }),
        (app) => app.useWebSocketAdapter(new IoAdapter(app)),
        log,
      );
      running = started;
      expect(log.warnings).toContainEqual(
        expect.stringContaining(`Realtime gateways on ${LOBBY_NAMESPACE} run on another WebSocket adapter`),
      );

      await expect(refused(started.open())).resolves.toEqual({
        message: 'Unauthorized: missing token',
        code: RealtimeErrorCode.Unauthorized,
      });
      const alice = started.open(testTokenFor('alice'));
      await connected(alice);
      await expect(alice.emitWithAck('join', { roomId: 'general' })).resolves.toEqual({
        status: 'joined',
        roomId: 'general',
      });
    });

    it('does not start on another adapter with NODE_ENV=production, naming the fix', async () => {
      const starting = HandBuiltApp.start(
        RealtimeModule.forRoot({ env: { ...TEST_ENV, NODE_ENV: 'production' } }),
        (app) => app.useWebSocketAdapter(new IoAdapter(app)),
      );

      await expect(starting).rejects.toThrow(
        `Realtime gateways on ${LOBBY_NAMESPACE} run on another WebSocket adapter`,
      );
      await expect(starting).rejects.toThrow('Call `await useRealtimeAdapter(app)` after NestFactory.create()');
    });
  });
});
