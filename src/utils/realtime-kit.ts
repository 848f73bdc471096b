import { Rule, SchematicContext, Tree } from '@angular-devkit/schematics';
import { posix } from 'node:path';
import { isEarlierReleaseOutput } from './earlier-releases';
import { SourceFormatter } from './formatting';
import { HostProject, TestRunner } from './host-project';
import {
  ensureRealtimeAdapter,
  ensureShutdownHooks,
  MainFileEdit,
  SHUTDOWN_HOOKS_CALL,
  SHUTDOWN_SIGNALS,
  shutsDownOnEverySignal,
  USE_ADAPTER_FUNCTION,
} from './main-file';
import { relativeImport } from './paths';
import { ProjectDefaults } from './project-defaults';
import { withConstValue, withImportExtension, withoutImported } from './template-source';
import { renderTemplates, specFilter } from './templates';

/** Folder of the shared kit below the source root, created once and reused by every gateway. */
export const KIT_FOLDER = 'realtime';

export interface RealtimeKitOptions {
  host: HostProject;
  defaults: ProjectDefaults;
  /** The defaults the kit was generated with before, when they changed: unedited kit files follow the change. */
  previousDefaults?: ProjectDefaults;
  spec?: boolean;
  force?: boolean;
  format?: SourceFormatter;
  /** realtime-upgrade: an edited kit file gets this release's version beside it (`<file>.new`). */
  offerBesideEdited?: boolean;
}

export function kitDirectory(host: HostProject): string {
  return posix.join(host.sourceRoot, KIT_FOLDER);
}

/**
 * Writes the shared `src/realtime/` kit: server options, token verification (HS256 or JWKS), auth middleware and guard, WS
 * validation pipe and exception filter, cluster-wide presence, the Redis adapter main.ts switches to
 * when REDIS_URL is set, health endpoints with the drain state, and socket metrics. Existing files are respected as `renderTemplates` describes, so every schematic
 * can call this safely.
 */
export function renderRealtimeKit(options: RealtimeKitOptions): Rule {
  return renderTemplates({
    templateDir: 'realtime-kit',
    targetDir: kitDirectory(options.host),
    data: kitData(options.host, options.defaults),
    adapt: adaptKitSource,
    isEarlierOutput: (template, content) =>
      isEarlierReleaseOutput(template, content, { corsOriginsEnv: options.defaults.corsOriginsEnv }),
    previousData: options.previousDefaults && kitData(options.host, options.previousDefaults),
    force: options.force,
    include: kitFilter(options.host, options.defaults, options.spec),
    format: options.format,
    specFileSuffix: options.host.specFileSuffix,
    offerBesideEdited: options.offerBesideEdited,
  });
}

/**
 * The metrics endpoint is left out with `metrics: false`, and the specs that declare decorated classes in a
 * Vitest monorepo project; the rest of the kit is always written.
 */
function kitFilter(host: HostProject, defaults: ProjectDefaults, spec: boolean | undefined): (path: string) => boolean {
  const specs = specFilter(spec);
  // Vitest transforms a file with the tsconfig that includes it; in a Nest 12 monorepo no tsconfig includes
  // spec files (the root has `files: []`, each app's excludes specs), so a decorator in a spec does not parse.
  const decoratedSpecsCompile = host.testRunner !== TestRunner.Vitest || host.projectName === undefined;
  return (path) =>
    specs(path) &&
    (defaults.metrics || path !== METRICS_CONTROLLER) &&
    (decoratedSpecsCompile || !SPECS_DECLARING_DECORATED_CLASSES.includes(path));
}

const METRICS_CONTROLLER = 'metrics.controller.ts';
const SPECS_DECLARING_DECORATED_CLASSES = ['realtime.asyncapi.spec.ts', 'realtime.json-schema.spec.ts'];

interface KitData extends Record<string, unknown> {
  importExtension: string;
  defaults: ProjectDefaults;
}

function kitData(host: HostProject, defaults: ProjectDefaults): KitData {
  return { importExtension: host.importExtension, defaults };
}

/**
 * The kit's templates are ordinary TypeScript for an ES module host with the built-in defaults; this gives a
 * file the host's import suffix and the project's choices, each a top-level const the file declares.
 */
function adaptKitSource(name: string, source: string, data: Record<string, unknown>): string {
  const { importExtension, defaults } = data as KitData;
  let adapted = withImportExtension(name, source, importExtension);
  for (const option of KIT_OPTIONS.filter((candidate) => candidate.file === name)) {
    adapted = withConstValue(name, adapted, option.constant, option.value(defaults));
  }
  return name === KIT_MODULE && !defaults.metrics ? withoutImported(name, adapted, METRICS_CONTROLLER_CLASS) : adapted;
}

/** Where each project default lands in the kit: the file, its const, and the expression it is set to. */
const KIT_OPTIONS: ReadonlyArray<{ file: string; constant: string; value: (defaults: ProjectDefaults) => string }> = [
  {
    file: 'realtime.config.ts',
    constant: 'CORS_ORIGINS_VARIABLE',
    value: (defaults) => `'${defaults.corsOriginsEnv}'`,
  },
  {
    file: 'redis.config.ts',
    constant: 'DEFAULT_ADAPTER_KIND',
    value: (defaults) => `RedisAdapterKind.${ADAPTER_ENUM_MEMBERS[defaults.adapter]}`,
  },
  {
    file: 'realtime.auth.ts',
    constant: 'DEFAULT_AUTH_MODE',
    value: (defaults) => `AuthMode.${AUTH_ENUM_MEMBERS[defaults.auth]}`,
  },
];

const KIT_MODULE = 'realtime.module.ts';
const METRICS_CONTROLLER_CLASS = 'MetricsController';

/** The kit's `RedisAdapterKind` member for each adapter kind, the default when REDIS_ADAPTER is unset. */
const ADAPTER_ENUM_MEMBERS: Record<ProjectDefaults['adapter'], string> = {
  pubsub: 'PubSub',
  sharded: 'Sharded',
  streams: 'Streams',
};

/** The kit's `AuthMode` member for each auth mode, the default when neither JWKS_URI nor REALTIME_AUTH is set. */
const AUTH_ENUM_MEMBERS: Record<ProjectDefaults['auth'], string> = {
  hs256: 'Hs256',
  jwks: 'Jwks',
};

/** The kit file that exports `useRealtimeAdapter`, below the kit folder. */
const ADAPTER_MODULE = 'redis-io.adapter';

/**
 * main.ts: the kit's adapter (Redis when REDIS_URL is set, the lean in-memory one otherwise) and graceful
 * shutdown, by AST and idempotently; a main.ts of another shape is left alone and the lines are printed.
 */
export function bootstrapRealtime(host: HostProject): Rule {
  return (tree: Tree, context: SchematicContext) => {
    const adapterImport = relativeImport(
      host.mainPath,
      `${kitDirectory(host)}/${ADAPTER_MODULE}`,
      host.importExtension,
    );
    const edits = [ensureRealtimeAdapter(tree, host.mainPath, adapterImport), ensureShutdownHooks(tree, host.mainPath)];
    if (shutsDownOnEverySignal(tree, host.mainPath)) {
      context.logger.warn(
        `${host.mainPath} calls enableShutdownHooks() without signals, so any signal shuts the app down, ` +
          `SIGUSR2 (heap snapshots) and SIGHUP (log rotation) included. Left as it is; to stop only on ` +
          `SIGTERM and SIGINT, write enableShutdownHooks(${SHUTDOWN_SIGNALS}, { useProcessExit: true }).`,
      );
    }
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
