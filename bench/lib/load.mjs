// @ts-check
// The bench's side of the load generator: a group of forked load-worker processes, each holding a share of
// the clients, driven by request/response messages over IPC.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkWorker } from './processes.mjs';

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'load-worker.mjs');

/** @typedef {import('node:child_process').ChildProcess} Worker */
/** @typedef {import('./load-worker.mjs').ClientSpec} ClientSpec */
/** @typedef {import('./load-worker.mjs').LoadParams} LoadParams */
/** @typedef {import('./load-worker.mjs').LoadResult} LoadResult */

export class LoadGroup {
  /**
   * @param {number} size how many worker processes
   * @param {number} maxLifetimeMs after which they exit anyway
   */
  constructor(size, maxLifetimeMs) {
    this.workers = Array.from({ length: size }, () =>
      forkWorker(WORKER, { BENCH_WORKER_MAX_MS: String(maxLifetimeMs) }),
    );
    // A message sent before the worker listens would be lost, so commands wait for its `ready`.
    this.ready = new Map(this.workers.map((worker) => [worker, readiness(worker)]));
    this.nextId = 0;
    /** @type {number[] | undefined} Sending clients per worker, once connected. */
    this.senders = undefined;
  }

  /**
   * Sends one command to one worker; rejects when the worker reports an error, dies or takes too long.
   *
   * @param {Worker} worker
   * @param {string} command
   * @param {unknown} params
   * @param {number} timeoutMs
   * @returns {Promise<any>}
   */
  async request(worker, command, params, timeoutMs) {
    const id = this.nextId++;
    await this.ready.get(worker);
    return new Promise((resolve, reject) => {
      const cleanUp = () => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('exit', onExit);
      };
      const onMessage = (/** @type {{ id?: number, result?: unknown, error?: string }} */ message) => {
        if (message.id !== id) return;
        cleanUp();
        message.error === undefined ? resolve(message.result) : reject(new Error(`load worker: ${message.error}`));
      };
      const onExit = (/** @type {number | null} */ code) => {
        cleanUp();
        reject(new Error(`load worker exited (code ${code}) during "${command}"`));
      };
      const timer = setTimeout(() => {
        cleanUp();
        reject(new Error(`load worker did not finish "${command}" within ${timeoutMs} ms`));
      }, timeoutMs);
      worker.on('message', onMessage);
      worker.once('exit', onExit);
      worker.send({ id, command, params });
    });
  }

  /**
   * Runs a command on every worker at once; `paramsOf(index)` gives each worker its parameters.
   *
   * @param {string} command
   * @param {(index: number) => unknown} paramsOf
   * @param {number} timeoutMs
   * @returns {Promise<any[]>}
   */
  all(command, paramsOf, timeoutMs) {
    return Promise.all(this.workers.map((worker, index) => this.request(worker, command, paramsOf(index), timeoutMs)));
  }

  /**
   * Connects client specs ({ url, token, room?, sends }), split into contiguous slices, one per worker, so
   * that rooms made of consecutive clients stay within one worker.
   *
   * @param {ClientSpec[]} specs
   * @param {{ concurrency?: number, timeoutMs?: number }} [options]
   * @returns {Promise<{ connected: number, failed: number, firstError?: string }>}
   */
  async connect(specs, { concurrency = 50, timeoutMs = 120_000 } = {}) {
    const slice = Math.ceil(specs.length / this.workers.length);
    const results = await this.all(
      'connect',
      (index) => ({ specs: specs.slice(index * slice, (index + 1) * slice), concurrency }),
      timeoutMs,
    );
    this.senders = results.map((/** @type {{ senders: number }} */ result) => result.senders);
    return {
      connected: sum(results, 'connected'),
      failed: sum(results, 'failed'),
      firstError: results.find((result) => result.firstError)?.firstError,
    };
  }

  /**
   * Runs the workers' `load` command on every worker, the rate split in proportion to their sending clients
   * (a worker that holds only receivers counts deliveries), and merges the results.
   *
   * @param {LoadParams} params
   * @returns {Promise<LoadResult>}
   */
  async load(params) {
    const { warmupMs, windowMs, drainMs } = params;
    const senders = this.senders ?? this.workers.map(() => 1);
    const totalSenders = senders.reduce((total, count) => total + count, 0);
    const results = await this.all(
      'load',
      (index) => ({ ...params, rate: totalSenders > 0 ? (params.rate * senders[index]) / totalSenders : 0 }),
      warmupMs + windowMs + drainMs + 30_000,
    );
    /** @type {LoadResult[]} */
    const byWorker = results;
    /** @type {Record<string, unknown>} */
    const merged = {};
    const keys = [
      'sent',
      'skipped',
      'acked',
      'errors',
      'ackedInWindow',
      'sentInWindow',
      'unackedInWindow',
      'delivered',
      'deliveredInWindow',
    ];
    for (const key of keys) {
      merged[key] = sum(byWorker, key);
    }
    merged.firstError = byWorker.find((result) => result.firstError)?.firstError;
    merged.latenciesMs = byWorker.flatMap((result) => result.latenciesMs);
    merged.deliveryLatenciesMs = byWorker.flatMap((result) => result.deliveryLatenciesMs);
    return /** @type {LoadResult} */ (merged);
  }

  /** Ends the running `load` windows early (a load whose length was not known when it started). */
  async stopLoad() {
    await this.all('stop', () => ({}), 30_000);
  }

  async connectedCount() {
    return sum(await this.all('count', () => ({}), 30_000), 'connected');
  }

  /** Deliveries since the last `load` began, counted until now (so after its drain, late ones too). */
  async deliveredSoFar() {
    return sum(await this.all('count', () => ({}), 30_000), 'delivered');
  }

  /** Closes every client whose spec says `leaves`, in every worker at once; resolves with how many. */
  async leave() {
    return sum(await this.all('leave', () => ({}), 30_000), 'left');
  }

  /** `presence` events and the user entries in them, received since the last call, over all workers. */
  async presenceCounters() {
    const results = await this.all('counters', () => ({}), 30_000);
    return { events: sum(results, 'events'), users: sum(results, 'users') };
  }

  /** The failover clients' progress, merged: counts summed, rejoin times pooled. */
  async failoverStatus() {
    const results = await this.all('failoverStatus', () => ({}), 30_000);
    /** @type {{ following: number, connected: number, noticed: number, disconnected: number, attempts: number, errors: number, rejoinedAt: number[], firstError?: string }} */
    const merged = { following: 0, connected: 0, noticed: 0, disconnected: 0, attempts: 0, errors: 0, rejoinedAt: [] };
    for (const key of /** @type {const} */ ([
      'following',
      'connected',
      'noticed',
      'disconnected',
      'attempts',
      'errors',
    ])) {
      merged[key] = sum(results, key);
    }
    merged.rejoinedAt = results.flatMap((result) => result.rejoinedAt);
    merged.firstError = results.find((result) => result.firstError)?.firstError;
    return merged;
  }

  /** Closes every client and ends the worker processes. */
  async close() {
    await Promise.allSettled(this.workers.map((worker) => this.request(worker, 'close', {}, 30_000)));
    await Promise.all(this.workers.map(endWorker));
  }
}

