// @ts-check
// node scripts/time-schematic.mjs [appDir] [--runs 20]
// Times `realtime-gateway chat` in process (SchematicTestRunner over an in-memory copy of a Nest app's
// sources, after one warm-up run) and prints the median and spread in milliseconds. Needs `npm run build`.
// Prettier's output is not cached here (NEST_REALTIME_FORMAT_CACHE=off): every run formats every file, as
// the figures from before the cache did, instead of timing cache hits after the warm-up.
import { createRequire } from 'node:module';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

process.env.NEST_REALTIME_FORMAT_CACHE = 'off';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { HostTree } = require('@angular-devkit/schematics');
const { SchematicTestRunner, UnitTestTree } = require('@angular-devkit/schematics/testing');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '20' } },
});
const appDir = positionals[0];
if (!appDir) {
  console.error('usage: node scripts/time-schematic.mjs <nest app dir> [--runs 20]');
  process.exit(2);
}

/** @type {Array<[path: string, content: Buffer]>} */
const files = [];
(function collect(dir) {
  for (const entry of readdirSync(dir)) {
    if (['node_modules', 'dist', '.git'].includes(entry)) continue;
    const path = join(dir, entry);
    statSync(path).isDirectory() ? collect(path) : files.push([`/${relative(appDir, path)}`, readFileSync(path)]);
  }
})(appDir);

const runner = new SchematicTestRunner('nest-realtime', join(root, 'collection.json'));
const freshTree = () => {
  const tree = new UnitTestTree(new HostTree());
  for (const [path, content] of files) tree.create(path, content);
  return tree;
};

await runner.runSchematic('realtime-gateway', { name: 'chat' }, freshTree());
const timings = [];
for (let run = 0; run < Number(values.runs); run++) {
  const tree = freshTree();
  const started = process.hrtime.bigint();
  await runner.runSchematic('realtime-gateway', { name: 'chat' }, tree);
  timings.push(Number(process.hrtime.bigint() - started) / 1e6);
}
timings.sort((a, b) => a - b);
const median = timings[Math.floor(timings.length / 2)];
console.log(
  JSON.stringify({
    runs: timings.length,
    medianMs: +median.toFixed(2),
    minMs: +timings[0].toFixed(2),
    maxMs: +(timings.at(-1) ?? NaN).toFixed(2),
  }),
);
