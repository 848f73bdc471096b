// @ts-check
// node bench/profile/profile-servers.mjs [--nest 11] [--app DIR]... [--rate 2000] [--seconds 10]
//                                        [--connections 2000] [--rounds 1] [--out DIR] [--plain]
// Where does a server spend more than the baseline? Runs the baseline and the generated app (or, with
// --app, copies of it whose generated files were edited by hand to try a change) alternately:
// - under the bench's chat load at a fixed rate, recording a CPU profile of exactly the measuring window,
//   the server's CPU time per acked message and the ack latencies;
// - holding K idle connections, with a heap snapshot before and after, diffed per connection.
// Prints both side by side and keeps the profiles and snapshots in --out. Needs a prior `npm run bench`.
// --plain measures CPU and latency without the profiler (which costs CPU itself); --connections 0 skips
// the idle-connection snapshots.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { cacheRoot } from '../lib/generated-app.mjs';
import { idleClients } from '../lib/idle-memory.mjs';
import { withLoadGroup } from '../lib/load.mjs';
import { cpuMicros, killAll } from '../lib/processes.mjs';
import { median, percentile } from '../lib/stats.mjs';
import { withSystem } from '../lib/systems.mjs';
import { connectChatClients, loadParams } from '../lib/throughput.mjs';
import { contendersFor } from './contenders.mjs';
import { selfTime } from './cpuprofile.mjs';
import { growthPer, objectsByKind } from './heap-snapshot.mjs';

const { values: args } = parseArgs({
  options: {
    nest: { type: 'string', default: '11' },
    app: { type: 'string', multiple: true, default: [] },
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '1' },
    out: { type: 'string', default: join(cacheRoot(), 'profiles') },
    plain: { type: 'boolean', default: false },
  },
});
const settings = { clients: 200, roomSize: 10, maxInFlight: 20, workerLifetimeMs: 15 * 60_000 };
const rate = Number(args.rate);
const windowMs = Number(args.seconds) * 1000;
const connections = Number(args.connections);
rmSync(args.out, { recursive: true, force: true });
mkdirSync(args.out, { recursive: true });

const contenders = contendersFor(args.nest, args.app);

/** @typedef {import('../lib/simultaneous.mjs').Contender} Contender */

/**
 * One contender under the chat load at --rate: its CPU per message, the profile's self time per package,
 * the ack latencies.
 *
 * @param {Contender} contender
 * @param {number} round
 */
async function profileUnderLoad({ label, app, system }, round) {
  return withSystem(system, app, {}, (server) =>
    withLoadGroup(2, settings.workerLifetimeMs, async (group) => {
      await connectChatClients(group, server, settings);
      await group.load(loadParams(settings, { rate, warmupMs: 0, windowMs: 3_000, drainMs: 2_000 }));
      const path = join(args.out, `${label}-${round}.cpuprofile`);
      const running = group.load(loadParams(settings, { rate, warmupMs: 0, windowMs, drainMs: 2_000 }));
      if (!args.plain) await server.ask({ benchCommand: 'cpuProfileStart' }, 'benchCpuProfile');
      const cpuStart = cpuMicros(server.pid);
      await sleep(windowMs - 200);
      const cpuEnd = cpuMicros(server.pid);
      if (!args.plain) await server.ask({ benchCommand: 'cpuProfileStop', path }, 'benchCpuProfile');
      const result = await running;
      /** @type {ReturnType<typeof selfTime>} */
      const { busyMicros, rows } = args.plain
        ? { busyMicros: Number.NaN, rows: [] }
        : selfTime(JSON.parse(readFileSync(path, 'utf-8')), 'package');
      return {
        label,
        serverCpuUsPerMessage: (cpuEnd - cpuStart) / result.acked,
        profiledUsPerMessage: busyMicros / result.acked,
        byPackage: Object.fromEntries(rows.map(([key, micros]) => [key, micros / result.acked])),
        p50AckMs: percentile(result.latenciesMs, 50),
        p99AckMs: percentile(result.latenciesMs, 99),
        profile: args.plain ? undefined : path,
      };
    }),
  );
}

/**
 * One contender holding --connections idle connections: its heap growth per connection, by kind of object.
 *
 * @param {Contender} contender
 */
