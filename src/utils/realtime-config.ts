import { Rule, SchematicContext, Tree } from '@angular-devkit/schematics';
import { insertImport } from '@schematics/angular/utility/ast-utils';
import { applyToUpdateRecorder } from '@schematics/angular/utility/change';
import { posix } from 'node:path';
import { keepFormatted, SourceFormatter } from './formatting';
import { configDirectory, HostProject } from './host-project';
import {
  assertAdapterReplaceable,
  ensureRealtimeAdapter,
  ensureShutdownHooks,
  findRootModule,
  MainFileEdit,
  RuntimeImportTest,
  SHUTDOWN_HOOKS_CALL,
  SHUTDOWN_SIGNALS,
  shutsDownOnEverySignal,
  USE_ADAPTER_FUNCTION,
} from './main-file';
import { addEntryToModuleMetadata, findModuleMetadata } from './module-metadata';
import { ejectedRuntime, followEjectedRuntime, isRuntimeSpecifier, runtimeSpecifier } from './runtime-location';
import { readSourceFile, ts } from './typescript';
import { relativeImport } from './paths';
import { ADAPTERS, AUTH_MODES, ProjectDefaults } from './project-defaults';
import { renderTemplates, RenderTemplatesOptions } from './templates';

/** The package whose runtime generated code imports. */
export const RUNTIME_PACKAGE = 'nest-realtime';

/** The owned file that holds the options RealtimeModule.forRoot receives, and the const it exports. */
const OPTIONS_FILE = 'realtime.options.ts';
const OPTIONS_CONST = 'realtimeOptions';

/** What the root module imports: the runtime, configured by the app's own options. */
const REALTIME_MODULE_ENTRY = `RealtimeModule.forRoot(${OPTIONS_CONST})`;

export interface RealtimeConfigOptions {
  host: HostProject;
  defaults: ProjectDefaults;
  /** The defaults the files were generated with before, when they changed: unedited files follow the change. */
  previousDefaults?: ProjectDefaults;
  force?: boolean;
  format?: SourceFormatter;
  /** realtime-upgrade: an edited file gets this release's version beside it (`<file>.new`). */
  offerBesideEdited?: boolean;
}

/**
 * Writes what the app owns of its realtime setup into `src/realtime/`: `realtime.options.ts` (the project's
 * choices as RealtimeModule options) and `auth.policy.ts` (who may connect). Existing files are respected as
 * `renderTemplates` describes, so every schematic can call this safely.
 */
export function renderRealtimeConfig(options: RealtimeConfigOptions): Rule {
  return (tree: Tree) => renderTemplates(realtimeConfigTemplates(tree, options));
}

/** What renderRealtimeConfig renders, and how. */
export function realtimeConfigTemplates(tree: Tree, options: RealtimeConfigOptions): RenderTemplatesOptions {
  const data = (defaults: ProjectDefaults) => ({
    importExtension: options.host.importExtension,
    auth: defaults.auth,
    adapter: defaults.adapter,
    corsOriginsEnv: defaults.corsOriginsEnv,
    metrics: defaults.metrics,
  });
  const rootModule = findRootModule(tree, options.host.mainPath);
  const rootModuleFile = rootModule ? posix.basename(rootModule.path) : 'the root module';
  return {
    templateDir: 'realtime-config',
    targetDir: configDirectory(options.host),
    data: { ...data(options.defaults), rootModuleFile },
    previousData: options.previousDefaults && { ...data(options.previousDefaults), rootModuleFile },
    force: options.force,
    format: options.format,
    offerBesideEdited: options.offerBesideEdited,
    transform: followEjectedRuntime(options.host, options.format),
  };
}

/**
 * Imports `RealtimeModule.forRoot(realtimeOptions)` into the module main.ts boots, by AST and idempotently:
 * any configured RealtimeModule entry the team wrote instead (forRootAsync, other options) counts as there;
 * a bare `RealtimeModule` (what earlier releases' realtime-k8s registered from the copied kit) is configured.
 * A main.ts whose root module cannot be found gets a message with the lines to add.
 */
