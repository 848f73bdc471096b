import { chain, Rule, SchematicContext, Tree } from '@angular-devkit/schematics';
import { realtimeFeature } from '../realtime-gateway/index';
import { loadHostFormatter } from '../utils/formatting';
import { detectHostProject } from '../utils/host-project';
import { featuresToUpgrade } from '../utils/earlier-features';
import { readProjectDefaults } from '../utils/project-defaults';
import { ensureRealtimeSetup } from '../utils/realtime-setup';
import { pendingMigrations, recordAppVersion } from './migrations';
import { Schema as RealtimeUpgradeOptions } from './schema';

/**
 * `nest g realtime-upgrade`: brings what an earlier nest-realtime generated up to this release. The owned
 * setup and every feature nest-realtime.json records are rendered again (a file that still has the hash
 * recorded when it was generated is updated, an edited one is kept and reported with this release's version
 * beside it); then the migrations of the releases since the app's run, once each (the first moves a copied
 * kit onto the runtime package). `--dry-run` shows the plan. Running it twice changes nothing the second time.
 */
export function realtimeUpgrade(options: RealtimeUpgradeOptions): Rule {
  return (tree: Tree, context: SchematicContext) => {
    const host = detectHostProject(tree, options);
    const defaults = readProjectDefaults(tree);
    const format = loadHostFormatter(process.cwd());
    const { features, recorded } = featuresToUpgrade(tree, host, options.project);
    const migrations = pendingMigrations(tree, host);
    if (features.length === 0) {
      context.logger.info(
        'Found no realtime-gateway features for this project (nest-realtime.json records none, and no ' +
          '<name>/<name>.gateway.ts imports the kit), so only the setup is upgraded. For a feature elsewhere, run ' +
          '`nest g realtime-gateway <name>` again with its path: it updates the files nobody edited and keeps the others.',
      );
    } else if (!recorded) {
      context.logger.info(
        `Upgrading features generated before nest-realtime.json recorded them: ${features
          .map((feature) => `${feature.name} (${feature.namespace})`)
          .join(', ')}.`,
      );
    }
    for (const migration of migrations) {
      context.logger.info(`Migration ${migration.version}: ${migration.description}.`);
    }
    return chain([
      ensureRealtimeSetup({
        host,
        defaults,
        skipInstall: options.skipInstall,
        format,
        offerBesideEdited: true,
      }),
      // The setup was upgraded once above; each feature is rendered on it.
      ...features.map((feature) => realtimeFeature(feature, { offerBesideEdited: true })),
      ...migrations.map((migration) => migration.rule({ host, defaults, features, format })),
      recordAppVersion,
    ]);
  };
}
