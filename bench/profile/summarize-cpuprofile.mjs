// node bench/profile/summarize-cpuprofile.mjs <file.cpuprofile> [--top 25] [--by function|file|package]
// Sums the self time of a V8 CPU profile (node --cpu-prof) per function, file or package, so that two
// servers' profiles can be compared line by line. Prints the total sampled time and the top rows.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' }, by: { type: 'string', default: 'function' } },
});
if (positionals.length !== 1 || !['function', 'file', 'package'].includes(args.by)) {
  console.error('usage: node bench/profile/summarize-cpuprofile.mjs <file.cpuprofile> [--top 25] [--by function|file|package]');
  process.exit(2);
}

const profile = JSON.parse(readFileSync(positionals[0], 'utf-8'));

/** Where a profile node's code lives: its npm package, node's internals, or the app itself. */
function packageOf(url) {
  if (url === '') return '(native / vm)';
  if (url.startsWith('node:')) return 'node: internals';
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  return match ? match[1] : 'app code';
}

function shortFile(url) {
  const inModules = url.lastIndexOf('node_modules/');
  return inModules >= 0 ? url.slice(inModules + 'node_modules/'.length) : url.replace(/^file:\/\//, '');
}

function keyOf({ callFrame: { functionName, url, lineNumber } }) {
  if (args.by === 'package') return packageOf(url);
  if (args.by === 'file') return shortFile(url) || '(native / vm)';
  return `${functionName || '(anonymous)'}  ${shortFile(url)}:${lineNumber + 1}`;
}

// Each sample is attributed to the node it hit; timeDeltas[i] is the time since the previous sample.
const selfMicros = new Map();
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
profile.samples.forEach((id, index) => {
  const key = keyOf(nodes.get(id));
  selfMicros.set(key, (selfMicros.get(key) ?? 0) + (profile.timeDeltas[index] ?? 0));
});

const total = [...selfMicros.values()].reduce((sum, micros) => sum + micros, 0);
const idle = [...selfMicros].filter(([key]) => key.startsWith('(idle)')).reduce((sum, [, micros]) => sum + micros, 0);
console.log(`sampled ${(total / 1e6).toFixed(2)} s, of which idle ${(idle / 1e6).toFixed(2)} s; busy ${((total - idle) / 1e6).toFixed(2)} s`);
console.log('self ms    % busy  where');
const rows = [...selfMicros].filter(([key]) => !key.startsWith('(idle)')).sort((a, b) => b[1] - a[1]);
for (const [key, micros] of rows.slice(0, Number(args.top))) {
  console.log(`${(micros / 1000).toFixed(0).padStart(7)}  ${((micros / (total - idle)) * 100).toFixed(1).padStart(6)}  ${key}`);
}
