/**
 * What "Grow a realtime API" promises beyond each feature's own tests, checked on a generated app with the
 * app's own toolchain: the contract compiles in a frontend and catches a wrong payload; the AsyncAPI document
 * parses and lists every event of every gateway; a worker without sockets pushes through Redis.
 */
import { buildSync } from 'esbuild';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import { connect, freePort, Inbox, RunningApp, startApp, tokenFor, waitFor } from './contract';
import { recordNote } from './report';
import { run, runAllowingFailure } from './shell';

/** A frontend's tsconfig: bundler resolution, the DOM, no Node types and no decorators. */
const FRONTEND_TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'ESNext',
    moduleResolution: 'Bundler',
    lib: ['ES2022', 'DOM'],
    types: [],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  },
  include: ['*.ts'],
};

const FRONTEND_PAGE = (emit: string) => `import { io, type Socket } from 'socket.io-client';
import { RealtimeErrorCode } from 'nest-realtime/contract';
import type { ClientToServerEvents, ServerToClientEvents } from '../src/chat/chat.events';

const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io('https://api.example.com/chat', {
  transports: ['websocket'],
  auth: { token: 'a user token' },
});
socket.on('newMessage', (message) => console.log(message.sender, message.content.toUpperCase()));
${emit}
`;

/**
 * A frontend file that imports only `src/chat/chat.events.ts`, the runtime's contract entry and
 * socket.io-client compiles with the app's TypeScript and bundles for a browser (esbuild, platform browser:
 * a Node built-in or a server package in the graph fails the bundle); the same file emitting a number where
 * the contract says string does not compile. The folder is removed afterwards, so the app's build and lint
 * never see it.
 */
