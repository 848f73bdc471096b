import { chain, Rule, SchematicContext, Tree } from '@angular-devkit/schematics';
import { realtimeFeature } from '../realtime-gateway/index';
import { loadHostFormatter } from '../utils/formatting';
import { detectHostProject } from '../utils/host-project';
import { featuresToUpgrade } from '../utils/earlier-features';
import { readProjectDefaults } from '../utils/project-defaults';
import { ensureRealtimeSetup } from '../utils/realtime-setup';
import { Schema as RealtimeUpgradeOptions } from './schema';

/**
 * `nest g realtime-upgrade`: brings what an earlier nest-realtime generated up to this release. The kit and
 * every feature nest-realtime.json records are rendered again: a file that still has the hash recorded when
 * it was generated is updated, an edited one is kept and reported, nothing else is touched. `--dry-run`
 * shows the plan. Running it twice changes nothing the second time.
 */
export function realtimeUpgrade(options: RealtimeUpgradeOptions): Rule {
  return (tree: Tree, context: SchematicContext) => {
    const host = detectHostProject(tree, options);
    const { features, recorded } = featuresToUpgrade(tree, host, options.project);
    if (features.length === 0) {
      context.logger.info(
        'Found no realtime-gateway features for this project (nest-realtime.json records none, and no ' +
          '<name>/<name>.gateway.ts imports the kit), so only the kit is upgraded. For a feature elsewhere, run ' +
          '`nest g realtime-gateway <name>` again with its path: it updates the files nobody edited and keeps the others.',
      );
    } else if (!recorded) {
      context.logger.info(
        `Upgrading features generated before nest-realtime.json recorded them: ${features
          .map((feature) => `${feature.name} (${feature.namespace})`)
          .join(', ')}.`,
      );
    }
    return chain([
      ensureRealtimeSetup({
        host,
        defaults: readProjectDefaults(tree),
        skipInstall: options.skipInstall,
        format: loadHostFormatter(process.cwd()),
        offerBesideEdited: true,
      }),
      // The kit was upgraded once above; each feature is rendered on it.
      ...features.map((feature) => realtimeFeature(feature, { offerBesideEdited: true })),
    ]);
  };
}