export function registerRealtimeModule(host: HostProject, format?: SourceFormatter): Rule {
  return async (tree: Tree, context: SchematicContext) => {
    const rootModule = findRootModule(tree, host.mainPath);
    const optionsPath = posix.join(configDirectory(host), OPTIONS_FILE);
    if (rootModule === undefined) {
      context.logger.warn(
        `Could not tell which module ${host.mainPath} boots, so RealtimeModule was not registered. Add it to the ` +
          `imports of your root module:\n` +
          `  import { RealtimeModule } from '${RUNTIME_PACKAGE}';\n` +
          `  import { ${OPTIONS_CONST} } from '${relativeImport(host.mainPath, optionsPath, host.importExtension)}';\n` +
          `  imports: [${REALTIME_MODULE_ENTRY}, ...]`,
      );
      return;
    }
    const before = tree.read(rootModule.path)?.toString('utf-8') ?? '';
    const optionsImport = {
      symbol: OPTIONS_CONST,
      from: relativeImport(rootModule.path, optionsPath, host.importExtension),
    };
    if (configureBareRealtimeModule(tree, rootModule.path)) {
      // The entry is there now, so addEntryToModuleMetadata would import nothing: the options are imported here.
      const recorder = tree.beginUpdate(rootModule.path);
      applyToUpdateRecorder(recorder, [
        insertImport(readSourceFile(tree, rootModule.path), rootModule.path, optionsImport.symbol, optionsImport.from),
      ]);
      tree.commitUpdate(recorder);
    } else {
      addEntryToModuleMetadata(tree, rootModule.path, 'imports', {
        entry: REALTIME_MODULE_ENTRY,
        imports: [
          {
            symbol: 'RealtimeModule',
            from: runtimeSpecifier(host, ejectedRuntime(tree), rootModule.path, RUNTIME_PACKAGE),
          },
          optionsImport,
        ],
        isPresent: (existing) => /^RealtimeModule\b/.test(existing),
      });
    }
    await keepFormatted(tree, rootModule.path, before, format);
  };
}

/** Whether an import names the runtime, in this app (its package, or the copy it ejected). */
function runtimeImports(tree: Tree): RuntimeImportTest {
  const ejected = ejectedRuntime(tree);
  return (fromFile, specifier) => isRuntimeSpecifier(ejected, fromFile, specifier);
}

/** Fails, before anything is written, on an entry file that sets a WebSocket adapter we cannot take over. */
export function assertAdapterFits(tree: Tree, host: HostProject): void {
  assertAdapterReplaceable(tree, host.mainPath, runtimeImports(tree));
}

/**
 * main.ts: the runtime's adapter (Redis when REDIS_URL is set, the lean in-memory one otherwise) and graceful
 * shutdown, by AST and idempotently; a main.ts of another shape is left alone and the lines are printed.
 */
export function bootstrapRealtime(host: HostProject): Rule {
  return (tree: Tree, context: SchematicContext) => {
    const adapter = ensureRealtimeAdapter(
      tree,
      host.mainPath,
      runtimeSpecifier(host, ejectedRuntime(tree), host.mainPath, RUNTIME_PACKAGE),
      runtimeImports(tree),
    );
    if (adapter === MainFileEdit.Updated) {
      context.logger.info(
        `${host.mainPath}: \`await ${USE_ADAPTER_FUNCTION}(app)\` replaces Nest's stock IoAdapter; it is socket.io's ` +
          'adapter with the realtime limits and metrics, relaying through Redis when REDIS_URL is set.',
      );
    }
    const edits = [adapter, ensureShutdownHooks(tree, host.mainPath)];
    // Said once, when main.ts gets the adapter; a later run leaves the team's choice in peace.
    if (adapter !== MainFileEdit.AlreadyPresent && shutsDownOnEverySignal(tree, host.mainPath)) {
      context.logger.warn(
        `${host.mainPath} calls enableShutdownHooks() without signals, so any signal shuts the app down, ` +
          `SIGUSR2 (heap snapshots) and SIGHUP (log rotation) included, and after the drain Nest re-raises ` +
          `it: SIGTERM ends the process with exit code 143. Left as it is; to stop only on SIGTERM and ` +
          `SIGINT and exit 0, write enableShutdownHooks(${SHUTDOWN_SIGNALS}, { useProcessExit: true }).`,
      );
    }
    if (edits.includes(MainFileEdit.NotUnderstood)) {
      context.logger.warn(
        `Could not find \`const app = await NestFactory.create(...)\` in ${host.mainPath}, so it was left unchanged. ` +
          `Add these lines yourself, right after the application is created:\n` +
          `  import { ${USE_ADAPTER_FUNCTION} } from '${RUNTIME_PACKAGE}';\n` +
          `  app.${SHUTDOWN_HOOKS_CALL};\n` +
          `  await ${USE_ADAPTER_FUNCTION}(app);`,
      );
    }
  };
}

