import { chain, Rule, SchematicContext, Tree } from '@angular-devkit/schematics';
import { posix } from 'node:path';
import { keepFormatted } from '../utils/formatting';
import { addToModuleMetadata } from '../utils/module-metadata';
import { relativeImport } from '../utils/paths';
import { recordFeature, RecordedFeature } from '../utils/generated-files';
import { EventPlan, recordedEventPlans, renderRecordedEventDtos, replayEvents } from '../realtime-event/index';
import { addFeatureDependencies } from '../utils/dependencies';
import { followEjectedRuntime } from '../utils/runtime-location';
import { assertNoPendingMigrations } from '../realtime-upgrade/migrations';
import { appScripts, formatNextSteps, NextStep, runSteps } from '../utils/next-steps';
import { ensureRealtimeSetup } from '../utils/realtime-setup';
import { isEarlierReleaseOutput } from '../utils/earlier-releases';
import { renderTemplates, withSpecFileSuffix } from '../utils/templates';
import { SpecKind, unmatchedSpecWarning } from '../utils/test-runner-patterns';
import { FeaturePlan, featureTemplates, planFeature } from './plan';
import { Schema as RealtimeGatewayOptions } from './schema';

/** Everything the rules need: the feature's plan and the events realtime-event added to it. */
interface GatewayPlan extends FeaturePlan {
  /** realtime-upgrade: an edited file gets this release's version beside it (`<file>.new`). */
  offerBesideEdited?: boolean;
  /** The events realtime-event added to this feature earlier, replayed on every render. */
  events: EventPlan[];
}

function planGateway(tree: Tree, options: RealtimeGatewayOptions): GatewayPlan {
  const plan = planFeature(tree, options);
  return { ...plan, events: plan.recorded === undefined ? [] : recordedEventPlans(plan.host, plan.recorded) };
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
      (done: Tree, context: SchematicContext) => context.logger.info(nextSteps(done, plan)),
    ]);
  };
}

/** What the developer does next with the feature just written, in the commands of this app. */
function nextSteps(tree: Tree, plan: GatewayPlan): string {
  const { fileName } = plan.feature;
  const scripts = appScripts(tree);
  const specs = plan.options.spec !== false;
  const steps: NextStep[] = [];
  if (plan.options.skipInstall) {
    steps.push(['npm install', 'you passed --skip-install']);
  }
  if (specs && scripts.test !== undefined) {
    steps.push([`npm test -- ${fileName}`, 'its unit spec']);
  }
  steps.push(...runSteps(scripts, { filter: fileName, e2e: specs }), [
    `nest g realtime-event ${fileName}/<event>`,
    'one more event',
  ]);
  return formatNextSteps(
    `The ${plan.type} gateway serves ${plan.namespace} (${plan.featureDir.slice(1)}/). Next:`,
    steps,
  );
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

function renderFeature(plan: GatewayPlan): Rule {
  const { host, feature } = plan;
  // A feature generated before files were recorded: recognised when it is an earlier release's output for it.
  const isEarlierOutput = (template: string, content: string) =>
    isEarlierReleaseOutput(template, content, {
      fileName: feature.fileName,
      className: feature.className,
      propertyName: feature.propertyName,
      corsOriginsEnv: plan.defaults.corsOriginsEnv,
    });
  return chain(
    featureTemplates(plan).map((templates) =>
      renderTemplates({
        ...templates,
        force: plan.options.force,
        isEarlierOutput,
        offerBesideEdited: plan.offerBesideEdited,
        transform: async (path, content, tree) =>
          followEjectedRuntime(host, plan.format)(path, await replayEvents(plan.events, path, content), tree),
      }),
    ),
  );
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
