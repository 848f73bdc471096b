import { SchematicsException, Tree } from '@angular-devkit/schematics';
import { posix } from 'node:path';
import { FeatureName, parseFeatureName } from '../utils/feature-name';
import { loadHostFormatter, SourceFormatter } from '../utils/formatting';
import { absolute, configDirectory, detectHostProject, HostProject, HttpPlatform } from '../utils/host-project';
import { findNearestModule, relativeImport } from '../utils/paths';
import {
  GATEWAY_TYPES,
  GatewayType,
  isGatewayType,
  ProjectDefaults,
  readProjectDefaults,
} from '../utils/project-defaults';
import { readRecordedFeatures, recordedFeatureType, RecordedFeature } from '../utils/generated-files';
import { prefetchFormatting, RenderTemplatesOptions, specFilter } from '../utils/templates';
import { Schema as RealtimeGatewayOptions } from './schema';

// A feature's plan and the templates that render it. No TypeScript compiler in this module's imports: the
// collection loads it first, so that the host's Prettier formats the feature while the rest loads (see
// prefetchFeature).

/** What a feature's rules need, derived once from the options and the host tree. */
export interface FeaturePlan {
  host: HostProject;
  defaults: ProjectDefaults;
  feature: FeatureName;
  /** The feature's shape: which template folders render it. */
  type: GatewayType;
  namespace: string;
  featureDir: string;
  /** The app's owned realtime folder (`src/realtime`), whose options the e2e specs start the feature with. */
  configDir: string;
  e2eDir: string;
  /** Module to register the feature module in; undefined with --skip-import. */
  parentModule?: string;
  /** The host's Prettier, so generated files match the host's style whatever the name's length. */
  format?: SourceFormatter;
  options: RealtimeGatewayOptions;
  /** What nest-realtime.json records of this feature, when it was generated before. */
  recorded?: RecordedFeature;
}

export function planFeature(tree: Tree, options: RealtimeGatewayOptions): FeaturePlan {
  const type = parseGatewayType(options.type);
  const host = detectHostProject(tree, options);
  // The Nest CLI passes a name of digits as a number; it is refused as the string it was typed as.
  const feature = parseFeatureName(options.name === undefined ? undefined : String(options.name), options.path);
  const parentDir = posix.join(host.sourceRoot, feature.directory);
  const featureDir = options.flat ? parentDir : posix.join(parentDir, feature.fileName);
  const parentModule = options.skipImport
    ? undefined
    : options.module
      ? resolveModuleOption(tree, host, options.module)
      : findNearestModule(tree, parentDir, host.sourceRoot);
  const defaults = readProjectDefaults(tree);
  const recorded = readRecordedFeatures(tree).find(
    (candidate) => candidate.project === options.project && recordedFolder(host, candidate) === featureDir,
  );
  return {
    host,
    defaults,
    feature,
    recorded,
    type: featureType(tree, featureDir, type) ?? defaults.gatewayType,
    namespace: normalizeNamespace(options.namespace ?? `${defaults.namespacePrefix}/${feature.fileName}`),
    featureDir,
    configDir: configDirectory(host),
    e2eDir: posix.join(host.projectRoot, 'test'),
    parentModule,
    // The Nest and schematics CLIs run schematics from the workspace root.
    format: loadHostFormatter(process.cwd()),
    options,
  };
}

/** The folder a recorded feature lives in, as planFeature places it. */
function recordedFolder(host: HostProject, recorded: RecordedFeature): string {
  const name = parseFeatureName(recorded.name, recorded.path);
  const parentDir = posix.join(host.sourceRoot, name.directory);
  return recorded.flat ? parentDir : posix.join(parentDir, name.fileName);
}

/** `--type` as given, checked before anything is written (the upgrade passes what nest-realtime.json records). */
function parseGatewayType(type: unknown): GatewayType | undefined {
  if (type === undefined || isGatewayType(type)) {
    return type;
  }
  throw new SchematicsException(
    `--type "${String(type)}" is not a gateway type: use one of ${GATEWAY_TYPES.join(', ')} ` +
      '(chat: rooms and messages; push: server-to-user notifications; blank: one example event).',
  );
}

/**
 * The type of a feature generated before keeps: run again without --type, `nest g realtime-gateway alerts`
 * updates the push feature it is; with another --type it is refused, since rendering chat over a push
 * feature would replace the files nobody edited and leave the others behind.
 */