/**
 * Replaces a bare `RealtimeModule` entry of the module's imports with `RealtimeModule.forRoot(realtimeOptions)`,
 * keeping its import (a migration points that at the runtime). Whether there was one.
 */
function configureBareRealtimeModule(tree: Tree, modulePath: string): boolean {
  const source = readSourceFile(tree, modulePath);
  const imports = findModuleMetadata(source)?.properties.find(
    (property): property is ts.PropertyAssignment =>
      ts.isPropertyAssignment(property) && property.name.getText(source) === 'imports',
  )?.initializer;
  const bare =
    imports && ts.isArrayLiteralExpression(imports)
      ? imports.elements.find((element) => ts.isIdentifier(element) && element.text === 'RealtimeModule')
      : undefined;
  if (bare === undefined) {
    return false;
  }
  const recorder = tree.beginUpdate(modulePath);
  recorder.remove(bare.getStart(source), bare.getWidth(source));
  recorder.insertLeft(bare.getStart(source), REALTIME_MODULE_ENTRY);
  tree.commitUpdate(recorder);
  return true;
}

/** What a deployment needs to know of the app's options, as nest-realtime.json names them. */
export type OwnedSettings = Partial<Pick<ProjectDefaults, 'adapter' | 'auth' | 'corsOriginsEnv' | 'metrics'>>;

/** Option of `realtimeOptions` -> the project default it stands for, and which literals it takes. */
const OWNED_SETTINGS: ReadonlyArray<[string, keyof OwnedSettings, (value: string | boolean) => boolean]> = [
  ['auth', 'auth', (value) => (AUTH_MODES as readonly unknown[]).includes(value)],
  ['redisAdapter', 'adapter', (value) => (ADAPTERS as readonly unknown[]).includes(value)],
  ['corsOriginsVariable', 'corsOriginsEnv', (value) => typeof value === 'string' && /^[A-Za-z_]\w*$/.test(value)],
  ['metrics', 'metrics', (value) => typeof value === 'boolean'],
];

/**
 * The settings the app's own `realtime.options.ts` holds as literals, read by AST: a team that changed
 * `corsOriginsVariable` or `metrics` there (its source of truth) gets manifests that match. An option computed
 * at runtime (a ConfigService, a variable) is left out; the caller falls back to nest-realtime.json.
 *
 * @example
 * { ...readProjectDefaults(tree), ...readOwnedSettings(tree, host) }
 */
export function readOwnedSettings(tree: Tree, host: HostProject): OwnedSettings {
  const path = posix.join(configDirectory(host), OPTIONS_FILE);
  if (!tree.exists(path)) {
    return {};
  }
  const source = readSourceFile(tree, path);
  let options: ts.ObjectLiteralExpression | undefined;
  const visit = (node: ts.Node): void => {
    if (ts.isVariableDeclaration(node) && node.name.getText(source) === OPTIONS_CONST && node.initializer) {
      let initializer: ts.Expression = node.initializer;
      while (
        ts.isSatisfiesExpression(initializer) ||
        ts.isAsExpression(initializer) ||
        ts.isParenthesizedExpression(initializer)
      ) {
        initializer = initializer.expression;
      }
      options = ts.isObjectLiteralExpression(initializer) ? initializer : undefined;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  const settings: Record<string, string | boolean> = {};
  for (const property of options?.properties ?? []) {
    if (!ts.isPropertyAssignment(property)) {
      continue;
    }
    const setting = OWNED_SETTINGS.find(([option]) => option === property.name.getText(source));
    const value = property.initializer;
    const literal = ts.isStringLiteralLike(value)
      ? value.text
      : value.kind === ts.SyntaxKind.TrueKeyword || value.kind === ts.SyntaxKind.FalseKeyword
        ? value.kind === ts.SyntaxKind.TrueKeyword
        : undefined;
    if (setting !== undefined && literal !== undefined && setting[2](literal)) {
      settings[setting[1]] = literal;
    }
  }
  return settings as OwnedSettings;
}
