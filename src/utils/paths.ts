import { SchematicsException, Tree } from '@angular-devkit/schematics';
import { posix } from 'node:path';

/**
 * The relative import specifier from one tree file to another file or folder, without a TypeScript
 * extension, plus the host's import suffix: ('/src/app.module.ts', '/src/chat/chat.module', '.js')
 * -> './chat/chat.module.js'.
 */
export function relativeImport(fromFile: string, to: string, importExtension = ''): string {
  const path = posix.relative(posix.dirname(fromFile), to.replace(/\.ts$/, ''));
  return (path.startsWith('.') ? path : `./${path}`) + importExtension;
}

/**
 * The module a new feature is registered in: the `*.module.ts` in the nearest folder from `startDir` up to
 * `stopDir` (inclusive), like `nest g module` does.
 */
export function findNearestModule(tree: Tree, startDir: string, stopDir: string): string {
  let dir: string | null = startDir;
  while (dir !== null && (dir === stopDir || dir.startsWith(stopDir === '/' ? '/' : `${stopDir}/`))) {
    const entry = tree.getDir(dir);
    const modules = entry.subfiles.filter((file) => file.endsWith('.module.ts'));
    if (modules.length === 1) {
      return posix.join(dir, modules[0]);
    }
    if (modules.length > 1) {
      throw new SchematicsException(
        `More than one module in ${dir} (${modules.join(', ')}). Pass --module with the one to register in, ` +
          'or --skip-import.',
      );
    }
    dir = dir === stopDir ? null : posix.dirname(dir);
  }
  throw new SchematicsException(
    `No *.module.ts found in ${startDir} or any folder above it up to ${stopDir}. ` +
      'Pass --module with the module to register in, or --skip-import to register it yourself.',
  );
}
