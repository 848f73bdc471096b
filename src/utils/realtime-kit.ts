import { chain, Rule } from '@angular-devkit/schematics';
import { posix } from 'node:path';
import { SourceFormatter } from './formatting';
import { HostProject } from './host-project';
import { ProjectDefaults } from './project-defaults';
import { renderTemplates } from './templates';

/** Folder of the shared kit below the source root, created once and reused by every gateway. */
export const KIT_FOLDER = 'realtime';

export interface RealtimeKitOptions {
  host: HostProject;
  defaults: ProjectDefaults;
  /** Also write the Redis adapter and its bootstrap helper (nest-add does; a lone gateway does not need them). */
  withRedisAdapter?: boolean;
  spec?: boolean;
  force?: boolean;
  format?: SourceFormatter;
}

export function kitDirectory(host: HostProject): string {
  return posix.join(host.sourceRoot, KIT_FOLDER);
}

/**
 * Writes the shared `src/realtime/` kit: server options, JWT module, auth middleware and guard, WS
 * validation pipe and exception filter, and, for nest-add, the Redis adapter. Existing files are respected
 * as `renderTemplates` describes, so every schematic can call this safely.
 */
export function renderRealtimeKit(options: RealtimeKitOptions): Rule {
  const parts = options.withRedisAdapter ? ['realtime-kit', 'realtime-kit-redis'] : ['realtime-kit'];
  return chain(
    parts.map((templateDir) =>
      renderTemplates({
        templateDir,
        targetDir: kitDirectory(options.host),
        data: {
          importExtension: options.host.importExtension,
          corsOriginsEnv: options.defaults.corsOriginsEnv,
          adapter: options.defaults.adapter,
        },
        force: options.force,
        include: (path) => options.spec !== false || !path.endsWith('.spec.ts'),
        format: options.format,
      }),
    ),
  );
}
