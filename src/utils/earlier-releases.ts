import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPLATES_ROOT } from './templates';

/**
 * What releases from before nest-realtime.json recorded generated files wrote, so their files can still be
 * told apart from edited ones. `scripts/earlier-releases.mjs` runs each listed release's own schematics with
 * these placeholder values and stores every output normalised (`normalizeForComparison`) in
 * templates/earlier-releases.json; an app's file matches when it equals one of them, normalised, once the
 * placeholders are replaced by the app's values.
 */
export const PLACEHOLDERS = {
  fileName: 'zq-xv',
  className: 'ZqXv',
  propertyName: 'zqXv',
  corsOriginsEnv: 'ZQ_CORS_ORIGINS',
} as const;

export type PlaceholderValues = { [key in keyof typeof PLACEHOLDERS]?: string };

interface EarlierReleases {
  commits: string[];
  /** Template path below templates/ (e.g. 'realtime-kit/realtime.auth.ts') -> normalised outputs. */
  outputs: Record<string, string[]>;
}

const EARLIER_RELEASES_PATH = join(TEMPLATES_ROOT, 'earlier-releases.json');

let loaded: EarlierReleases | undefined;

function earlierReleases(): EarlierReleases {
  loaded ??= existsSync(EARLIER_RELEASES_PATH)
    ? (JSON.parse(readFileSync(EARLIER_RELEASES_PATH, 'utf-8')) as EarlierReleases)
    : { commits: [], outputs: {} };
  return loaded;
}

/**
 * A file's content without what formatting and the host's module system decide: whitespace, trailing commas,
 * the semicolon before a closing brace (Prettier ends the last member of a multi-line type literal with one)
 * and the `.js` of relative imports. Two files equal after this differ only in how a formatter laid them out.
 *
 * @example
 * normalizeForComparison("import { a } from './a.js';\n") === normalizeForComparison("import {a} from './a'");
 */
export function normalizeForComparison(content: string): string {
  return content
    .replace(/(['"])(\.{1,2}\/[^'"\n]*?)\.js\1/g, '$1$2$1')
    .replace(/\s+/g, '')
    .replace(/,(?=[)\]}>])/g, '')
    .replace(/;(?=})/g, '');
}

/**
 * Whether `content` is what an earlier release generated from `template` (a path below templates/, e.g.
 * 'realtime-gateway/feature/__name__.gateway.ts') with these values. Only the default layout is known (a
 * feature in `src/<name>/`, its e2e specs in `test/`, the kit in `src/realtime/`); anything else does not match.
 */
export function isEarlierReleaseOutput(template: string, content: string, values: PlaceholderValues): boolean {
  const candidates = earlierReleases().outputs[template];
  if (candidates === undefined) {
    return false;
  }
  const normalized = normalizeForComparison(content);
  // Recorded with the normalisation of their day; normalised again, so a rule added since applies to both.
  return candidates.some((candidate) => normalizeForComparison(withValues(candidate, values)) === normalized);
}

function withValues(text: string, values: PlaceholderValues): string {
  return (Object.keys(PLACEHOLDERS) as Array<keyof typeof PLACEHOLDERS>).reduce(
    (result, key) => (values[key] === undefined ? result : result.split(PLACEHOLDERS[key]).join(values[key])),
    text,
  );
}
