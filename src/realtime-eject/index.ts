import { chain, Rule, SchematicContext, SchematicsException, Tree } from '@angular-devkit/schematics';
import {
  addDependency,
  DependencyType,
  ExistingBehavior,
  getDependency,
  InstallBehavior,
} from '@schematics/angular/utility/dependency';
import { JSONFile } from '@schematics/angular/utility/json-file';
import { keepTrailingNewline } from '../utils/dependencies';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { assertNoPendingMigrations } from '../realtime-upgrade/migrations';
import { keepFormatted, loadHostFormatter, SourceFormatter } from '../utils/formatting';
import { hasGeneratedRecord, NEST_REALTIME_VERSION, recordGeneratedFiles } from '../utils/generated-files';
import { configDirectory, detectHostProject, HostProject } from '../utils/host-project';
import { typeScriptFiles } from '../utils/import-graph';
import { updateProjectSettings } from '../utils/project-defaults';
import { RUNTIME_PACKAGE } from '../utils/realtime-config';
import { RUNTIME_SOURCE_ROOT } from '../utils/runtime-exports';
import { EJECTED_KEY, ejectedRuntime, EjectedRuntime, withRuntimeImports } from '../utils/runtime-location';
import { formatOrKeep } from '../utils/templates';
import { withImportExtension } from '../utils/template-source';
import { Schema as RealtimeEjectOptions } from './schema';

/** What the runtime needs from npm that an app installs once it owns the source (from our own package.json). */
const RUNTIME_OWN_DEPENDENCIES = ['jose', 'prom-client', 'rate-limiter-flexible', 'socket.io-parser'];

/**
 * The runtime loads Redis support lazily (optional peers); a copy in the app loads it as ordinary imports
 * instead, from the variant the runtime keeps for this (dynamic imports compile differently per host).
 */
const EJECTED_VARIANTS: Readonly<Record<string, string>> = {
  'redis.loader.ts': 'redis.loader.ejected.ts',
  'redis-adapter.loader.ts': 'redis-adapter.loader.ejected.ts',
};

/** Optional peers the copied source imports (nest-realtime/redis's emitter), which must compile in the app. */
const OPTIONAL_PEERS_IMPORTED = ['@socket.io/redis-emitter'];

/**
 * `nest g realtime-eject`: for a team that must own the engine. Copies the runtime's TypeScript (server,
 * testing, contract and Redis entries) into `src/realtime/runtime/`, adapted to the host's module system and
 * formatted in its style, points every import of `nest-realtime` in the app at the copy, adds the runtime's own
 * dependencies, and keeps nest-realtime as a devDependency for the schematics. nest-realtime.json records the
 * eject: later schematics import the copy, and upgrades never touch it, as it is the app's code now.
 */
export function realtimeEject(options: RealtimeEjectOptions): Rule {
  return (tree: Tree, context: SchematicContext) => {
    const host = detectHostProject(tree, options);
    assertNoPendingMigrations(tree, host);
    const already = ejectedRuntime(tree);
    if (already !== undefined) {
      context.logger.info(
        `The runtime was ejected to ${already.path} (from nest-realtime ${already.version}): it is your code, so ` +
          'nothing was changed.',
      );
      return;
    }
    const target = posix.join(host.sourceRoot, options.path ?? 'realtime/runtime');
    assertEjectable(tree, host, target);
    const ejected: EjectedRuntime = { path: target.replace(/^\/+/, ''), version: NEST_REALTIME_VERSION };
    const format = loadHostFormatter(process.cwd());
    return chain([
      copyRuntime(host, target, format),
      (next: Tree) => updateProjectSettings(next, { [EJECTED_KEY]: ejected }),
      pointImportsAtCopy(host, format),
      ownRuntimeDependencies(options.skipInstall ?? false),
      (_next: Tree, log: SchematicContext) =>
        log.logger.info(
          `Ejected the nest-realtime ${NEST_REALTIME_VERSION} runtime to ${ejected.path}; your code imports it from ` +
            'there now. It is yours: nest g realtime-upgrade leaves it alone, and runtime fixes of later releases ' +
            'reach it only if you port them.',
        ),
    ]);
  };
}

