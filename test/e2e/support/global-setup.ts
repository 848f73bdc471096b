import { mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pruneRuns } from './run-dirs';
import { run } from './shell';

/**
 * Once per harness run: a fresh run folder (scaffolded apps are cached in it for this run only) and our
 * package packed into a tarball, exactly as it would be published (`npm pack` runs `prepack`, a fresh build,
 * so the harness never tests a stale dist/). Earlier runs' leftovers are cleared first (support/run-dirs.ts).
 *
 * The run folder is outside this repository on purpose: Node resolves packages up the folder tree, so an
 * app inside it would silently use our node_modules (the Nest CLI would even scaffold with our
 * @nestjs/schematics), hiding a dependency the generated app lacks.
 */
export default function globalSetup(): void {
  const repo = join(__dirname, '..', '..', '..');
  const root = process.env.HARNESS_ROOT ?? join(tmpdir(), 'nest-realtime-harness');
  const runDir = join(root, new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(runDir, { recursive: true });
  const pruned = pruneRuns(root, runDir);
  if (pruned.length > 0) {
    process.stdout.write(`\nRemoved ${pruned.length} earlier harness run folder(s) under ${root}.\n`);
  }
  run('npm', ['pack', '--pack-destination', runDir], repo);
  const tarball = readdirSync(runDir).find((file) => file.endsWith('.tgz'));
  if (!tarball) {
    throw new Error(`npm pack wrote no tarball to ${runDir}`);
  }
  process.env.HARNESS_RUN_DIR = runDir;
  process.env.HARNESS_TARBALL = join(runDir, tarball);
}
