// @ts-check
// The build of nest-realtime a generated app runs: the package installed in its node_modules, whose
// "exports" give a CommonJS app (Nest 11) dist/runtime/cjs and an ES module app (Nest 12, "type": "module")
// dist/runtime/esm. The baseline server loads the runtime's pieces from there and the Nest floor reads the
// guard it mirrors from there, so both follow what the app runs, an `--app` copy included.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * `require` as the app's own code resolves it.
 *
 * @param {string} appDir
 */
export function appRequire(appDir) {
  return createRequire(join(appDir, 'package.json'));
}

/**
 * The folder of the nest-realtime package the app resolves.
 *
 * @param {string} appDir
 */
export function runtimePackageDir(appDir) {
  return dirname(appRequire(appDir).resolve('nest-realtime/package.json'));
}

/**
 * Which of the runtime's builds the app loads: its package.json's module system decides.
 *
 * @param {string} appDir
 * @returns {'esm' | 'cjs'}
 */
function runtimeFlavour(appDir) {
  const { type } = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf-8'));
  return type === 'module' ? 'esm' : 'cjs';
}

/**
 * One compiled file of the runtime build the app loads (e.g. `realtime.admission.js`), as a module
 * namespace: the same module instances as the app's `import … from 'nest-realtime'`, since it is the file
 * the package's entry imports.
 *
 * @example
 * const { RealtimeAdmission } = await loadRuntimeModule(appDir, 'realtime.admission.js');
 *
 * @param {string} appDir
 * @param {string} file
 * @returns {Promise<any>}
 */
export async function loadRuntimeModule(appDir, file) {
  const flavour = runtimeFlavour(appDir);
  const path = join(runtimePackageDir(appDir), 'dist', 'runtime', flavour, file);
  return flavour === 'cjs' ? appRequire(appDir)(path) : import(pathToFileURL(path).href);
}
