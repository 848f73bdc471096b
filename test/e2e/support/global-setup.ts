import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './shell';

/**
 * Once per harness run: a fresh run folder (scaffolded apps are cached in it for this run only) and our
 * package packed into a tarball, exactly as it would be published.
 */
export default function globalSetup(): void {
  const root = join(__dirname, '..', '..', '..');
  const runDir = join(root, '.cache', 'harness', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(runDir, { recursive: true });
  run('npm', ['pack', '--pack-destination', runDir], root);
  const tarball = readdirSync(runDir).find((file) => file.endsWith('.tgz'));
  if (!tarball) {
    throw new Error(`npm pack wrote no tarball to ${runDir}`);
  }
  process.env.HARNESS_RUN_DIR = runDir;
  process.env.HARNESS_TARBALL = join(runDir, tarball);
}
