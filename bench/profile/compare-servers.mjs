// node bench/profile/compare-servers.mjs [--nest 11] [--app DIR]... [--rate 1200] [--windows 8] [--seconds 8]
// Which of several servers costs less CPU per message, to within a percent or two? The bench alternates
// its systems; this runs the baseline and every app (the generated one, or hand-edited copies of it given
// with --app) at the same time, each with its own clients at the same rate, and reads every server's CPU
// time over the same windows. Whatever the machine does during a window, it does to all of them, so the
// ratio to the baseline within a window moves by about ±2 % where back-to-back runs move by ±10 %.
// Keep the summed rate (servers × --rate) well under saturation, or the figures measure the queueing.
// Needs a prior `npm run bench` (it reuses the cached app).
import { parseArgs } from 'node:util';
import { LoadGroup } from '../lib/load.mjs';
import { cpuMicros, killAll } from '../lib/processes.mjs';
import { median, percentile } from '../lib/stats.mjs';
import { startSystem } from '../lib/systems.mjs';
import { connectChatClients, loadParams } from '../lib/throughput.mjs';
import { contendersFor } from './contenders.mjs';

const { values: args } = parseArgs({
  options: {
    nest: { type: 'string', default: '11' },
    app: { type: 'string', multiple: true, default: [] },
    rate: { type: 'string', default: '1200' },
    windows: { type: 'string', default: '8' },
    seconds: { type: 'string', default: '8' },
  },
});
const settings = { clients: 200, roomSize: 10, maxInFlight: 20 };
const rate = Number(args.rate);
const windowMs = Number(args.seconds) * 1000;
const load = (phaseWindowMs) => loadParams(settings, { rate, warmupMs: 0, windowMs: phaseWindowMs, drainMs: 2_000 });

const contenders = contendersFor(args.nest, args.app);

const running = [];
try {
  for (const contender of contenders) {
    const server = await startSystem(contender.system, contender.app);
    const group = new LoadGroup(1, 30 * 60_000);
    running.push({ ...contender, server, group, windows: [] });
  }
  for (const { server, group } of running) await connectChatClients(group, server, settings);
  await Promise.all(running.map(({ group }) => group.load(load(3_000))));
  for (let window = 1; window <= Number(args.windows); window++) {
    const before = running.map(({ server }) => cpuMicros(server.pid));
    const results = await Promise.all(running.map(({ group }) => group.load(load(windowMs))));
    const after = running.map(({ server }) => cpuMicros(server.pid));
    running.forEach((contender, index) => {
      const failure = contender.server.failure();
      if (failure) throw new Error(failure);
      contender.windows.push({
        cpuUsPerMessage: (after[index] - before[index]) / results[index].acked,
        p99AckMs: percentile(results[index].latenciesMs, 99),
      });
    });
    const base = running[0].windows.at(-1).cpuUsPerMessage;
    console.log(
      `window ${window}: ` +
        running.map(({ label, windows }) => `${label} ${windows.at(-1).cpuUsPerMessage.toFixed(1)} µs`).join(', ') +
        ` | ÷ baseline ${running.slice(1).map(({ windows }) => (windows.at(-1).cpuUsPerMessage / base).toFixed(3)).join(' ')}`,
    );
  }
  console.log(`\n${rate} msg/s per server, ${running.length} servers at once, medians of ${args.windows} windows:`);
  for (const { label, windows } of running) {
    const ratios = windows.map((window, index) => window.cpuUsPerMessage / running[0].windows[index].cpuUsPerMessage);
    console.log(
      `${label.padEnd(20)} ${median(windows.map((window) => window.cpuUsPerMessage)).toFixed(1).padStart(7)} µs CPU/msg` +
        `  ÷ baseline ${median(ratios).toFixed(3)}` +
        `  p99 ${median(windows.map((window) => window.p99AckMs)).toFixed(1)} ms`,
    );
  }
} finally {
  await Promise.allSettled(running.map(({ group }) => group.close()));
  await Promise.allSettled(running.map(({ server }) => server.stop()));
  killAll();
}