function featureType(tree: Tree, featureDir: string, requested: GatewayType | undefined): GatewayType | undefined {
  const recorded = recordedFeatureType(tree, featureDir);
  if (recorded !== undefined && requested !== undefined && requested !== recorded) {
    throw new SchematicsException(
      `${featureDir} holds a ${recorded} feature (nest-realtime.json "features"), so --type ${requested} would ` +
        `overwrite it. Generate the ${requested} feature under another name, or delete ${featureDir} and its record first.`,
    );
  }
  return requested ?? recorded;
}

function resolveModuleOption(tree: Tree, host: HostProject, module: string): string {
  const candidates = [absolute(module), absolute(posix.join(host.sourceRoot, module))].flatMap((path) =>
    path.endsWith('.ts') ? [path] : [path, `${path}.ts`, `${path}.module.ts`],
  );
  const found = candidates.find((path) => tree.exists(path));
  if (!found) {
    throw new SchematicsException(`--module "${module}" does not exist (looked for ${candidates.join(', ')}).`);
  }
  return found;
}

function normalizeNamespace(namespace: string): string {
  const trimmed = namespace.trim().replace(/^\/+/, '');
  if (!/^[A-Za-z0-9][A-Za-z0-9_\-/]*$/.test(trimmed) || trimmed.includes('//')) {
    throw new SchematicsException(
      `--namespace "${namespace}" is not a valid Socket.IO namespace: use letters, digits, "-", "_" and "/" ` +
        '(e.g. chat or /admin/chat).',
    );
  }
  return `/${trimmed.replace(/\/+$/, '')}`;
}

/**
 * Template folders of each type. Chat keeps the folders it always had: earlier releases' outputs
 * (`templates/earlier-releases.json`) are keyed by these paths.
 */
const TEMPLATE_FOLDERS: Record<GatewayType, { feature: string; e2e: string }> = {
  chat: { feature: 'realtime-gateway/feature', e2e: 'realtime-gateway/e2e' },
  push: { feature: 'realtime-gateway/push/feature', e2e: 'realtime-gateway/push/e2e' },
  blank: { feature: 'realtime-gateway/blank/feature', e2e: 'realtime-gateway/blank/e2e' },
};

/** The templates of a feature, each folder with where it goes and the values it reads. */
export function featureTemplates(
  plan: FeaturePlan,
): Array<Pick<RenderTemplatesOptions, 'templateDir' | 'targetDir' | 'data' | 'include' | 'format' | 'specFileSuffix'>> {
  const { host, feature, featureDir, configDir, e2eDir } = plan;
  const data = {
    ...feature,
    namespace: plan.namespace,
    importExtension: host.importExtension,
    configImport: relativeImport(`${featureDir}/index.ts`, configDir),
    // The e2e specs start the app on the host's platform (Express is Nest's default).
    fastify: host.httpPlatform === HttpPlatform.Fastify,
  };
  const folders = TEMPLATE_FOLDERS[plan.type];
  const common = { include: specFilter(plan.options.spec), format: plan.format, specFileSuffix: host.specFileSuffix };
  const templates = [{ templateDir: folders.feature, targetDir: featureDir, data, ...common }];
  if (plan.options.spec !== false) {
    const e2eData = {
      ...data,
      featureImport: relativeImport(`${e2eDir}/index.ts`, featureDir),
      configImport: relativeImport(`${e2eDir}/index.ts`, configDir),
    };
    templates.push({ templateDir: folders.e2e, targetDir: e2eDir, data: e2eData, ...common });
  }
  return templates;
}

/**
 * What `nest g realtime-gateway` does first: renders the feature and hands it to the host's Prettier,
 * without waiting. Loading the TypeScript compiler and editing the app's modules then happen while the
 * files are formatted, and rendering them again finds them formatted. Options the schematic will refuse
 * prefetch nothing; the schematic reports them.
 */
export function prefetchFeature(tree: Tree, options: RealtimeGatewayOptions): void {
  let plan: FeaturePlan;
  try {
    plan = planFeature(tree, options);
  } catch {
    return;
  }
  for (const templates of featureTemplates(plan)) {
    prefetchFormatting(templates);
  }
}
