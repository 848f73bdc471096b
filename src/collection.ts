import { Rule, Tree } from '@angular-devkit/schematics';
import { loadHostFormatter } from './utils/formatting';
import type { Schema as NestAddOptions } from './nest-add/schema';
import type { Schema as RealtimeEjectOptions } from './realtime-eject/schema';
import type { Schema as RealtimeEventOptions } from './realtime-event/schema';
import type { Schema as RealtimeGatewayOptions } from './realtime-gateway/schema';
import type { Schema as RealtimeK8sOptions } from './realtime-k8s/schema';
import type { Schema as RealtimeUpgradeOptions } from './realtime-upgrade/schema';

/**
 * The factories collection.json names. Each starts the host's Prettier loading in its worker thread (see
 * loadHostFormatter), then loads its schematic, whose modules (TypeScript's compiler among them) load on the
 * main thread meanwhile: a `nest g` waits for the longer of the two, not for both. A schematic that can
 * render its files without those modules hands them to Prettier first (`prefetch`), so that they are
 * formatted while the rest loads and runs.
 */
function startingPrettier<O>(
  load: () => Promise<(options: O) => Rule>,
  prefetch?: () => Promise<(tree: Tree, options: O) => void>,
): (options: O) => Rule {
  return (options) => {
    loadHostFormatter(process.cwd());
    return async (tree: Tree) => {
      if (prefetch !== undefined) {
        (await prefetch())(tree, options);
      }
      return (await load())(options);
    };
  };
}

export const nestAdd = startingPrettier<NestAddOptions>(async () => (await import('./nest-add/index')).nestAdd);
export const realtimeGateway = startingPrettier<RealtimeGatewayOptions>(
  async () => (await import('./realtime-gateway/index')).realtimeGateway,
  async () => (await import('./realtime-gateway/plan')).prefetchFeature,
);
export const realtimeEvent = startingPrettier<RealtimeEventOptions>(
  async () => (await import('./realtime-event/index')).realtimeEvent,
);
export const realtimeUpgrade = startingPrettier<RealtimeUpgradeOptions>(
  async () => (await import('./realtime-upgrade/index')).realtimeUpgrade,
);
export const realtimeK8s = startingPrettier<RealtimeK8sOptions>(
  async () => (await import('./realtime-k8s/index')).realtimeK8s,
);
export const realtimeEject = startingPrettier<RealtimeEjectOptions>(
  async () => (await import('./realtime-eject/index')).realtimeEject,
);
