import { chain, Rule, Tree } from '@angular-devkit/schematics';
import { addAsyncApiDocument } from './asyncapi-document';
import { addRealtimeDependencies } from './dependencies';
import { SourceFormatter } from './formatting';
import { HostProject } from './host-project';
import { ProjectDefaults, writeProjectDefaults } from './project-defaults';
import { bootstrapRealtime, renderRealtimeKit } from './realtime-kit';

export interface RealtimeSetupOptions {
  host: HostProject;
  defaults: ProjectDefaults;
  /** The defaults the kit was generated with before, when they changed: unedited kit files follow the change. */
  previousDefaults?: ProjectDefaults;
  spec?: boolean;
  force?: boolean;
  skipInstall?: boolean;
  format?: SourceFormatter;
  /** realtime-upgrade: an edited kit file gets this release's version beside it (`<file>.new`). */
  offerBesideEdited?: boolean;
}

/**
 * Makes sure the app is set up for realtime features, the same way whichever schematic runs first: the
 * dependencies for its Nest major, the `src/realtime/` kit, `main.ts` (the kit's adapter and graceful
 * shutdown), `npm run asyncapi` (its entry file, e2e spec and script) and `nest-realtime.json` with the
 * project defaults. Every step is idempotent, so every
 * schematic calls it; only `nest add` also makes nest-cli.json name our collection.
 *
 * @example
 * chain([ensureRealtimeSetup({ host, defaults: readProjectDefaults(tree) }), renderFeature(plan)]);
 */
export function ensureRealtimeSetup(options: RealtimeSetupOptions): Rule {
  const { host, defaults } = options;
  return chain([
    addRealtimeDependencies({ nestMajor: host.nestMajor, skipInstall: options.skipInstall }),
    renderRealtimeKit({
      host,
      defaults,
      previousDefaults: options.previousDefaults,
      spec: options.spec,
      force: options.force,
      format: options.format,
      offerBesideEdited: options.offerBesideEdited,
    }),
    bootstrapRealtime(host),
    addAsyncApiDocument({
      host,
      spec: options.spec,
      force: options.force,
      format: options.format,
      offerBesideEdited: options.offerBesideEdited,
    }),
    (tree: Tree) => writeProjectDefaults(tree, defaults),
  ]);
}