/**
 * Resolves once the worker says it is ready for commands.
 *
 * @param {Worker} worker
 * @returns {Promise<void>}
 */
function readiness(worker) {
  /** @type {Promise<void>} */
  const ready = new Promise((resolve, reject) => {
    worker.on('message', (/** @type {{ ready?: boolean }} */ message) => message.ready && resolve());
    worker.once('exit', (code) => reject(new Error(`load worker exited (code ${code}) before it was ready`)));
  });
  // Rejections surface in request(); a worker nobody asked anything of must not crash the bench.
  ready.catch(() => undefined);
  return ready;
}

/**
 * Runs `use(group)` with a new group of `size` workers, closed whatever happens.
 *
 * @template T
 * @param {number} size
 * @param {number} maxLifetimeMs
 * @param {(group: LoadGroup) => Promise<T>} use
 * @returns {Promise<T>}
 */
export async function withLoadGroup(size, maxLifetimeMs, use) {
  const group = new LoadGroup(size, maxLifetimeMs);
  try {
    return await use(group);
  } finally {
    await group.close();
  }
}

/**
 * A worker exits when its IPC channel closes; one that does not is killed.
 *
 * @param {Worker} worker
 */
async function endWorker(worker) {
  if (worker.exitCode !== null || worker.signalCode !== null) return;
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  if (worker.connected) worker.disconnect();
  const timer = setTimeout(() => worker.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * @param {Array<Record<string, any>>} results
 * @param {string} key
 * @returns {number}
 */
function sum(results, key) {
  return results.reduce((total, result) => total + result[key], 0);
}
