import { Rule, SchematicsException, Tree } from '@angular-devkit/schematics';
import { SourceFormatter } from '../utils/formatting';
import { NEST_REALTIME_VERSION, RecordedFeature } from '../utils/generated-files';
import { HostProject, readJsonFile } from '../utils/host-project';
import { PROJECT_DEFAULTS_PATH, ProjectDefaults, updateProjectSettings } from '../utils/project-defaults';
import { hasCopiedKit, migrateKitToRuntime } from './kit-to-runtime';

/** What a migration works with: the app, its defaults and features, the host's formatter. */
export interface MigrationContext {
  host: HostProject;
  defaults: ProjectDefaults;
  features: RecordedFeature[];
  format?: SourceFormatter;
}

/**
 * A change of what apps own, keyed by the release that made it, as Angular's `migration.json` keys its
 * migrations: `realtime-upgrade` (and `nest add` run again) runs those of the releases after the app's, once,
 * after rendering this release's setup and features.
 */
export interface Migration {
  version: string;
  description: string;
  /** Whether the app has what the migration moves (a guard for apps that never had it). */
  applies(tree: Tree, host: HostProject): boolean;
  rule(context: MigrationContext): Rule;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: '0.2.0',
    description: 'the copied src/realtime/ kit onto the nest-realtime runtime package',
    applies: hasCopiedKit,
    rule: ({ host, defaults, features, format }) => migrateKitToRuntime(host, defaults, features, format),
  },
];

/** Key in nest-realtime.json of the release whose migrations the app has had. */
const VERSION_KEY = 'version';

function compareVersions(a: string, b: string): number {
  const parts = (version: string) => version.split(/[.-]/).map((part) => Number.parseInt(part, 10) || 0);
  const [left, right] = [parts(a), parts(b)];
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) {
      return difference;
    }
  }
  return 0;
}

/** The release the app was last set up or upgraded by; apps from before it was recorded are 0.1.0. */
function appVersion(tree: Tree): string {
  const stored = readJsonFile<Record<string, unknown>>(tree, PROJECT_DEFAULTS_PATH)?.[VERSION_KEY];
  return typeof stored === 'string' ? stored : '0.1.0';
}

/** The migrations the app still needs, oldest first. */
export function pendingMigrations(tree: Tree, host: HostProject): Migration[] {
  const from = appVersion(tree);
  return MIGRATIONS.filter(
    (migration) =>
      compareVersions(migration.version, from) > 0 &&
      compareVersions(migration.version, NEST_REALTIME_VERSION) <= 0 &&
      migration.applies(tree, host),
  );
}

/** Records that the app has had this release's migrations. */
export function recordAppVersion(tree: Tree): void {
  updateProjectSettings(tree, { [VERSION_KEY]: NEST_REALTIME_VERSION });
}

/**
 * Refuses to write into an app an earlier release set up until its migrations ran: this release's files
 * beside the old ones would leave it half-moved.
 */
export function assertNoPendingMigrations(tree: Tree, host: HostProject): void {
  const pending = pendingMigrations(tree, host);
  if (pending.length > 0) {
    throw new SchematicsException(
      `This app was set up by nest-realtime ${appVersion(tree)}; this is ${NEST_REALTIME_VERSION}, which moves ` +
        `${pending.map((migration) => migration.description).join('; ')}. Run \`nest g realtime-upgrade\` first ` +
        '(it keeps what you edited and says what changed), then run this command again.',
    );
  }
}
