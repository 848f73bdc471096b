// @ts-check
// How fast the schematic writes a feature, and how fast the generated app starts.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { median } from './stats.mjs';
import { startSystem } from './systems.mjs';

/**
 * Spawn → port accepting connections, median of `runs` cold starts.
 *
 * @param {import('./systems.mjs').System} system
 * @param {import('./generated-app.mjs').App} app
 * @param {number} runs
 */
export async function measureColdStart(system, app, runs) {
  /** @type {number[]} */
  const timings = [];
  for (let run = 0; run < runs; run++) {
    const server = await startSystem(system, app);
    timings.push(server.startupMs);
    await server.stop();
  }
  return { runs, medianMs: median(timings), timingsMs: timings };
}

/**
 * scripts/time-schematic.mjs on the untouched scaffold: `realtime-gateway chat` in process.
 *
 * @param {string} repoDir
 * @param {string} scaffoldDir
 * @param {number} runs
 * @returns {{ runs: number, medianMs: number, minMs: number, maxMs: number }}
 */
export function measureSchematic(repoDir, scaffoldDir, runs) {
  const result = spawnSync(
    process.execPath,
    [join(repoDir, 'scripts', 'time-schematic.mjs'), scaffoldDir, '--runs', String(runs)],
    { cwd: repoDir, encoding: 'utf-8' },
  );
  if (result.status !== 0) {
    throw new Error(`scripts/time-schematic.mjs failed (exit ${result.status}):\n${result.stderr}`);
  }
  return JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '');
}
