import { chain, Rule, SchematicContext, Tree } from '@angular-devkit/schematics';
import { loadHostFormatter } from '../utils/formatting';
import { detectHostProject } from '../utils/host-project';
import { useNestRealtimeCollection } from '../utils/nest-cli';
import { normalizeNamespacePrefix, ProjectDefaults, readProjectDefaults } from '../utils/project-defaults';
import { realtimeFeature } from '../realtime-gateway/index';
import { featuresToUpgrade } from '../utils/earlier-features';
import { ensureRealtimeSetup } from '../utils/realtime-setup';
import { Schema as NestAddOptions } from './schema';

/**
 * `nest add nest-realtime`: prepares a Nest app for realtime features. Adds the dependencies for its Nest
 * major, writes the shared `src/realtime/` kit (with the Redis adapter), makes main.ts pick the adapter
 * from REDIS_URL at run time and shut down gracefully, records the project defaults later schematics read,
 * and makes nest-cli.json use our collection. Running it again changes nothing; run again by a newer
 * release, it updates the kit and the features that nobody edited, as `nest g realtime-upgrade` does.
 */
export function nestAdd(options: NestAddOptions): Rule {
  return (tree: Tree) => {
    const host = detectHostProject(tree, options);
    const previousDefaults = readProjectDefaults(tree);
    const defaults = resolveDefaults(previousDefaults, options);
    return chain([
      ensureRealtimeSetup({
        host,
        defaults,
        previousDefaults,
        force: options.force,
        skipInstall: options.skipInstall,
        format: loadHostFormatter(process.cwd()),
      }),
      (tree: Tree, context: SchematicContext) => useNestRealtimeCollection(tree, context.logger),
      // Run again by a newer release: the features follow the kit, as realtime-upgrade does.
      ...featuresToUpgrade(tree, host, options.project).features.map((feature) => realtimeFeature(feature)),
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
    gatewayType: options.gatewayType ?? stored.gatewayType,
  };
}
