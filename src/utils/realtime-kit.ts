import { Rule } from '@angular-devkit/schematics';
import { posix } from 'node:path';
import { SourceFormatter } from './formatting';
import { HostProject } from './host-project';
import { ProjectDefaults } from './project-defaults';
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
}

export function kitDirectory(host: HostProject): string {
  return posix.join(host.sourceRoot, KIT_FOLDER);
}

/**
 * Writes the shared `src/realtime/` kit: server options, JWT module, auth middleware and guard, WS
 * validation pipe and exception filter, cluster-wide presence, the Redis adapter main.ts switches to
 * when REDIS_URL is set, health endpoints with the drain state, and socket metrics. Existing files are respected as `renderTemplates` describes, so every schematic
 * can call this safely.
 */
export function renderRealtimeKit(options: RealtimeKitOptions): Rule {
  return renderTemplates({
    templateDir: 'realtime-kit',
    targetDir: kitDirectory(options.host),
    data: kitData(options.host, options.defaults),
    previousData: options.previousDefaults && kitData(options.host, options.previousDefaults),
    force: options.force,
    include: kitFilter(options.defaults, options.spec),
    format: options.format,
  });
}

/** The metrics endpoint is left out with `metrics: false`; the rest of the kit is always written. */
function kitFilter(defaults: ProjectDefaults, spec: boolean | undefined): (path: string) => boolean {
  const specs = specFilter(spec);
  return (path) => specs(path) && (defaults.metrics || path !== METRICS_CONTROLLER);
}

const METRICS_CONTROLLER = 'metrics.controller.ts';

function kitData(host: HostProject, defaults: ProjectDefaults): Record<string, unknown> {
  return {
    importExtension: host.importExtension,
    corsOriginsEnv: defaults.corsOriginsEnv,
    metrics: defaults.metrics,
    adapterEnumMember: ADAPTER_ENUM_MEMBERS[defaults.adapter],
  };
}

/** The kit's `RedisAdapterKind` member for each adapter kind, the default when REDIS_ADAPTER is unset. */
const ADAPTER_ENUM_MEMBERS: Record<ProjectDefaults['adapter'], string> = {
  pubsub: 'PubSub',
  sharded: 'Sharded',
  streams: 'Streams',
};
