import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, relative } from 'node:path';
import { nestNewCommand } from '../../../scripts/lib/tooling.cjs';
import { HostMajor } from './hosts';
import type { NodeRuntime } from './node-runtimes';
import { withLock } from './lock';
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
 * A fresh `nest new` app of the given major, scaffolded once per harness run (and per Node, when a scenario
 * runs under another Node than the harness) and copied for each scenario, so every scenario starts from an
 * untouched app.
 */
export function freshApp(major: HostMajor, scenario: string, node?: NodeRuntime): string {
  const host = node ? `${major}-node${node.version}` : `${major}`;
  const scaffold = join(runDir(), `scaffold-${host}`, 'svc');
  withLock(runDir(), `scaffold-${host}`, () => {
    if (!existsSync(join(scaffold, 'node_modules'))) {
      scaffoldApp(major, join(runDir(), `scaffold-${host}`), 'svc', node);
    }
  });
  // Same folder name as the package name: `nest g app` moves src/ to apps/<folder name>.
  const target = join(runDir(), `${scenario}-${host}`, 'svc');
  cpSync(scaffold, target, { recursive: true, verbatimSymlinks: true });
  return target;
}

/** `nest new <name>` with the pinned CLI of the major, non-interactively (scripts/lib/tooling.cjs), into parentDir. */
export function scaffoldApp(major: HostMajor, parentDir: string, name = 'svc', node?: NodeRuntime): string {
  mkdirSync(parentDir, { recursive: true });
  const { command, args } = nestNewCommand(major, name);
  run(command, args, parentDir, node?.env);
  return join(parentDir, name);
}

/** Installs our packed package into an app, as a user installs it from the registry. */
export function installPackage(appDir: string, node?: NodeRuntime): void {
  run('npm', ['install', '--save-dev', '--no-audit', '--no-fund', tarball()], appDir, node?.env);
}

/**
 * `nest add nest-realtime` as a user runs it, with our tarball installed in place of the registry's
 * release, then the install nest add schedules.
 */
export function addNestRealtime(appDir: string, options: string[] = [], node?: NodeRuntime): void {
  installPackage(appDir, node);
  // --skip-install: nest add would otherwise install nest-realtime@latest from the registry over our tarball.
  run('npx', ['nest', 'add', 'nest-realtime', '--skip-install', ...options], appDir, node?.env);
  run('npm', ['install', '--no-audit', '--no-fund'], appDir, node?.env);
}

/** Runs the real Nest CLI of the app. */
export function nest(appDir: string, args: string[], node?: NodeRuntime): string {
  return run('npx', ['nest', ...args], appDir, node?.env);
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
