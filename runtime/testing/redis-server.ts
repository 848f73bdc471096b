import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/** redis-server on PATH, which scale-out tests start; undefined when it is not installed. */
export const REDIS_SERVER_BINARY = findExecutable('redis-server');

/** Why scale-out tests skip without {@link REDIS_SERVER_BINARY}. */
export const SKIP_REASON_WITHOUT_REDIS =
  'redis-server is not on PATH; install it (e.g. apt-get install redis-server) to run the scale-out tests';

const REDIS_START_TIMEOUT_MS = 5_000;

/** A TCP port nothing listens on right now, for a throwaway server. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * A throwaway redis-server without persistence, restartable on the same port.
 *
 * @example
 * const redisServer = await RedisServer.launch();
 * const env = { REDIS_URL: redisServer.url };
 */
export class RedisServer {
  private child?: ChildProcess;

  constructor(
    private readonly binary: string,
    readonly port: number,
  ) {}

  /**
   * Starts {@link REDIS_SERVER_BINARY} on a free loopback port; fails with
   * {@link SKIP_REASON_WITHOUT_REDIS} when it is not installed.
   */
  static async launch(): Promise<RedisServer> {
    if (REDIS_SERVER_BINARY === undefined) {
      throw new Error(SKIP_REASON_WITHOUT_REDIS);
    }
    const server = new RedisServer(REDIS_SERVER_BINARY, await freePort());
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null;
  }

  async start(): Promise<void> {
    const child = spawn(
      this.binary,
      // No RDB or AOF files: the data is throwaway.
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`redis-server did not start:\n${output}`)),
        REDIS_START_TIMEOUT_MS,
      );
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}:\n${output}`));
      });
    });
  }

  /** Kills the server without a clean shutdown, as a crash would. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) {
      return;
    }
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
