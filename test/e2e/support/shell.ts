import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface RunResult {
  output: string;
  status: number | null;
}

/** Output kept in a failure message: enough to see the error, short enough to read. */
const FAILURE_TAIL_CHARS = 12_000;

/** Lines that name what failed in Jest, Vitest, tsc, ESLint or oxlint output. */
const FAILURE_LINE =
  /^\s*(?:×|✗|✕|●|FAIL\b|(?:\w+)?Error\b|AssertionError|Tests?\s+\d+ failed|Test Files\s+\d+ failed|.*error TS\d+|.*\d+ problems?\b)/u;
const MAX_FAILURE_LINES = 30;

/**
 * The lines of a failed command's output that say what failed, in order and each once, so the top of a
 * failure message names the broken test even where a CI log shows only its head and tail.
 */
export function failureHighlights(output: string): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const line of output.split('\n')) {
    const trimmed = line.trimEnd();
    if (FAILURE_LINE.test(trimmed) && !seen.has(trimmed.trim())) {
      seen.add(trimmed.trim());
      lines.push(trimmed);
      if (lines.length === MAX_FAILURE_LINES) {
        break;
      }
    }
  }
  return lines;
}

/**
 * Runs a command to completion and returns its combined output; throws with the command, its exit status
 * and the tail of its output when it fails, so a red harness says what broke.
 */
export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const result = runAllowingFailure(command, args, cwd, env);
  if (result.status !== 0) {
    const commandLine = [command, ...args].join(' ');
    const log = keepFailureLog(commandLine, cwd, result.output);
    const highlights = failureHighlights(result.output);
    throw new Error(
      `\`${commandLine}\` failed in ${cwd} with exit status ${result.status}` +
        (log === undefined ? ':\n' : ` (whole output: ${log}):\n`) +
        (highlights.length > 0 ? `What failed:\n${highlights.join('\n')}\n\nThe end of its output:\n` : '') +
        result.output.slice(-FAILURE_TAIL_CHARS),
    );
  }
  return result.output;
}

/**
 * Writes a failed command's whole output to `failures/` in the harness's run folder, which outlives the run
 * (the teardown gives back installs only), and returns the file; undefined outside a harness run.
 */
function keepFailureLog(commandLine: string, cwd: string, output: string): string | undefined {
  const runDir = process.env.HARNESS_RUN_DIR;
  if (runDir === undefined) {
    return undefined;
  }
  const folder = join(runDir, 'failures');
  const file = join(folder, `${new Date().toISOString().replace(/[:.]/g, '-')}-${basename(cwd)}.log`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(file, `$ ${commandLine}\n# in ${cwd}\n\n${output}`);
  return file;
}

/** Runs a command and returns its output and status without judging them. */
export function runAllowingFailure(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): RunResult {
  const result = spawnSync(command, args, {
    cwd,
    env: { ...cleanEnvironment(), CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0', ...env },
    encoding: 'utf-8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.error) {
    throw result.error;
  }
  return { output: `${result.stdout}${result.stderr}`, status: result.status };
}

/**
 * This process's environment without what Jest adds to it. Commands must run as they would in a user's
 * shell: with NODE_ENV=test inherited from Jest, `nest g app` no longer moves src/ into apps/<name>/.
 */
export function cleanEnvironment(): NodeJS.ProcessEnv {
  const { NODE_ENV: _nodeEnv, JEST_WORKER_ID: _jestWorkerId, ...rest } = process.env;
  return rest;
}
