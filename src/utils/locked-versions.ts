import { Tree } from '@angular-devkit/schematics';
import { parse } from 'yaml';

const VERSION = /^\d+\.\d+\.\d+(?:-[\w.]+)?/;

function leadingVersion(text: unknown): string | undefined {
  return typeof text === 'string' ? VERSION.exec(text)?.[0] : undefined;
}

interface PackageLock {
  packages?: Record<string, { version?: string }>;
  dependencies?: Record<string, { version?: string }>;
}

interface PnpmLock {
  importers?: Record<string, { dependencies?: Record<string, unknown>; devDependencies?: Record<string, unknown> }>;
  dependencies?: Record<string, unknown>;
  devDependencies?: Record<string, unknown>;
}

function fromPackageLock(text: string, name: string): string | undefined {
  const lock = JSON.parse(text) as PackageLock;
  return leadingVersion(lock.packages?.[`node_modules/${name}`]?.version ?? lock.dependencies?.[name]?.version);
}

function fromPnpmLock(text: string, name: string): string | undefined {
  const lock = parse(text) as PnpmLock;
  const root = lock.importers?.['.'] ?? lock;
  const entry = root.dependencies?.[name] ?? root.devDependencies?.[name];
  // pnpm 6+: { specifier, version: '11.0.20(@nestjs/common@11.1.6)' }; pnpm 5: '11.0.20'.
  return leadingVersion(typeof entry === 'object' && entry !== null ? (entry as { version?: unknown }).version : entry);
}

function fromYarnLock(text: string, name: string): string | undefined {
  // Yarn 1: `"@nestjs/websockets@^11.0.0", "@nestjs/websockets@11.0.20":` then `  version "11.0.20"`;
  // Yarn 2+: `"@nestjs/websockets@npm:11.0.20":` then `  version: 11.0.20`.
  const blocks = text.split(/\n(?=\S)/);
  const block = blocks.find((candidate) =>
    candidate
      .split('\n')[0]
      .split(',')
      .some((key) => key.trim().replace(/^"/, '').startsWith(`${name}@`)),
  );
  return leadingVersion(/^\s+version:?\s+"?([^"\s]+)"?/m.exec(block ?? '')?.[1]);
}

const LOCKFILES: Array<[file: string, read: (text: string, name: string) => string | undefined]> = [
  ['package-lock.json', fromPackageLock],
  ['npm-shrinkwrap.json', fromPackageLock],
  ['pnpm-lock.yaml', fromPnpmLock],
  ['yarn.lock', fromYarnLock],
];

/**
 * The version of `name` the workspace's lockfile holds (npm, pnpm or Yarn 1 and 2+), read from the tree;
 * undefined without a lockfile, or when it does not hold the package (or cannot be read).
 *
 * @example
 * lockedVersion(tree, '@nestjs/websockets'); // '11.0.20'
 */
export function lockedVersion(tree: Tree, name: string): string | undefined {
  for (const [file, read] of LOCKFILES) {
    const path = `/${file}`;
    if (!tree.exists(path)) {
      continue;
    }
    try {
      return read(tree.readText(path), name);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
