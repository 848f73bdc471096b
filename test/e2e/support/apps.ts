import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, relative } from 'node:path';
import { HostMajor, NEST_CLI_VERSIONS } from './hosts';
import { run } from './shell';

export function runDir(): string {
  const dir = process.env.HARNESS_RUN_DIR;
  if (!dir) {
    throw new Error('HARNESS_RUN_DIR is not set: run the harness through `npm run test:generated`.');
  }
  return dir;
}

export function tarball(): string {
  const path = process.env.HARNESS_TARBALL;
  if (!path) {
    throw new Error('HARNESS_TARBALL is not set: run the harness through `npm run test:generated`.');
  }
  return path;
}

/**
 * A fresh `nest new` app of the given major, scaffolded once per harness run and copied for each scenario,
 * so every scenario starts from an untouched app.
 */
export function freshApp(major: HostMajor, scenario: string): string {
  const scaffold = join(runDir(), `scaffold-${major}`, 'svc');
  if (!existsSync(join(scaffold, 'node_modules'))) {
    scaffoldApp(major, join(runDir(), `scaffold-${major}`));
  }
  // Same folder name as the package name: `nest g app` moves src/ to apps/<folder name>.
  const target = join(runDir(), `${scenario}-${major}`, 'svc');
  cpSync(scaffold, target, { recursive: true, verbatimSymlinks: true });
  return target;
}

/** `nest new <name>` with the pinned CLI of the major, non-interactively, into parentDir. */
export function scaffoldApp(major: HostMajor, parentDir: string, name = 'svc'): string {
  mkdirSync(parentDir, { recursive: true });
  run(
    'npx',
    ['-y', `@nestjs/cli@${NEST_CLI_VERSIONS[major]}`, 'new', name, '--package-manager', 'npm', '--skip-git'],
    parentDir,
  );
  return join(parentDir, name);
}

/** Installs our packed package into an app, as a user installs it from the registry. */
export function installPackage(appDir: string): void {
  run('npm', ['install', '--save-dev', '--no-audit', '--no-fund', tarball()], appDir);
}

/** Runs the real Nest CLI of the app. */
export function nest(appDir: string, args: string[]): string {
  return run('npx', ['nest', ...args], appDir);
}

/** A digest of every file of the app outside node_modules and build output, to prove a re-run changed nothing. */
export function snapshotSources(appDir: string): Map<string, string> {
  const digests = new Map<string, string>();
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      if (['node_modules', 'dist', 'coverage', '.git'].includes(entry) || entry.endsWith('.tsbuildinfo')) {
        continue;
      }
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) {
        visit(path);
      } else {
        digests.set(relative(appDir, path), createHash('sha256').update(readFileSync(path)).digest('hex'));
      }
    }
  };
  visit(appDir);
  return digests;
}
