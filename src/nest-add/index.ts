import { chain, Rule, SchematicContext, Tree } from '@angular-devkit/schematics';
import { addRealtimeDependencies } from '../utils/dependencies';
import { loadHostFormatter } from '../utils/formatting';
import { detectHostProject, HostProject } from '../utils/host-project';
import {
  ensureRealtimeAdapter,
  ensureShutdownHooks,
  MainFileEdit,
  SHUTDOWN_HOOKS_CALL,
  USE_ADAPTER_FUNCTION,
} from '../utils/main-file';
import { useNestRealtimeCollection } from '../utils/nest-cli';
import { relativeImport } from '../utils/paths';
import {
  normalizeNamespacePrefix,
  ProjectDefaults,
  readProjectDefaults,
  writeProjectDefaults,
} from '../utils/project-defaults';
import { kitDirectory, renderRealtimeKit } from '../utils/realtime-kit';
import { Schema as NestAddOptions } from './schema';

/** The kit file that exports `useRealtimeAdapter`, below the kit folder. */
const ADAPTER_MODULE = 'redis-io.adapter';

/**
 * `nest add nest-realtime`: prepares a Nest app for realtime features. Adds the dependencies for its Nest
 * major, writes the shared `src/realtime/` kit (with the Redis adapter), makes main.ts pick the adapter
 * from REDIS_URL at run time and shut down gracefully, records the project defaults later schematics read,
 * and makes nest-cli.json use our collection. Running it again changes nothing.
 */
export function nestAdd(options: NestAddOptions): Rule {
  return (tree: Tree) => {
    const host = detectHostProject(tree, { project: options.project, sourceRoot: options.sourceRoot });
    const previousDefaults = readProjectDefaults(tree);
    const defaults = resolveDefaults(previousDefaults, options);
    return chain([
      addRealtimeDependencies({
        nestMajor: host.nestMajor,
        skipInstall: options.skipInstall,
      }),
      renderRealtimeKit({
        host,
        defaults,
        previousDefaults,
        force: options.force,
        format: loadHostFormatter(process.cwd()),
      }),
      bootstrapRealtime(host),
      (tree: Tree, context: SchematicContext) => useNestRealtimeCollection(tree, context.logger),
      (tree: Tree) => writeProjectDefaults(tree, defaults),
    ]);
  };
}

/** Options given now win; otherwise what nest-realtime.json holds; otherwise the built-in defaults. */
function resolveDefaults(stored: ProjectDefaults, options: NestAddOptions): ProjectDefaults {
  return {
    adapter: options.adapter ?? stored.adapter,
    auth: options.auth ?? stored.auth,
    corsOriginsEnv: options.corsOriginsEnv ?? stored.corsOriginsEnv,
    namespacePrefix:
      options.namespacePrefix === undefined
        ? stored.namespacePrefix
        : normalizeNamespacePrefix(options.namespacePrefix),
    metrics: options.metrics ?? stored.metrics,
  };
}

/** main.ts: the adapter chosen from REDIS_URL, then graceful shutdown; by AST, or a message with the lines. */
function bootstrapRealtime(host: HostProject): Rule {
  return (tree: Tree, context: SchematicContext) => {
    const adapterImport = relativeImport(
      host.mainPath,
      `${kitDirectory(host)}/${ADAPTER_MODULE}`,
      host.importExtension,
    );
    const edits = [ensureRealtimeAdapter(tree, host.mainPath, adapterImport), ensureShutdownHooks(tree, host.mainPath)];
    if (edits.includes(MainFileEdit.NotUnderstood)) {
      context.logger.warn(
        `Could not find \`const app = await NestFactory.create(...)\` in ${host.mainPath}, so it was left unchanged. ` +
          `Add these lines yourself, right after the application is created:\n` +
          `  import { ${USE_ADAPTER_FUNCTION} } from '${adapterImport}';\n` +
          `  app.${SHUTDOWN_HOOKS_CALL};\n` +
          `  await ${USE_ADAPTER_FUNCTION}(app);`,
      );
    }
  };
}
