// @ts-check
// node bench/profile/compare-servers.mjs [--nest 11] [--app DIR]... [--rate 1200] [--windows 8] [--seconds 8]
// Which of several servers costs less CPU per message, to within a percent or two? Runs the baseline and
// every app (the generated one, or hand-edited copies of it given with --app) at the same time, each with
// its own clients at the same rate, and reads every server's CPU time over the same windows, as the bench's
// CPU phase does (lib/simultaneous.mjs). Keep the summed rate (servers × --rate) well under saturation, or
// the figures measure the queueing. Needs a prior `npm run bench` (it reuses the cached app).
import { parseArgs } from 'node:util';
import { killAll } from '../lib/processes.mjs';
import { loadAtOnce } from '../lib/simultaneous.mjs';
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
const settings = { clients: 200, roomSize: 10, maxInFlight: 20, workerLifetimeMs: 30 * 60_000 };
const phase = {
  rate: Number(args.rate),
  windows: Number(args.windows),
  firstWarmupRate: Math.max(Number(args.rate), 1_000),
  firstWarmupMs: 3_000,
  warmupMs: 1_000,
  windowMs: Number(args.seconds) * 1000,
  drainMs: 1_000,
};

try {
  const { servers } = await loadAtOnce({
    contenders: contendersFor(args.nest, args.app),
    settings,
    phase,
    onWindow: (index, running) =>
      console.log(
        `window ${index + 1}: ` +
          running
            .map(({ label, windows }) => `${label} ${windows[windows.length - 1].serverCpuUsPerMessage.toFixed(1)} µs`)
            .join(', ') +
          ` | ÷ baseline ${running
            .slice(1)
            .map(({ windows }) => windows[windows.length - 1].cpuRatio.toFixed(3))
            .join(' ')}`,
      ),
  });
  console.log(
    `\n${phase.rate} msg/s per server, ${servers.length} servers at once, medians of ${phase.windows} windows:`,
  );
  for (const { label, serverCpuUsPerMessage, cpuRatio, p99AckMs } of servers) {
    console.log(
      `${label.padEnd(20)} ${serverCpuUsPerMessage.toFixed(1).padStart(7)} µs CPU/msg` +
        `  ÷ baseline ${cpuRatio.toFixed(3)}` +
        `  p99 ${p99AckMs.toFixed(1)} ms`,
    );
  }
} finally {
  killAll();
}
