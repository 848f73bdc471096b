import { chain, Rule, SchematicContext, Tree } from '@angular-devkit/schematics';
import { loadHostFormatter } from '../utils/formatting';
import { detectHostProject } from '../utils/host-project';
import { useNestRealtimeCollection } from '../utils/nest-cli';
import { normalizeNamespacePrefix, ProjectDefaults, readProjectDefaults } from '../utils/project-defaults';
import { realtimeFeature } from '../realtime-gateway/index';
import { featuresToUpgrade } from '../utils/earlier-features';
import { pendingMigrations, recordAppVersion } from '../realtime-upgrade/migrations';
import { ensureRealtimeSetup } from '../utils/realtime-setup';
import { appScripts, formatNextSteps, NextStep, runSteps } from '../utils/next-steps';
import { Schema as NestAddOptions } from './schema';

/**
 * `nest add nest-realtime`: prepares a Nest app for realtime features. Puts the nest-realtime runtime and its
 * peers for the app's Nest major in package.json, writes the app's own `src/realtime/` (its options and auth
 * policy), registers RealtimeModule in the root module, makes main.ts use the runtime's adapter (Redis when
 * REDIS_URL is set) and shut down gracefully, records the project defaults later schematics read, makes
 * nest-cli.json use our collection, and ends with the next steps. Running it again changes nothing; run again
 * by a newer release, it updates the setup and the features nobody edited and runs the release's migrations,
 * as `nest g realtime-upgrade` does.
 */
export function nestAdd(options: NestAddOptions): Rule {
  return (tree: Tree) => {
    const host = detectHostProject(tree, options);
    const previousDefaults = readProjectDefaults(tree);
    const defaults = resolveDefaults(previousDefaults, options);
    const format = loadHostFormatter(process.cwd());
    const { features } = featuresToUpgrade(tree, host, options.project);
    return chain([
      ensureRealtimeSetup({
        host,
        defaults,
        previousDefaults,
        force: options.force,
        skipInstall: options.skipInstall,
        format,
      }),
      (tree: Tree, context: SchematicContext) => useNestRealtimeCollection(tree, context.logger),
      // Run again by a newer release: the features follow the setup, as realtime-upgrade does.
      ...features.map((feature) => realtimeFeature(feature)),
      ...pendingMigrations(tree, host).map((migration) => migration.rule({ host, defaults, features, format })),
      recordAppVersion,
      (done: Tree, context: SchematicContext) => printNextSteps(done, context, options, features.length > 0),
    ]);
  };
}

function printNextSteps(tree: Tree, context: SchematicContext, options: NestAddOptions, hasFeatures: boolean): void {
  const steps: NextStep[] = [];
  if (options.skipInstall) {
    steps.push(['npm install', 'you passed --skip-install']);
  }
  if (!hasFeatures) {
    steps.push(['nest g realtime-gateway chat', 'a chat feature: gateway, DTOs, service, tests']);
  }
  steps.push(
    ...runSteps(appScripts(tree)),
    ['nest g realtime-event chat/typing', 'one more event on a gateway'],
    ['nest g realtime-k8s', 'Kubernetes manifests in deploy/'],
  );
  context.logger.info(
    [
      formatNextSteps(
        'nest-realtime is set up: src/realtime/ holds your options and auth policy, RealtimeModule is in your root module.\nNext:',
        steps,
      ),
      'Run the app with JWT_SECRET set (or JWKS_URI in jwks mode); REDIS_URL to scale out.',
    ].join('\n'),
  );
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
