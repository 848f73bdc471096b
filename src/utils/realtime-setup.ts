import { chain, Rule, Tree } from '@angular-devkit/schematics';
import { addAsyncApiDocument, asyncApiTemplates } from './asyncapi-document';
import { addRealtimeDependencies } from './dependencies';
import { ensureE2eSetup } from './e2e-setup';
import { SourceFormatter } from './formatting';
import { HostProject } from './host-project';
import { ProjectDefaults, writeProjectDefaults } from './project-defaults';
import { pendingMigrations, recordAppVersion } from '../realtime-upgrade/migrations';
import {
  assertAdapterFits,
  bootstrapRealtime,
  realtimeConfigTemplates,
  registerRealtimeModule,
  renderRealtimeConfig,
} from './realtime-config';
import { prefetchFormatting } from './templates';

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
  const config = {
    host,
    defaults,
    previousDefaults: options.previousDefaults,
    force: options.force,
    format: options.format,
    offerBesideEdited: options.offerBesideEdited,
  };
  const asyncApi = {
    host,
    spec: options.spec,
    force: options.force,
    format: options.format,
    offerBesideEdited: options.offerBesideEdited,
  };
  return chain([
    // The owned files, handed to the host's Prettier now: formatted while the rules before them run.
    (tree: Tree) => {
      assertAdapterFits(tree, host);
      prefetchFormatting(realtimeConfigTemplates(tree, config));
      const document = asyncApiTemplates(tree, asyncApi);
      for (const templates of [document?.entry, document?.e2e]) {
        if (templates !== undefined) {
          prefetchFormatting(templates);
        }
      }
    },
    addRealtimeDependencies({ nestMajor: host.nestMajor, skipInstall: options.skipInstall }),
    renderRealtimeConfig(config),
    registerRealtimeModule(host, options.format),
    bootstrapRealtime(host),
    // Before the AsyncAPI e2e spec, whose check of the runner's patterns then sees the new config.
    ...(options.spec === false ? [] : [ensureE2eSetup(host)]),
    addAsyncApiDocument(asyncApi),
    (tree: Tree) => writeProjectDefaults(tree, defaults),
    // An app set up (or already upgraded) by this release has had its migrations.
    (tree: Tree) => {
      if (pendingMigrations(tree, host).length === 0) {
        recordAppVersion(tree);
      }
    },
  ]);
}
