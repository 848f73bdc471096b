/** Environment variables as the runtime reads them: `process.env`, or a test's own values. */
export type Environment = Record<string, string | undefined>;

/**
 * Whether the app runs in production. Read loosely (`Production`, a stray
 * space), since a production app mistaken for a development one would accept
 * the public development secret and serve the playground.
 */
export function isProduction(env: Environment): boolean {
  return (env.NODE_ENV ?? '').trim().toLowerCase() === 'production';
}

/**
 * A whole-number setting from the environment: `fallback` when unset or
 * empty, a startup error naming the variable when invalid or below `minimum`.
 *
 * @example
 * readInteger(process.env, 'REALTIME_PRESENCE_TTL_MS', 15_000, 300);
 */
export function readInteger(
  env: Environment,
  name: string,
  fallback: number,
  minimum: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new Error(
      `${name} must be an integer of at least ${minimum}; got "${raw}".`,
    );
  }
  return value;
}

/** A comma-separated list from the environment, without blanks; undefined when empty. */
export function readList(env: Environment, name: string): string[] | undefined {
  const values = (env[name] ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '');
  return values.length === 0 ? undefined : values;
}
