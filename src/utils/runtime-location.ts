import { Tree } from '@angular-devkit/schematics';
import { posix } from 'node:path';
import { HostProject, readJsonFile } from './host-project';
import { relativeImport } from './paths';
import { PROJECT_DEFAULTS_PATH } from './project-defaults';
import { RUNTIME_ENTRIES } from './runtime-exports';
import { ts } from './typescript';

/** Key in nest-realtime.json of where `realtime-eject` copied the runtime, when it did. */
export const EJECTED_KEY = 'ejected';

/** Where the app owns the runtime's source after `nest g realtime-eject`. */
export interface EjectedRuntime {
  /** Folder of the copied runtime, workspace-relative (e.g. `src/realtime/runtime`). */
  path: string;
  /** The nest-realtime version it was copied from. */
  version: string;
}

export function ejectedRuntime(tree: Tree): EjectedRuntime | undefined {
  const ejected = readJsonFile<Record<string, unknown>>(tree, PROJECT_DEFAULTS_PATH)?.[EJECTED_KEY];
  return ejected !== null && typeof ejected === 'object' && typeof (ejected as EjectedRuntime).path === 'string'
    ? (ejected as EjectedRuntime)
    : undefined;
}

/**
 * The import specifier of a runtime entry from `fromFile`: the package's (`nest-realtime/testing`), or, in an
 * app that ejected the runtime, the relative path of its copy.
 */
export function runtimeSpecifier(
  host: HostProject,
  ejected: EjectedRuntime | undefined,
  fromFile: string,
  entry: string,
): string {
  if (ejected === undefined) {
    return entry;
  }
  const target = posix.join('/', ejected.path, RUNTIME_ENTRIES[entry].replace(/\.ts$/, ''));
  return relativeImport(fromFile, target, host.importExtension);
}

/**
 * Whether `specifier`, imported by `fromFile`, names the runtime: one of the package's entries, or, in an app
 * that ejected the runtime, a path into its copy.
 *
 * @example
 * isRuntimeSpecifier(undefined, '/src/main.ts', 'nest-realtime/redis'); // true
 */
export function isRuntimeSpecifier(ejected: EjectedRuntime | undefined, fromFile: string, specifier: string): boolean {
  if (RUNTIME_ENTRIES[specifier] !== undefined) {
    return true;
  }
  if (ejected === undefined || !specifier.startsWith('.')) {
    return false;
  }
  const target = posix.join(posix.dirname(fromFile), specifier);
  const folder = posix.join('/', ejected.path);
  return target === folder || target.startsWith(`${folder}/`);
}

/**
 * `content` (a TypeScript file at `path`) with its imports of the runtime's entries pointed at the app's copy
 * when it ejected the runtime; unchanged otherwise. What every schematic writes goes through it, so files
 * generated after an eject import the copy too.
 *
 * @example
 * withRuntimeImports(host, ejectedRuntime(tree), '/src/chat/chat.gateway.ts', text); // '../realtime/runtime/index'
 */
export function withRuntimeImports(
  host: HostProject,
  ejected: EjectedRuntime | undefined,
  path: string,
  content: string,
): string {
  if (ejected === undefined || !path.endsWith('.ts') || !content.includes('nest-realtime')) {
    return content;
  }
  const source = ts.createSourceFile(path, content, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const changes: Array<{ start: number; end: number; text: string }> = [];
  for (const statement of source.statements) {
    const specifier =
      (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
      statement.moduleSpecifier !== undefined &&
      ts.isStringLiteral(statement.moduleSpecifier)
        ? statement.moduleSpecifier
        : undefined;
    if (specifier !== undefined && RUNTIME_ENTRIES[specifier.text] !== undefined) {
      // Inside the quotes, so the file's quote style is kept.
      changes.push({
        start: specifier.getStart(source) + 1,
        end: specifier.getEnd() - 1,
        text: runtimeSpecifier(host, ejected, path, specifier.text),
      });
    }
  }
  return changes
    .sort((a, b) => b.start - a.start)
    .reduce((text, change) => text.slice(0, change.start) + change.text + text.slice(change.end), content);
}

/**
 * A `renderTemplates` transform: the file's runtime imports pointed at the app's copy after an eject,
 * formatted again when that changed them.
 */
export function followEjectedRuntime(
  host: HostProject,
  format?: (path: string, content: string) => Promise<string>,
): (path: string, content: string, tree: Tree) => Promise<string> {
  return async (path, content, tree) => {
    const moved = withRuntimeImports(host, ejectedRuntime(tree), path, content);
    return moved === content || format === undefined ? moved : format(path, moved);
  };
}