export function checkFrontendContract(appDir: string, label: string): void {
  const dir = join(appDir, 'frontend');
  mkdirSync(dir, { recursive: true });
  try {
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(FRONTEND_TSCONFIG, null, 2));
    const page = join(dir, 'chat-page.ts');
    writeFileSync(
      page,
      FRONTEND_PAGE(
        "void socket.emitWithAck('sendMessage', { roomId: 'lobby', content: 'hi' }).then((ack) =>\n" +
          "  ack.status === 'error' && ack.code === RealtimeErrorCode.RateLimited ? console.warn(ack.retryAfterMs) : console.log(ack),\n);",
      ),
    );
    const listed = run('npx', ['tsc', '-p', 'frontend/tsconfig.json', '--listFiles'], appDir).split('\n');
    const loaded = listed.filter((file) => file.includes('/src/'));
    expect(loaded.map((file) => file.slice(file.indexOf('/src/')))).toEqual(['/src/chat/chat.events.ts']);
    expect(
      listed.filter((file) => /node_modules\/(@nestjs|socket\.io\/|class-validator|@types\/node)/.test(file)),
    ).toEqual([]);
    const bundle = buildSync({
      absWorkingDir: appDir,
      entryPoints: ['frontend/chat-page.ts'],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(bundle.metafile.inputs);
    expect(inputs).toEqual(expect.arrayContaining(['node_modules/nest-realtime/dist/runtime/esm/contract.js']));
    expect(inputs.filter((input) => /@nestjs|class-validator|reflect-metadata/.test(input))).toEqual([]);
    recordNote(
      `${label} frontend (contract + socket.io-client)`,
      `compiles, loading ${loaded.length} app file; bundles for the browser: ${inputs.length} inputs, ` +
        `${bundle.outputFiles[0].contents.byteLength} bytes, no Node or Nest module`,
    );

    writeFileSync(page, FRONTEND_PAGE("void socket.emitWithAck('sendMessage', { roomId: 'lobby', content: 42 });"));
    const wrong = runAllowingFailure('npx', ['tsc', '-p', 'frontend/tsconfig.json'], appDir);
    expect(wrong.status).not.toBe(0);
    expect(wrong.output).toMatch(
      /frontend\/chat-page\.ts\(10,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/,
    );
    recordNote(`${label} frontend, wrong payload`, wrong.output.trim().split('\n')[0]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A gateway's contract as its events file states it, with the events every gateway shares. */
export function contractEvents(appDir: string, eventsFile: string): { receive: string[]; send: string[] } {
  const source = ts.createSourceFile(
    eventsFile,
    readFileSync(join(appDir, eventsFile), 'utf-8'),
    ts.ScriptTarget.Latest,
  );
  const members = (name: string): string[] => {
    const map = source.statements.find(
      (statement): statement is ts.InterfaceDeclaration =>
        ts.isInterfaceDeclaration(statement) && statement.name.text === name,
    );
    if (!map) {
      throw new Error(`${eventsFile} has no interface ${name}`);
    }
    return map.members.flatMap((member) => (member.name && ts.isIdentifier(member.name) ? [member.name.text] : []));
  };
  return {
    receive: ['refreshToken', ...members('ClientToServerEvents')],
    send: ['exception', 'serverShutdown', ...members('ServerToClientEvents')],
  };
}

/** Parses asyncapi.yaml with the app's own @asyncapi/parser; prints its diagnostics and operations as JSON. */
const PARSE_DOCUMENT = `
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const require = createRequire(process.cwd() + '/package.json');
const { Parser } = require('@asyncapi/parser');
const { document, diagnostics } = await new Parser().parse(readFileSync('asyncapi.yaml', 'utf-8'));
const severities = diagnostics.map((diagnostic) => diagnostic.severity);
console.log(JSON.stringify({
  version: document?.version(),
  errors: severities.filter((severity) => severity === 0).length,
  warnings: severities.filter((severity) => severity === 1).length,
  operations: (document?.operations().all() ?? []).flatMap((operation) =>
    operation.messages().all().map((message) => ({
      action: operation.action(),
      address: operation.channels().all()[0]?.address(),
      event: message.name(),
    })),
  ),
}));
`;

/**
 * `npm run asyncapi` writes asyncapi.yaml; @asyncapi/parser (the app's) finds no error in it, and it has an
 * operation for every event of every gateway's contract: a receive for each client event, a send for each
 * server event, on the gateway's namespace.
 */
export function checkAsyncApiDocument(
  appDir: string,
  gateways: Array<{ namespace: string; eventsFile: string }>,
  label: string,
): void {
  rmSync(join(appDir, 'asyncapi.yaml'), { force: true });
  run('npm', ['run', 'asyncapi'], appDir);
  expect(existsSync(join(appDir, 'asyncapi.yaml'))).toBe(true);
  const script = join(appDir, '..', 'parse-asyncapi.mjs');
  writeFileSync(script, PARSE_DOCUMENT);
  const parsed = JSON.parse(run('node', [script], appDir).trim().split('\n').pop() ?? '{}') as {
    version: string;
    errors: number;
    warnings: number;
    operations: Array<{ action: string; address: string; event: string }>;
  };
  expect(parsed.version).toBe('3.0.0');
  expect(parsed.errors).toBe(0);
  const documented = new Set(parsed.operations.map(({ action, address, event }) => `${address} ${action} ${event}`));
  const expected = gateways.flatMap(({ namespace, eventsFile }) => {
    const { receive, send } = contractEvents(appDir, eventsFile);
    return [
      ...receive.map((event) => `${namespace} receive ${event}`),
      ...send.map((event) => `${namespace} send ${event}`),
    ];
  });
  expect(expected.filter((event) => !documented.has(event))).toEqual([]);
  recordNote(
    `${label} asyncapi.yaml`,
    `AsyncAPI ${parsed.version}, ${parsed.errors} errors, ${parsed.warnings} warnings; ` +
      `${parsed.operations.length} operation messages on ${gateways.length} gateways, every one of the ` +
      `${expected.length} contract events present`,
  );
}

/** A redis-server of Debian's package on a free port, without persistence, for one check. */
async function startRedis(): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(() => output.includes('Ready to accept connections'), 10_000, `redis-server ready on ${port}`);
  return { url: `redis://127.0.0.1:${port}`, stop: () => server.kill('SIGKILL') };
}

/** A worker as a team writes one: no sockets, the generated emitter from the app's build, REDIS_URL. */
const PUSH_WORKER = (emitterModule: string) => `
import { connectAlertsEmitter } from ${JSON.stringify(emitterModule)};

const alerts = await connectAlertsEmitter();
const instances = await alerts.toUser('alice', 'orderStatusChanged', {
  orderId: '42',
  status: 'shipped',
  updatedAt: '2026-12-01T12:00:00.000Z',
});
await alerts.toUser('alice', 'orderShipped', { value: 'on its way' });
await alerts.close();
console.log(JSON.stringify({ instances }));
`;

/**
 * The built app runs with REDIS_URL on a real redis-server; alice connects to its `/alerts` namespace; a
 * separate Node process, holding no sockets, pushes to her with the generated connectAlertsEmitter (the push type's
 * example event and one realtime-event added), and both arrive.
 */
export async function checkWorkerPush(appDir: string, label: string): Promise<void> {
  const redis = await startRedis();
  let app: RunningApp | undefined;
  try {
    app = await startApp(appDir, [], 'dist/main.js', { REDIS_URL: redis.url });
    const alice = await connect(app, '/alerts', tokenFor(app, 'alice'));
    const inbox = new Inbox(alice);
    const worker = join(appDir, '..', 'push-worker.mjs');
    writeFileSync(worker, PUSH_WORKER(join(appDir, 'dist/alerts/alerts.emitter.js')));
    const started = Date.now();
    const output = run('node', [worker], appDir, { REDIS_URL: redis.url });

    expect(JSON.parse(output.trim().split('\n').pop() ?? '{}')).toEqual({ instances: 1 });
    await expect(inbox.next('orderStatusChanged')).resolves.toEqual({
      orderId: '42',
      status: 'shipped',
      updatedAt: '2026-12-01T12:00:00.000Z',
    });
    await expect(inbox.next('orderShipped')).resolves.toEqual({ value: 'on its way' });
    recordNote(
      `${label} worker push`,
      `node push-worker.mjs (connectAlertsEmitter, REDIS_URL) reached alice on the app process: 1 instance, ` +
        `both events delivered within ${Date.now() - started} ms of starting the worker`,
    );
    alice.close();
  } finally {
    app?.process.kill('SIGKILL');
    redis.stop();
  }
}
