import { chain, Rule, SchematicContext, SchematicsException, Tree } from '@angular-devkit/schematics';
import { posix } from 'node:path';
import { FeatureName, parseFeatureName } from '../utils/feature-name';
import { loadHostFormatter, SourceFormatter } from '../utils/formatting';
import { absolute, detectHostProject, HostProject } from '../utils/host-project';
import { addToModuleMetadata } from '../utils/module-metadata';
import { findNearestModule, relativeImport } from '../utils/paths';
import { ProjectDefaults, readProjectDefaults } from '../utils/project-defaults';
import { recordFeature, RecordedFeature } from '../utils/generated-files';
import { kitDirectory } from '../utils/realtime-kit';
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
  namespace: string;
  featureDir: string;
  kitDir: string;
  e2eDir: string;
  /** Module to register the feature module in; undefined with --skip-import. */
  parentModule?: string;
  /** The host's Prettier, so generated files match the host's style whatever the name's length. */
  format?: SourceFormatter;
  options: RealtimeGatewayOptions;
  /** realtime-upgrade: an edited file gets this release's version beside it (`<file>.new`). */
  offerBesideEdited?: boolean;
}

/**
 * `nest g realtime-gateway <name>`: a complete Socket.IO feature (gateway, DTOs, event maps, push service,
 * unit and e2e specs) on top of the shared `src/realtime/` kit, registered in the nearest module.
 */
export function realtimeGateway(options: RealtimeGatewayOptions): Rule {
  return (tree: Tree) => {
    const plan = planGateway(tree, options);
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
 * The feature alone, on a kit that is already there: what realtime-upgrade renders again for each feature
 * nest-realtime.json records, after it upgraded the kit once.
 */
export function realtimeFeature(options: RealtimeGatewayOptions, { offerBesideEdited = false } = {}): Rule {
  return (tree: Tree) => writeFeature({ ...planGateway(tree, options), offerBesideEdited });
}

function writeFeature(plan: GatewayPlan): Rule {
  return chain([
    renderFeature(plan),
    warnAboutUnmatchedSpecs(plan),
    registerFeatureModule(plan),
    (tree: Tree) => recordFeature(tree, plan.featureDir, recordedOptions(plan)),
  ]);
}

/** What realtime-upgrade needs to render this feature again: the options that shaped it, not one-off ones. */
function recordedOptions({ options, namespace }: GatewayPlan): RecordedFeature {
  return {
    name: String(options.name),
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
  return {
    host,
    defaults,
    feature,
    namespace: normalizeNamespace(options.namespace ?? `${defaults.namespacePrefix}/${feature.fileName}`),
    featureDir,
    kitDir: kitDirectory(host),
    e2eDir: posix.join(host.projectRoot, 'test'),
    parentModule,
    // The Nest and schematics CLIs run schematics from the workspace root.
    format: loadHostFormatter(process.cwd()),
    options,
  };
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

function renderFeature(plan: GatewayPlan): Rule {
  const { host, feature, featureDir, kitDir, e2eDir } = plan;
  const data = {
    ...feature,
    namespace: plan.namespace,
    importExtension: host.importExtension,
    corsOriginsEnv: plan.defaults.corsOriginsEnv,
    metrics: plan.defaults.metrics,
    kitImport: relativeImport(`${featureDir}/index.ts`, kitDir),
  };
  const e2eData = {
    ...data,
    featureImport: relativeImport(`${e2eDir}/index.ts`, featureDir),
    kitImport: relativeImport(`${e2eDir}/index.ts`, kitDir),
  };
  // A feature generated before files were recorded: recognised when it is an earlier release's output for it.
  const isEarlierOutput = (template: string, content: string) =>
    isEarlierReleaseOutput(template, content, {
      fileName: feature.fileName,
      className: feature.className,
      propertyName: feature.propertyName,
      corsOriginsEnv: plan.defaults.corsOriginsEnv,
    });
  const rules = [
    renderTemplates({
      templateDir: 'realtime-gateway/feature',
      targetDir: featureDir,
      data,
      force: plan.options.force,
      include: specFilter(plan.options.spec),
      format: plan.format,
      specFileSuffix: host.specFileSuffix,
      isEarlierOutput,
      offerBesideEdited: plan.offerBesideEdited,
    }),
  ];
  if (plan.options.spec !== false) {
    rules.push(
      renderTemplates({
        templateDir: 'realtime-gateway/e2e',
        targetDir: e2eDir,
        data: e2eData,
        force: plan.options.force,
        format: plan.format,
        specFileSuffix: host.specFileSuffix,
        isEarlierOutput,
        offerBesideEdited: plan.offerBesideEdited,
      }),
    );
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
    const { parentModule, format } = plan;
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
    // A module the host's Prettier had formatted stays formatted (a longer `imports` list wraps);
    // one in another style is left as the user keeps it.
    const after = tree.read(parentModule)?.toString('utf-8') ?? '';
    if (format && after !== before && (await format(parentModule, before)) === before) {
      const formatted = await format(parentModule, after);
      if (formatted !== after) {
        tree.overwrite(parentModule, formatted);
      }
    }
  };
}
