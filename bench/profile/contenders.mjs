// @ts-check
// The servers a profiling tool compares: the baseline, then the cached generated app or, when app
// directories are given, those copies of it (e.g. with hand-edited generated files).
import { basename } from 'node:path';
import { describeApp, describeGeneratedApp, lockAppCache } from '../lib/generated-app.mjs';
import { systemsOf } from '../lib/systems.mjs';

/**
 * Locks the app cache of `nestMajor` (so `npm run bench` cannot rebuild it underneath) and lists the
 * contenders as { label, app, system }, the baseline first.
 *
 * @param {string} nestMajor
 * @param {string[]} appDirs
 * @returns {import('../lib/simultaneous.mjs').Contender[]}
 */
export function contendersFor(nestMajor, appDirs) {
  lockAppCache(nestMajor);
  const generated = describeGeneratedApp(nestMajor);
  return [
    { label: 'baseline', app: generated, system: systemsOf(generated).baseline },
    ...(appDirs.length > 0 ? appDirs : [generated.appDir]).map((appDir) => {
      const app = appDir === generated.appDir ? generated : describeApp(appDir, generated.scaffoldDir);
      return {
        label: appDir === generated.appDir ? 'generated' : basename(appDir),
        app,
        system: systemsOf(app).generated,
      };
    }),
  ];
}
