import { chain, Rule, Tree } from '@angular-devkit/schematics';
import { addAsyncApiDocument } from './asyncapi-document';
import { addRealtimeDependencies } from './dependencies';
import { SourceFormatter } from './formatting';
import { HostProject } from './host-project';
import { ProjectDefaults, writeProjectDefaults } from './project-defaults';
import { pendingMigrations, recordAppVersion } from '../realtime-upgrade/migrations';
import { bootstrapRealtime, registerRealtimeModule, renderRealtimeConfig } from './realtime-config';

export interface RealtimeSetupOptions {
  host: HostProject;
  defaults: ProjectDefaults;
  /** The defaults the owned files were generated with before, when they changed: unedited ones follow. */
  previousDefaults?: ProjectDefaults;
  spec?: boolean;
  force?: boolean;
  skipInstall?: boolean;
  format?: SourceFormatter;
  /** realtime-upgrade: an edited file gets this release's version beside it (`<file>.new`). */
  offerBesideEdited?: boolean;
}

/**
 * Makes sure the app is set up for realtime features, the same way whichever schematic runs first: the
 * `nest-realtime` runtime and its peers for the host's Nest major, the owned `src/realtime/` (options and auth
 * policy), RealtimeModule in the root module, `main.ts` (the runtime's adapter and graceful shutdown),
 * `npm run asyncapi` (its entry file, e2e spec and script) and `nest-realtime.json` with the project defaults.
 * Every step is idempotent, so every schematic calls it; only `nest add` also makes nest-cli.json name our
 * collection.
 *
 * @example
 * chain([ensureRealtimeSetup({ host, defaults: readProjectDefaults(tree) }), renderFeature(plan)]);
 */
export function ensureRealtimeSetup(options: RealtimeSetupOptions): Rule {
  const { host, defaults } = options;
  return chain([
    addRealtimeDependencies({ nestMajor: host.nestMajor, skipInstall: options.skipInstall }),
    renderRealtimeConfig({
      host,
      defaults,
      previousDefaults: options.previousDefaults,
      force: options.force,
      format: options.format,
      offerBesideEdited: options.offerBesideEdited,
    }),
    registerRealtimeModule(host, options.format),
    bootstrapRealtime(host),
    addAsyncApiDocument({
      host,
      spec: options.spec,
      force: options.force,
      format: options.format,
      offerBesideEdited: options.offerBesideEdited,
    }),
    (tree: Tree) => writeProjectDefaults(tree, defaults),
    // An app set up (or already upgraded) by this release has had its migrations.
    (tree: Tree) => {
      if (pendingMigrations(tree, host).length === 0) {
        recordAppVersion(tree);
      }
    },
  ]);
}
