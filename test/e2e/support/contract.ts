/**
 * Drives a generated app, started as a user starts it (`node dist/main.js`), with a plain socket.io-client
 * and checks the wire contract in docs/contract.md. Written independently of the generated tests: it
 * signs its own tokens and knows nothing of the generated code but the contract.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { io, Socket } from 'socket.io-client';
import { freePort, signJws, signToken, userClaims } from '../../../scripts/lib/tooling.cjs';
import { cleanEnvironment } from './shell';

// The repository's shared tooling: the bench, the demo and the harness sign tokens and pick ports alike.
export { freePort, signJws, signToken };

type Payload = Record<string, unknown>;

export interface RunningApp {
  url: string;
  secret: string;
  process: ChildProcess;
  output: () => string;
}

export function tokenFor(app: RunningApp, userId: string, lifetimeSeconds = 300): string {
  return signToken(app.secret, userClaims(userId, lifetimeSeconds));
}

/**
 * Starts `node [nodeArgs] dist/main.js` in production mode and resolves once it accepts socket.io connections.
 */
export async function startApp(
  appDir: string,
  nodeArgs: string[] = [],
  entry = 'dist/main.js',
  env: Record<string, string> = {},
): Promise<RunningApp> {
  const port = await freePort();
  const secret = randomBytes(24).toString('hex');
  const child = spawn(process.execPath, [...nodeArgs, entry], {
    cwd: appDir,
    env: { ...cleanEnvironment(), NODE_ENV: 'production', PORT: String(port), JWT_SECRET: secret, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const app: RunningApp = { url: `http://127.0.0.1:${port}`, secret, process: child, output: () => output };
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${entry} exited with code ${child.exitCode} before listening:\n${output}`);
    }
    if (await accepts(port)) {
      return app;
    }
    await delay(100);
  }
  child.kill('SIGKILL');
  throw new Error(`${entry} did not listen on port ${port} within 20 s:\n${output}`);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `done` every 100 ms until it holds; fails after `timeoutMs`, naming `what` did not come. */
export async function waitFor(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) {
      throw new Error(`no ${what} within ${timeoutMs} ms`);
    }
    await delay(100);
  }
}

/** A client on the namespace; resolves once connected, rejects with the connect_error message. */
export function connect(
  app: RunningApp,
  namespace: string,
  token?: string,
  via: 'auth' | 'header' = 'auth',
): Promise<Socket> {
  const socket = io(`${app.url}${namespace}`, {
    transports: ['websocket'],
    auth: token !== undefined && via === 'auth' ? { token } : {},
    extraHeaders: token !== undefined && via === 'header' ? { Authorization: `Bearer ${token}` } : {},
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error: Error) => {
      socket.close();
      reject(error);
    });
  });
}

/** What the server answers to a refused handshake: the connect_error message, or 'connected' when it let us in. */
export async function handshakeOutcome(
  app: RunningApp,
  namespace: string,
  token?: string,
  via: 'auth' | 'header' = 'auth',
): Promise<string> {
  try {
    const socket = await connect(app, namespace, token, via);
    socket.close();
    return 'connected';
  } catch (error) {
    return (error as Error).message;
  }
}

/** Records every event a socket receives, to assert on deliveries and on silence. */
export class Inbox {
  readonly events: Array<{ event: string; args: unknown[] }> = [];
  private readonly consumed = new Map<string, number>();

  constructor(socket: Socket) {
    socket.onAny((event: string, ...args: unknown[]) => this.events.push({ event, args }));
  }

  named(event: string): Payload[] {
    return this.events.filter((entry) => entry.event === event).map((entry) => entry.args[0] as Payload);
  }

  /** The first `event` received (before or after the call) whose payload `matches`, waiting for it if needed. */
  async first(event: string, matches: (payload: Payload) => boolean, timeoutMs = 3000): Promise<Payload> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = this.named(event).find(matches);
      if (found !== undefined) {
        return found;
      }
      await delay(10);
    }
    throw new Error(`no matching "${event}" within ${timeoutMs} ms; received: ${JSON.stringify(this.events)}`);
  }

  /** The next `event` not yet returned by next(), waiting for it to arrive if needed. */
  async next(event: string, timeoutMs = 3000): Promise<Payload> {
    const index = this.consumed.get(event) ?? 0;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const received = this.named(event);
      if (received.length > index) {
        this.consumed.set(event, index + 1);
        return received[index];
      }
      await delay(10);
    }
    throw new Error(`no "${event}" within ${timeoutMs} ms; received: ${JSON.stringify(this.events)}`);
  }
}

export async function ack(socket: Socket, event: string, payload: unknown): Promise<Payload> {
  return (await socket.timeout(3000).emitWithAck(event, payload)) as Payload;
}
