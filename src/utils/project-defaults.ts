import { SchematicsException, Tree } from '@angular-devkit/schematics';
import { Schema as NestAddOptions } from '../nest-add/schema';
import { readJsonFile } from './host-project';

/** Project-wide choices `nest add nest-realtime` writes once and every later schematic reads. */
export type ProjectDefaults = Required<
  Pick<NestAddOptions, 'adapter' | 'auth' | 'corsOriginsEnv' | 'namespacePrefix' | 'metrics' | 'gatewayType'>
>;

/** The shapes `realtime-gateway --type` generates. */
export type GatewayType = ProjectDefaults['gatewayType'];

export const GATEWAY_TYPES: readonly GatewayType[] = ['chat', 'push', 'blank'];

/** Where the defaults live: beside nest-cli.json, so they are versioned with the app. */
export const PROJECT_DEFAULTS_PATH = '/nest-realtime.json';

/** What a project without a defaults file gets (the same as nest-add's schema defaults). */
export const BUILT_IN_DEFAULTS: ProjectDefaults = {
  adapter: 'pubsub',
  auth: 'hs256',
  corsOriginsEnv: 'CORS_ORIGINS',
  namespacePrefix: '',
  metrics: true,
  gatewayType: 'chat',
};

export const ADAPTERS: ReadonlyArray<ProjectDefaults['adapter']> = ['pubsub', 'sharded', 'streams'];
export const AUTH_MODES: ReadonlyArray<ProjectDefaults['auth']> = ['hs256', 'jwks'];
/** What releases before auth modes wrote: HS256 with JWT_SECRET. */
const LEGACY_AUTH = 'jwt';

/**
 * The project's defaults, validated: the built-in ones overlaid with `nest-realtime.json` when it exists.
 *
 * @example
 * readProjectDefaults(tree).namespacePrefix; // '/v1'
 */
export function readProjectDefaults(tree: Tree): ProjectDefaults {
  const stored = readJsonFile<Record<string, unknown>>(tree, PROJECT_DEFAULTS_PATH) ?? {};
  // Only the defaults: the file's other sections (generated files, features) change during a run, and a
  // copy taken here would put their old state back when the defaults are written.
  const defaults = {
    ...BUILT_IN_DEFAULTS,
    ...(Object.fromEntries(
      Object.keys(BUILT_IN_DEFAULTS)
        .filter((key) => stored[key] !== undefined)
        .map((key) => [key, stored[key]]),
    ) as Partial<ProjectDefaults>),
  };
  if ((defaults.auth as string) === LEGACY_AUTH) {
    defaults.auth = 'hs256';
  }
  if (!ADAPTERS.includes(defaults.adapter)) {
    throw invalid(`"adapter" must be one of ${ADAPTERS.join(', ')}`);
  }
  if (!AUTH_MODES.includes(defaults.auth)) {
    throw invalid(`"auth" must be one of ${AUTH_MODES.join(', ')}`);
  }
  if (!isGatewayType(defaults.gatewayType)) {
    throw invalid(`"gatewayType" must be one of ${GATEWAY_TYPES.join(', ')}`);
  }
  if (typeof defaults.metrics !== 'boolean') {
    throw invalid('"metrics" must be true or false');
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(defaults.corsOriginsEnv)) {
    throw invalid('"corsOriginsEnv" must be an environment variable name such as CORS_ORIGINS');
  }
  return { ...defaults, namespacePrefix: normalizeNamespacePrefix(defaults.namespacePrefix) };
}

export function isGatewayType(value: unknown): value is GatewayType {
  return GATEWAY_TYPES.includes(value as GatewayType);
}

/** Writes the defaults, keeping keys the file has that we do not manage. */
export function writeProjectDefaults(tree: Tree, defaults: ProjectDefaults): void {
  updateProjectSettings(tree, defaults);
}

/**
 * Sets top-level keys of `nest-realtime.json` (e.g. another schematic's own section), keeping the others.
 * Nothing changes when the file already holds these values.
 */
export function updateProjectSettings(tree: Tree, settings: Record<string, unknown>): void {
  const stored = readJsonFile<Record<string, unknown>>(tree, PROJECT_DEFAULTS_PATH);
  const content = JSON.stringify({ ...stored, ...settings }, null, 2) + '\n';
  if (!stored) {
    tree.create(PROJECT_DEFAULTS_PATH, content);
  } else if (tree.read(PROJECT_DEFAULTS_PATH)?.toString('utf-8') !== content) {
    tree.overwrite(PROJECT_DEFAULTS_PATH, content);
  }
}

/** '' stays ''; 'v1', '/v1/' and '/v1' become '/v1'. */
export function normalizeNamespacePrefix(prefix: string): string {
  const trimmed = prefix.trim().replace(/^\/+|\/+$/g, '');
  if (trimmed === '') {
    return '';
  }
  if (!/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/.test(trimmed)) {
    throw invalid(`"namespacePrefix" "${prefix}" may contain only letters, digits, "-", "_" and "/" (e.g. /v1)`);
  }
  return `/${trimmed}`;
}

function invalid(reason: string): SchematicsException {
  return new SchematicsException(
    `${PROJECT_DEFAULTS_PATH}: ${reason}. Fix the file or run \`nest add nest-realtime\` again.`,
  );
}
