#!/usr/bin/env node
// @ts-check
// Records what earlier releases generated, so an app generated before nest-realtime.json kept records can
// still be upgraded: a file equal to an earlier release's output was not edited. For each commit listed in
// scripts/earlier-releases.json, this checks the commit out in a temporary worktree, builds it, runs its own
// schematics in memory (nest-add with each adapter/auth/metrics choice, then realtime-gateway) with
// placeholder values (see PLACEHOLDERS in src/utils/earlier-releases.ts), and writes every generated file,
// normalised, to templates/earlier-releases.json.
//
//   node scripts/earlier-releases.mjs          # after adding a released commit to scripts/earlier-releases.json
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const commits = JSON.parse(readFileSync(join(root, 'scripts/earlier-releases.json'), 'utf-8'));
execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
const { normalizeForComparison, PLACEHOLDERS } = require(join(root, 'dist/utils/earlier-releases.js'));

// Each nest-add variant; an option an older release did not have is dropped (its schema refuses it).
const VARIANTS = [
  { adapter: 'pubsub', auth: 'hs256', metrics: true },
  { adapter: 'sharded', auth: 'jwks', metrics: false },
  { adapter: 'streams', metrics: true },
];

/** The Jest spec that writes every variant's generated files below `outDir`. @param {string} outDir */
const spec = (outDir) => `
import { SchematicTestRunner } from '@angular-devkit/schematics/testing';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createNestAppTree } from './fixtures/nest-app';

const runner = new SchematicTestRunner('nest-realtime', join(__dirname, '../collection.json'));
const variants: Array<Record<string, unknown>> = ${JSON.stringify(VARIANTS)};

it('renders every variant', async () => {
  for (const [index, variant] of variants.entries()) {
    let options = { skipInstall: true, corsOriginsEnv: ${JSON.stringify(PLACEHOLDERS.corsOriginsEnv)}, ...variant };
    let tree;
    for (;;) {
      try {
        tree = await runner.runSchematic('nest-add', options, createNestAppTree(11));
        break;
      } catch (error) {
        const unknown = Object.keys(variant).find((key) => String(error).includes(key) && key in options);
        if (!unknown) throw error;
        const { [unknown]: _dropped, ...rest } = options as Record<string, unknown>;
        options = rest as typeof options;
      }
    }
    tree = await runner.runSchematic('realtime-gateway', { name: ${JSON.stringify(PLACEHOLDERS.fileName)}, skipInstall: true }, tree);
    for (const path of tree.files.filter((file) => /^\\/(src|test)\\/.*\\.ts$/.test(file))) {
      const target = join(${JSON.stringify(outDir)}, String(index), path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, tree.readContent(path));
    }
  }
}, 120000);
`;

/**
 * @param {string} dir
 * @returns {string[]}
 */
function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * src/realtime/x.ts -> realtime-kit/x.ts; src/zq-xv/zq-xv.gateway.ts -> realtime-gateway/feature/__name__.gateway.ts
 *
 * @param {string} path
 */
function templateKey(path) {
  const name = (/** @type {string} */ file) => file.split(PLACEHOLDERS.fileName).join('__name__');
  if (path.startsWith('src/realtime/')) return `realtime-kit/${path.slice('src/realtime/'.length)}`;
  if (path.startsWith(`src/${PLACEHOLDERS.fileName}/`)) {
    return `realtime-gateway/feature/${name(path.slice(`src/${PLACEHOLDERS.fileName}/`.length))}`;
  }
  if (path.startsWith('test/')) return `realtime-gateway/e2e/${name(path.slice('test/'.length))}`;
  return undefined;
}

/** @type {Record<string, string[]>} */
const outputs = {};
for (const commit of commits) {
  const work = mkdtempSync(join(tmpdir(), 'nest-realtime-release-'));
  try {
    execFileSync('git', ['worktree', 'add', '--detach', work, commit], { cwd: root, stdio: 'inherit' });
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: work, stdio: 'inherit' });
    execFileSync('npm', ['run', 'build'], { cwd: work, stdio: 'inherit' });
    const outDir = join(work, '.release-output');
    writeFileSync(join(work, 'test/earlier-release-output.spec.ts'), spec(outDir));
    execFileSync('npx', ['jest', 'test/earlier-release-output.spec.ts'], {
      cwd: work,
      stdio: 'inherit',
      env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules --no-warnings=ExperimentalWarning' },
    });
    for (const file of filesUnder(outDir)) {
      const path = relative(outDir, file).split('/').slice(1).join('/');
      const key = templateKey(path);
      if (key === undefined || key.startsWith('src/app')) continue;
      const normalized = normalizeForComparison(readFileSync(file, 'utf-8'));
      outputs[key] = [...new Set([...(outputs[key] ?? []), normalized])].sort();
    }
  } finally {
    execFileSync('git', ['worktree', 'remove', '--force', work], { cwd: root, stdio: 'inherit' });
    rmSync(work, { recursive: true, force: true });
  }
}
const sorted = Object.fromEntries(Object.entries(outputs).sort(([a], [b]) => a.localeCompare(b)));
writeFileSync(join(root, 'templates/earlier-releases.json'), JSON.stringify({ commits, outputs: sorted }) + '\n');
console.log(`templates/earlier-releases.json: ${Object.keys(sorted).length} files from ${commits.join(', ')}`);
