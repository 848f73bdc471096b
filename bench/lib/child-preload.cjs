// @ts-check
// Preloaded (NODE_OPTIONS=--require) into every Node process the bench starts, both servers included, so
// that they are treated alike. Each has an IPC channel to the bench; commands come as
// `{ benchCommand, ... }` messages and are answered with `{ [answerKey]: value }`:
// - when the channel closes (the bench is gone, even killed with SIGKILL), the process exits;
// - `heap` collects garbage (when started with --expose-gc) and answers `benchHeap` with heap figures, so
//   that idle-connection memory is read after a full GC;
// - `heapSnapshot` writes a heap snapshot to `path`; `cpuProfileStart` / `cpuProfileStop` record a CPU
//   profile of exactly the window between them (bench/profile/ uses these);
// - `eventLoopDelayStart` / `eventLoopDelayStop` sample the event loop's delay between them and answer
//   `benchEventLoopDelay` with its maximum and p99 in ms (the reconnect storm reads it).
// None of it costs a server anything while it is not asked.
const inspector = require('node:inspector');
const v8 = require('node:v8');

/** @type {import('node:inspector').Session | undefined} */
let profilerSession;
/** @type {import('node:perf_hooks').IntervalHistogram | undefined} */
let delayHistogram;

/**
 * An inspector command's result.
 *
 * @param {import('node:inspector').Session} session
 * @param {string} method
 * @param {object} [params]
 * @returns {Promise<any>}
 */
function post(session, method, params) {
  return new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
  );
}

/** @type {Record<string, (message: any) => unknown>} */
const commands = {
  eventLoopDelayStart() {
    delayHistogram = require('node:perf_hooks').monitorEventLoopDelay({ resolution: 10 });
    delayHistogram.enable();
    return { benchEventLoopDelay: 'started' };
  },
  eventLoopDelayStop() {
    const histogram = delayHistogram;
    if (histogram === undefined) throw new Error('eventLoopDelayStop without eventLoopDelayStart');
    histogram.disable();
    const nsToMs = (/** @type {number} */ ns) => ns / 1e6;
    return {
      benchEventLoopDelay: { maxMs: nsToMs(histogram.max), p99Ms: nsToMs(histogram.percentile(99)) },
    };
  },
  heap() {
    globalThis.gc?.();
    const { used_heap_size: usedHeapBytes, total_heap_size: totalHeapBytes } = v8.getHeapStatistics();
    const { rss: rssBytes, external: externalBytes } = process.memoryUsage();
    return { benchHeap: { usedHeapBytes, totalHeapBytes, externalBytes, rssBytes } };
  },
  heapSnapshot({ path }) {
    return { benchHeapSnapshot: v8.writeHeapSnapshot(path) };
  },
  async cpuProfileStart({ samplingIntervalUs = 100 }) {
    const session = new inspector.Session();
    profilerSession = session;
    session.connect();
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: samplingIntervalUs });
    await post(session, 'Profiler.start');
    return { benchCpuProfile: 'started' };
  },
  async cpuProfileStop({ path }) {
    const session = profilerSession;
    if (session === undefined) throw new Error('cpuProfileStop without cpuProfileStart');
    const { profile } = await post(session, 'Profiler.stop');
    session.disconnect();
    require('node:fs').writeFileSync(path, JSON.stringify(profile));
    return { benchCpuProfile: path };
  },
};

if (process.channel) {
  process.once('disconnect', () => process.exit(0));
  process.on('message', async (/** @type {{ benchCommand?: string } | undefined} */ message) => {
    const command = commands[message?.benchCommand ?? ''];
    if (command) process.send?.(await command(message));
  });
}
