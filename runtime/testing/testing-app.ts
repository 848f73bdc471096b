import type {
  INestApplication,
  ModuleMetadata,
  Provider,
} from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import type { Server } from 'node:http';
import type { Socket } from 'socket.io-client';
import { useRealtimeAdapter } from '../realtime.bootstrap.js';
import type { RealtimeLimitOptions } from '../realtime.limits.js';
import { RealtimeLifecycle } from '../realtime.lifecycle.js';
import { RealtimeModule } from '../realtime.module.js';
import type { RealtimeModuleOptions } from '../realtime.options.js';
import {
  connected,
  openTestClient,
  type TestClientOptions,
} from './clients.js';
import { testingRealtimeModule } from './testing-module.js';
import { testTokenFor } from './tokens.js';

export interface RealtimeTestingOptions {
  /**
   * The modules under test, e.g. `[ChatModule]`. RealtimeModule is added with
   * `realtime`; pass feature modules, not one that declares RealtimeModule.
   */
  imports: NonNullable<ModuleMetadata['imports']>;
  providers?: Provider[];
  /**
   * The app's own realtime options (`src/realtime/realtime.options.ts`), so
   * its auth policy and choices apply. Tokens are verified as HS256 with
   * TEST_JWT_SECRET whatever the app's auth mode, so tests sign their own.
   */
  realtime?: RealtimeModuleOptions;
  /** Limits of this app only, e.g. a low rate to test the rate limit. */
  limits?: RealtimeLimitOptions;
  /** Variables of this app only (REDIS_URL, CORS origins, ...), over `process.env`. */
  env?: Record<string, string | undefined>;
  /** The app's HTTP adapter, e.g. `new FastifyAdapter()`; Express by default. */
  httpAdapter?: AbstractHttpAdapter;
  /** Changes the testing module before it compiles, e.g. overrideProvider. */
  configure?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
}

/** An app listening on a free loopback port, with what tests need to reach it. */
export interface RealtimeTestingApp {
  readonly app: INestApplication<Server>;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** The URL of a namespace, e.g. `url('/chat')`. */
  url(namespace: string): string;
  /** A token the app accepts for `userId`; see testTokenFor. */
  token(userId: string, options?: Parameters<typeof testTokenFor>[1]): string;
  /**
   * A client of the namespace that starts connecting at once, closed with the
   * app. Type it with the feature's client: `const alice: ChatClient = …`.
   */
  client(namespace: string, options?: TestClientOptions): Socket;
  /** A client of `userId`, once connected. */
  connect(namespace: string, userId: string): Promise<Socket>;
  /** Closes every client and the app, without the shutdown pause when no one is left to notify. */
  close(): Promise<void>;
}

function assertNoRealtimeModule(imports: RealtimeTestingOptions['imports']) {
  const declared = imports.some(
    (entry) =>
      entry === RealtimeModule ||
      (typeof entry === 'object' &&
        entry !== null &&
        'module' in entry &&
        entry.module === RealtimeModule),
  );
  if (declared) {
    throw new Error(
      'createRealtimeTestingApp adds RealtimeModule itself: pass the feature modules in `imports` and the ' +
        "app's realtime options as `realtime`.",
    );
  }
}

/**
 * Starts the modules under test as main.ts starts the app (the realtime
 * adapter, in memory unless `env` sets REDIS_URL) on a free loopback port.
 *
 * @example
 * const testing = await createRealtimeTestingApp({ imports: [ChatModule], realtime: realtimeOptions });
 * const alice: ChatClient = await testing.connect('/chat', 'alice');
 * await alice.emitWithAck('joinRoom', { roomId: 'general' });
 * await testing.close();
 */
export async function createRealtimeTestingApp(
  options: RealtimeTestingOptions,
): Promise<RealtimeTestingApp> {
  assertNoRealtimeModule(options.imports);
  const realtime = options.realtime ?? {};
  const builder = Test.createTestingModule({
    imports: [
      testingRealtimeModule(
        { ...realtime, limits: { ...realtime.limits, ...options.limits } },
        options.env,
      ),
      ...options.imports,
    ],
    providers: options.providers ?? [],
  });
  const moduleRef = await (options.configure?.(builder) ?? builder).compile();
  const app =
    options.httpAdapter === undefined
      ? moduleRef.createNestApplication<INestApplication<Server>>()
      : moduleRef.createNestApplication<INestApplication<Server>>(
          options.httpAdapter,
        );
  await useRealtimeAdapter(app);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  if (address === null || typeof address === 'string') {
    await app.close();
    throw new Error('Expected the test app to listen on a TCP port');
  }
  const origin = `http://127.0.0.1:${address.port}`;
  const clients: Socket[] = [];
  let closing: Promise<void> | undefined;
  const client = (namespace: string, clientOptions?: TestClientOptions) => {
    const socket = openTestClient(`${origin}${namespace}`, clientOptions);
    clients.push(socket);
    return socket;
  };
  return {
    app,
    origin,
    url: (namespace) => `${origin}${namespace}`,
    token: testTokenFor,
    client,
    async connect(namespace, userId) {
      const socket = client(namespace, { token: testTokenFor(userId) });
      await connected(socket);
      return socket;
    },
    close() {
      closing ??= (async () => {
        app.get(RealtimeLifecycle).closeConnections();
        for (const socket of clients) {
          socket.disconnect();
        }
        await app.close();
      })();
      return closing;
    },
  };
}