function assertEjectable(tree: Tree, host: HostProject, target: string): void {
  if (!tree.exists(posix.join(configDirectory(host), 'realtime.options.ts'))) {
    throw new SchematicsException(
      `${configDirectory(host)}/realtime.options.ts is missing: this app does not use the nest-realtime runtime yet. ` +
        'Run `nest add nest-realtime` first.',
    );
  }
  const inside = posix.relative(host.sourceRoot, target);
  if (inside === '' || inside.startsWith('..')) {
    throw new SchematicsException(
      `--path must name a folder inside ${host.sourceRoot} (got ${target}), so the copy compiles with the app: ` +
        'for example --path realtime/runtime.',
    );
  }
  const folder = tree.getDir(target);
  if (folder.subfiles.length + folder.subdirs.length > 0) {
    throw new SchematicsException(`${target} already exists. Pass --path with an empty folder to copy the runtime to.`);
  }
}

function runtimeSources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      return runtimeSources(path);
    }
    return entry.endsWith('.ts') && !entry.endsWith('.d.ts') ? [path] : [];
  });
}

function copyRuntime(host: HostProject, target: string, format: SourceFormatter | undefined): Rule {
  return async (tree: Tree, context: SchematicContext) => {
    const variants = new Set(Object.values(EJECTED_VARIANTS));
    for (const file of runtimeSources(RUNTIME_SOURCE_ROOT)) {
      const name = relative(RUNTIME_SOURCE_ROOT, file).split('\\').join('/');
      if (variants.has(name)) {
        continue;
      }
      const path = posix.join(target, name);
      const from = join(RUNTIME_SOURCE_ROOT, EJECTED_VARIANTS[name] ?? name);
      const adapted = withImportExtension(name, readFileSync(from, 'utf-8'), host.importExtension);
      tree.create(path, format ? await formatOrKeep(format, path, adapted, context) : adapted);
    }
  };
}

/** Every file of the app that imports nest-realtime imports the copy; our generated files stay recorded. */
function pointImportsAtCopy(host: HostProject, format: SourceFormatter | undefined): Rule {
  return async (tree: Tree) => {
    const ejected = ejectedRuntime(tree);
    const roots = [host.sourceRoot, posix.join(host.projectRoot, 'test')];
    const copy = `/${ejected?.path ?? ''}/`;
    const files = roots.flatMap((root) => typeScriptFiles(tree, root)).filter((file) => !file.startsWith(copy));
    const regenerated = new Map<string, string>();
    for (const file of files) {
      const before = tree.readText(file);
      const after = withRuntimeImports(host, ejected, file, before);
      if (after === before) {
        continue;
      }
      tree.overwrite(file, after);
      await keepFormatted(tree, file, before, format);
      if (hasGeneratedRecord(tree, file)) {
        regenerated.set(file, tree.readText(file));
      }
    }
    recordGeneratedFiles(tree, regenerated);
  };
}

/**
 * The runtime's own dependencies move into the app, at the versions this release was tested with;
 * nest-realtime stays, as a devDependency, for `nest g`.
 */
function ownRuntimeDependencies(skipInstall: boolean): Rule {
  const manifest = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf-8')) as {
    dependencies: Record<string, string>;
    peerDependencies: Record<string, string>;
  };
  const versions = { ...manifest.peerDependencies, ...manifest.dependencies };
  const install = skipInstall ? InstallBehavior.None : InstallBehavior.Auto;
  return (tree: Tree) => {
    const original = tree.read('/package.json');
    const existing = getDependency(tree, RUNTIME_PACKAGE);
    if (existing?.type === DependencyType.Default) {
      new JSONFile(tree, '/package.json').remove([existing.type, RUNTIME_PACKAGE]);
    }
    return chain([
      ...(existing?.type === DependencyType.Default
        ? [addDependency(RUNTIME_PACKAGE, existing.version, { type: DependencyType.Dev, install })]
        : []),
      ...[...RUNTIME_OWN_DEPENDENCIES, ...OPTIONAL_PEERS_IMPORTED]
        .filter((name) => !getDependency(tree, name))
        .map((name) =>
          addDependency(name, versions[name], {
            type: DependencyType.Default,
            install,
            existing: ExistingBehavior.Skip,
          }),
        ),
      keepTrailingNewline('/package.json', original),
    ]);
  };
}
