import { SchematicsException, Tree } from '@angular-devkit/schematics';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile } from './host-project';
import {
  GATEWAY_TYPES,
  GatewayType,
  isGatewayType,
  PROJECT_DEFAULTS_PATH,
  updateProjectSettings,
} from './project-defaults';

/** What `nest-realtime.json` records of each file we generated, so a later release knows it was not edited. */
export interface GeneratedFileRecord {
  /** SHA-256 of the content we wrote, hex. */
  sha256: string;
  /** The nest-realtime version that wrote it. */
  version: string;
}

/** Key of the record in nest-realtime.json: workspace-relative path -> record. */
export const GENERATED_FILES_KEY = 'generated';

/** Our own version (package.json sits at the same depth from src/ and dist/). */
export const NEST_REALTIME_VERSION: string = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf-8')) as { version: string }
).version;

export function contentHash(content: string): string {
  return createHash('sha256').update(content).digest('hex');
}

function recordKey(path: string): string {
  return path.replace(/^\/+/, '');
}

function readRecords(tree: Tree): Record<string, GeneratedFileRecord> {
  const settings = readJsonFile<Record<string, unknown>>(tree, PROJECT_DEFAULTS_PATH);
  const records = settings?.[GENERATED_FILES_KEY];
  return records && typeof records === 'object' ? (records as Record<string, GeneratedFileRecord>) : {};
}

/**
 * Whether `content` at `path` is exactly what we generated there last (so the user did not edit it since).
 *
 * @example
 * isAsGenerated(tree, '/src/realtime/realtime.auth.ts', tree.readText('/src/realtime/realtime.auth.ts'));
 */
export function isAsGenerated(tree: Tree, path: string, content: string): boolean {
  return readRecords(tree)[recordKey(path)]?.sha256 === contentHash(content);
}

/** Whether nest-realtime.json has any record of `path` (apps generated before records were kept have none). */
export function hasGeneratedRecord(tree: Tree, path: string): boolean {
  return readRecords(tree)[recordKey(path)] !== undefined;
}

/**
 * Records that we wrote `content` at each path, keeping the records of other files. Nothing changes when
 * the records already say so; keys are sorted so the file diffs well.
 */
export function recordGeneratedFiles(tree: Tree, written: ReadonlyMap<string, string>): void {
  if (written.size === 0) {
    return;
  }
  const records = { ...readRecords(tree) };
  for (const [path, content] of written) {
    const key = recordKey(path);
    const sha256 = contentHash(content);
    if (records[key]?.sha256 !== sha256) {
      records[key] = { sha256, version: NEST_REALTIME_VERSION };
    }
  }
  const sorted = Object.fromEntries(Object.entries(records).sort(([a], [b]) => a.localeCompare(b)));
  updateProjectSettings(tree, { [GENERATED_FILES_KEY]: sorted });
}

/** The realtime-gateway options a feature was generated with, enough to render it again. */
export interface RecordedFeature {
  name: string;
  /** Absent in records made before gateway types: those features are chat. */
  type?: GatewayType;
  namespace: string;
  path?: string;
  flat?: boolean;
  project?: string;
  spec?: boolean;
  specFileSuffix?: string;
  skipImport?: boolean;
  module?: string;
  /** Events realtime-event added, by name: `handle` (client to server) or `emit`. */
  events?: Record<string, 'handle' | 'emit'>;
}

/** Key of the features in nest-realtime.json: feature folder -> the options it was generated with. */
export const FEATURES_KEY = 'features';

/**
 * The features realtime-gateway recorded, for realtime-upgrade to render again. A record naming a gateway type
 * this release does not know is refused before anything is rendered.
 */
export function readRecordedFeatures(tree: Tree): RecordedFeature[] {
  const settings = readJsonFile<Record<string, unknown>>(tree, PROJECT_DEFAULTS_PATH);
  const features = settings?.[FEATURES_KEY];
  if (!features || typeof features !== 'object') {
    return [];
  }
  return Object.entries(features as Record<string, RecordedFeature>).map(([folder, feature]) => {
    if (feature.type !== undefined && !isGatewayType(feature.type)) {
      throw new SchematicsException(
        `${PROJECT_DEFAULTS_PATH}: the feature in ${folder} has "type": "${String(feature.type)}", which is not ` +
          `one of ${GATEWAY_TYPES.join(', ')}. Fix its record (features recorded without a type are chat).`,
      );
    }
    return feature;
  });
}

/**
 * The gateway type recorded for the feature in `featureDir`: chat for a record from before gateway types,
 * undefined when nothing is recorded there.
 */
export function recordedFeatureType(tree: Tree, featureDir: string): GatewayType | undefined {
  const settings = readJsonFile<Record<string, unknown>>(tree, PROJECT_DEFAULTS_PATH);
  const features = settings?.[FEATURES_KEY] as Record<string, RecordedFeature> | undefined;
  const feature = features?.[recordKey(featureDir)];
  return feature === undefined ? undefined : (feature.type ?? 'chat');
}

/**
 * Records (or replaces) the options of the feature generated in `featureDir`, keeping the events recorded
 * for it unless `feature` lists them; unchanged when already so.
 */
export function recordFeature(tree: Tree, featureDir: string, feature: RecordedFeature): void {
  const settings = readJsonFile<Record<string, unknown>>(tree, PROJECT_DEFAULTS_PATH);
  const features = { ...(settings?.[FEATURES_KEY] as Record<string, RecordedFeature> | undefined) };
  const events = feature.events ?? features[recordKey(featureDir)]?.events;
  // Undefined options stay out of the file.
  features[recordKey(featureDir)] = JSON.parse(JSON.stringify({ ...feature, events })) as RecordedFeature;
  const sorted = Object.fromEntries(Object.entries(features).sort(([a], [b]) => a.localeCompare(b)));
  updateProjectSettings(tree, { [FEATURES_KEY]: sorted });
}

/** Drops the records of files we no longer generate (a migration removed them); others are kept. */
export function forgetGeneratedFiles(tree: Tree, paths: readonly string[]): void {
  const records = readRecords(tree);
  const keys = paths.map(recordKey).filter((key) => records[key] !== undefined);
  if (keys.length === 0) {
    return;
  }
  const kept = Object.fromEntries(Object.entries(records).filter(([key]) => !keys.includes(key)));
  updateProjectSettings(tree, { [GENERATED_FILES_KEY]: kept });
}
