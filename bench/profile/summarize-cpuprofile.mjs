// @ts-check
// node bench/profile/summarize-cpuprofile.mjs <file.cpuprofile> [--by function|file|package] [--top 25]
//                                            [--messages N]
// Prints the busy (non-idle) time of a V8 CPU profile and its top rows of self time. With --messages, also
// per message: e.g. the acks of the window the profile covers.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { selfTime } from './cpuprofile.mjs';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    top: { type: 'string', default: '25' },
    by: { type: 'string', default: 'function' },
    messages: { type: 'string' },
  },
});
if (positionals.length !== 1 || !['function', 'file', 'package'].includes(args.by)) {
  console.error(
    'usage: node bench/profile/summarize-cpuprofile.mjs <file.cpuprofile> [--by function|file|package] [--top 25] [--messages N]',
  );
  process.exit(2);
}

const { busyMicros, rows } = selfTime(JSON.parse(readFileSync(positionals[0], 'utf-8')), args.by);
const messages = Number(args.messages);
const perMessage = (/** @type {number} */ micros) =>
  messages > 0 ? `${(micros / messages).toFixed(2).padStart(8)} µs/msg` : '';
console.log(`busy ${(busyMicros / 1e6).toFixed(2)} s ${perMessage(busyMicros)}`);
for (const [key, micros] of rows.slice(0, Number(args.top))) {
  console.log(
    `${(micros / 1000).toFixed(0).padStart(7)} ms ${((micros / busyMicros) * 100).toFixed(1).padStart(5)} % ${perMessage(micros)}  ${key}`,
  );
}
