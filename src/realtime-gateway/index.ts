import { chain, Rule, SchematicContext, SchematicsException, Tree } from '@angular-devkit/schematics';
import { posix } from 'node:path';
import { FeatureName, parseFeatureName } from '../utils/feature-name';
import { keepFormatted, loadHostFormatter, SourceFormatter } from '../utils/formatting';
import { absolute, detectHostProject, HostProject } from '../utils/host-project';
import { addToModuleMetadata } from '../utils/module-metadata';
import { findNearestModule, relativeImport } from '../utils/paths';
import {
  GATEWAY_TYPES,
  GatewayType,
  isGatewayType,
  ProjectDefaults,
  readProjectDefaults,
} from '../utils/project-defaults';
import { readRecordedFeatures, recordedFeatureType, recordFeature, RecordedFeature } from '../utils/generated-files';
import { EventPlan, recordedEventPlans, renderRecordedEventDtos, replayEvents } from '../realtime-event/index';
import { addFeatureDependencies } from '../utils/dependencies';
import { configDirectory } from '../utils/realtime-config';
import { followEjectedRuntime } from '../utils/runtime-location';
import { assertNoPendingMigrations } from '../realtime-upgrade/migrations';
import { ensureRealtimeSetup } from '../utils/realtime-setup';
import { isEarlierReleaseOutput } from '../utils/earlier-releases';
import { renderTemplates, specFilter, withSpecFileSuffix } from '../utils/templates';
import { SpecKind, unmatchedSpecWarning } from '../utils/test-runner-patterns';
import { Schema as RealtimeGatewayOptions } from './schema';

/** Everything the rules need, derived once from the options and the host tree. */
interface GatewayPlan {
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
  /** realtime-upgrade: an edited file gets this release's version beside it (`<file>.new`). */
  offerBesideEdited?: boolean;
  /** The events realtime-event added to this feature earlier, replayed on every render. */
  events: EventPlan[];
}

/**
 * `nest g realtime-gateway <name>`: a complete Socket.IO feature (gateway, DTOs, event maps, push service,
 * unit and e2e specs) on the nest-realtime runtime, registered in the nearest module.
 */
export function realtimeGateway(options: RealtimeGatewayOptions): Rule {
  return (tree: Tree) => {
    const plan = planGateway(tree, options);
    assertNoPendingMigrations(tree, plan.host);
    return chain([
      ensureRealtimeSetup({
        host: plan.host,
        defaults: plan.defaults,
        spec: options.spec,
        force: options.force,
        skipInstall: options.skipInstall,
        format: plan.format,
      }),
      writeFeature(plan),
    ]);
  };
}

/**
 * The feature alone, on a setup that is already there: what realtime-upgrade renders again for each feature
 * nest-realtime.json records, after it upgraded the setup once.
 */
export function realtimeFeature(options: RealtimeGatewayOptions, { offerBesideEdited = false } = {}): Rule {
  // A feature recorded before gateway types existed is a chat feature, whatever the project default says now.
  return (tree: Tree) =>
    writeFeature({ ...planGateway(tree, { ...options, type: options.type ?? 'chat' }), offerBesideEdited });
}

function writeFeature(plan: GatewayPlan): Rule {
  return chain([
    renderFeature(plan),
    // The events realtime-event added are part of what we generate: see recordedEventPlans.
    renderRecordedEventDtos(plan.events),
    addFeatureDependencies({ type: plan.type, skipInstall: plan.options.skipInstall }),
    warnAboutUnmatchedSpecs(plan),
    registerFeatureModule(plan),
    (tree: Tree) => recordFeature(tree, plan.featureDir, recordedOptions(plan)),
  ]);
}

/** What realtime-upgrade needs to render this feature again: the options that shaped it, not one-off ones. */
function recordedOptions({ options, type, namespace }: GatewayPlan): RecordedFeature {
  return {
    name: String(options.name),
    type,
    namespace,
    path: options.path,
    flat: options.flat,
    project: options.project,
    spec: options.spec,
    specFileSuffix: options.specFileSuffix,
    skipImport: options.skipImport,
    module: options.module,
  };
}

function planGateway(tree: Tree, options: RealtimeGatewayOptions): GatewayPlan {
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
    events: recorded === undefined ? [] : recordedEventPlans(host, recorded),
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

/** The folder a recorded feature lives in, as planGateway places it. */
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

function renderFeature(plan: GatewayPlan): Rule {
  const { host, feature, featureDir, configDir, e2eDir } = plan;
  const data = {
    ...feature,
    namespace: plan.namespace,
    importExtension: host.importExtension,
    configImport: relativeImport(`${featureDir}/index.ts`, configDir),
  };
  const e2eData = {
    ...data,
    featureImport: relativeImport(`${e2eDir}/index.ts`, featureDir),
    configImport: relativeImport(`${e2eDir}/index.ts`, configDir),
  };
  // A feature generated before files were recorded: recognised when it is an earlier release's output for it.
  const isEarlierOutput = (template: string, content: string) =>
    isEarlierReleaseOutput(template, content, {
      fileName: feature.fileName,
      className: feature.className,
      propertyName: feature.propertyName,
      corsOriginsEnv: plan.defaults.corsOriginsEnv,
    });
  const folders = TEMPLATE_FOLDERS[plan.type];
  const render = (
    templateDir: string,
    targetDir: string,
    templateData: Record<string, unknown>,
    include = specFilter(plan.options.spec),
  ) =>
    renderTemplates({
      templateDir,
      targetDir,
      data: templateData,
      force: plan.options.force,
      include,
      format: plan.format,
      specFileSuffix: host.specFileSuffix,
      isEarlierOutput,
      offerBesideEdited: plan.offerBesideEdited,
      transform: async (path, content, tree) =>
        followEjectedRuntime(host, plan.format)(path, await replayEvents(plan.events, path, content), tree),
    });
  const rules = [render(folders.feature, featureDir, data)];
  if (plan.options.spec !== false) {
    rules.push(render(folders.e2e, e2eDir, e2eData));
  }
  return chain(rules);
}

/** Tells the user when the host's test runner would not pick up the specs just generated. */
function warnAboutUnmatchedSpecs(plan: GatewayPlan): Rule {
  return (tree: Tree, context: SchematicContext) => {
    if (plan.options.spec === false) {
      return;
    }
    const { fileName } = plan.feature;
    const specs: Array<[SpecKind, string, string]> = [
      [SpecKind.Unit, plan.featureDir, `${fileName}.gateway.spec.ts`],
      [SpecKind.E2e, plan.e2eDir, `${fileName}.e2e-spec.ts`],
    ];
    for (const [kind, dir, name] of specs) {
      const path = posix.join(dir, withSpecFileSuffix(name, plan.host.specFileSuffix));
      const warning = unmatchedSpecWarning(tree, plan.host, kind, path);
      if (warning !== undefined) {
        context.logger.warn(warning);
      }
    }
  };
}

function registerFeatureModule(plan: GatewayPlan): Rule {
  return async (tree: Tree) => {
    const { parentModule } = plan;
    if (!parentModule) {
      return;
    }
    const before = tree.read(parentModule)?.toString('utf-8') ?? '';
    const modulePath = posix.join(plan.featureDir, `${plan.feature.fileName}.module.ts`);
    addToModuleMetadata(
      tree,
      parentModule,
      'imports',
      `${plan.feature.className}Module`,
      relativeImport(parentModule, modulePath, plan.host.importExtension),
    );
    await keepFormatted(tree, parentModule, before, plan.format);
  };
}