async function snapshotIdle({ label, app, system }) {
  return withSystem(system, app, {}, async (server) => {
    await withLoadGroup(1, settings.workerLifetimeMs, (group) => group.connect(idleClients(server, 50, 'warm-up')));
    await sleep(1_000);
    const before = join(args.out, `${label}-idle-before.heapsnapshot`);
    const after = join(args.out, `${label}-idle-after.heapsnapshot`);
    const heapBefore = await server.ask({ benchCommand: 'heap' }, 'benchHeap');
    await server.ask({ benchCommand: 'heapSnapshot', path: before }, 'benchHeapSnapshot');
    return withLoadGroup(Math.ceil(connections / 2_500), settings.workerLifetimeMs, async (group) => {
      await group.connect(idleClients(server, connections, 'idle'), { concurrency: 25, timeoutMs: 300_000 });
      await sleep(2_000);
      const held = await group.connectedCount();
      const heapAfter = await server.ask({ benchCommand: 'heap' }, 'benchHeap');
      await server.ask({ benchCommand: 'heapSnapshot', path: after }, 'benchHeapSnapshot');
      return {
        label,
        held,
        heapKbPerConnection: (heapAfter.usedHeapBytes - heapBefore.usedHeapBytes) / held / 1024,
        growth: growthPer(objectsByKind(before), objectsByKind(after), held),
      };
    });
  });
}

/** @type {Array<Awaited<ReturnType<typeof profileUnderLoad>>>} */
const runs = [];
for (let round = 1; round <= Number(args.rounds); round++) {
  for (const contender of contenders) {
    const run = await profileUnderLoad(contender, round);
    console.log(
      `${run.label}: ${run.serverCpuUsPerMessage.toFixed(1)} µs CPU/msg, p50/p99 ${run.p50AckMs.toFixed(1)}/${run.p99AckMs.toFixed(1)} ms`,
    );
    runs.push(run);
  }
}

const labels = contenders.map(({ label }) => label);
/**
 * @param {string} label
 * @param {(run: (typeof runs)[number]) => number} pick
 */
const medianFor = (label, pick) => median(runs.filter((run) => run.label === label).map(pick));
const column = (/** @type {number} */ value, digits = 1) =>
  (Number.isFinite(value) ? value.toFixed(digits) : '—').padStart(12);
console.log(`\nAt ${rate} msg/s (${args.rounds} round(s), medians; per acked message):`);
console.log(`${''.padEnd(34)}${labels.map((label) => label.padStart(12)).join('')}`);
console.log(
  `${'server CPU µs (/proc)'.padEnd(34)}${labels.map((label) => column(medianFor(label, (run) => run.serverCpuUsPerMessage))).join('')}`,
);
console.log(
  `${'main thread busy µs (profile)'.padEnd(34)}${labels.map((label) => column(medianFor(label, (run) => run.profiledUsPerMessage))).join('')}`,
);
const packages = [...new Set(runs.flatMap((run) => Object.keys(run.byPackage)))]
  .map((key) => {
    const most = Math.max(...labels.map((label) => medianFor(label, (run) => run.byPackage[key] ?? 0)));
    return /** @type {[string, number]} */ ([key, most]);
  })
  .filter(([, most]) => most >= 0.5)
  .sort((a, b) => b[1] - a[1]);
for (const [key] of packages) {
  console.log(
    `${`  ${key}`.slice(0, 33).padEnd(34)}${labels.map((label) => column(medianFor(label, (run) => run.byPackage[key] ?? 0))).join('')}`,
  );
}
console.log(
  `${'p99 ack ms'.padEnd(34)}${labels.map((label) => column(medianFor(label, (run) => run.p99AckMs))).join('')}`,
);

if (connections > 0) console.log(`\nIdle connections (K=${connections}), heap growth per connection after a full GC:`);
for (const contender of connections > 0 ? contenders : []) {
  const idle = await snapshotIdle(contender);
  console.log(
    `\n${idle.label}: ${idle.held} held, ${idle.heapKbPerConnection.toFixed(2)} KB heap each; largest kinds:`,
  );
  for (const { kind, count, bytes } of idle.growth.slice(0, 25)) {
    console.log(`${bytes.toFixed(0).padStart(7)} B ${count.toFixed(2).padStart(6)} ×  ${kind}`);
  }
}
console.log(`\nProfiles and snapshots: ${args.out}`);
killAll();
