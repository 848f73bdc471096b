import { strings } from '@angular-devkit/core';
import { chain, Rule, SchematicContext, SchematicsException, Tree } from '@angular-devkit/schematics';
import { posix } from 'node:path';
import { loadHostFormatter, SourceFormatter } from '../utils/formatting';
import { detectHostProject, HostProject } from '../utils/host-project';
import { readRecordedFeatures, recordFeature, RecordedFeature, recordGeneratedFiles } from '../utils/generated-files';
import { findInterface, memberNames } from '../utils/source-edits';
import { parseFeatureName } from '../utils/feature-name';
import { assertNoPendingMigrations } from '../realtime-upgrade/migrations';
import { relativeImport } from '../utils/paths';
import { ejectedRuntime, withRuntimeImports } from '../utils/runtime-location';
import { formatOrKeep, renderTemplates, withSpecFileSuffix } from '../utils/templates';
import { readSourceFile, ts } from '../utils/typescript';
import { CLIENT_EVENTS, EventEdit, eventEdits, FeatureFiles, SERVER_EVENTS } from './event-edits';
import { EventDirection, EventNames, parseEventName } from './event-name';
import { Schema as RealtimeEventOptions } from './schema';

/** Everything the rules need, derived once from the options and the host tree. */
export interface EventPlan {
  host: HostProject;
  /** What nest-realtime.json records of the gateway's feature. */
  recorded: RecordedFeature;
  direction: EventDirection;
  event: EventNames;
  feature: { className: string; fileName: string; propertyName: string; dir: string };
  files: FeatureFiles;
  /** The feature folder as `file` imports it. */
  featureImportFrom(file: string): string;
  /** Whether to add the unit and e2e tests: the feature has specs and --spec is not false. */
  specs: boolean;
  format?: SourceFormatter;
}

/**
 * `nest g realtime-event chat/typing [--type emit]`: adds one event to a gateway realtime-gateway generated,
 * by AST: the contract's map entry and types, a DTO, the handler with its typed ack (or, for `emit`, the
 * entry in the gateway's `serverEvents` and a service method), a unit test and an e2e test. Running it again
 * changes nothing; an event of that name the command did not write is refused.
 */
export function realtimeEvent(options: RealtimeEventOptions): Rule {
  return (tree: Tree, context: SchematicContext) => {
    const plan = planEvent(tree, options);
    assertNameIsFree(tree, plan);
    const pending = eventEdits(plan).filter((edit) => !edit.isDone(readSourceFile(tree, edit.path)));
    if (pending.length === 0 && tree.exists(plan.files.dto)) {
      context.logger.info(
        `${plan.feature.dir} already has the ${plan.direction} event ${plan.event.name}: nothing to do.`,
      );
      return;
    }
    return chain([
      renderEventDto(plan),
      ...pending.map((edit) => applyEdit(plan, edit)),
      (next: Tree) =>
        recordFeature(next, plan.feature.dir, {
          ...plan.recorded,
          events: { ...plan.recorded.events, [plan.event.name]: plan.direction },
        }),
    ]);
  };
}

/**
 * Refuses a name the gateway's contract has already, unless realtime-event added it in the same direction
 * (then running again completes or confirms it).
 */
function assertNameIsFree(tree: Tree, plan: EventPlan): void {
  const { event, files, recorded } = plan;
  if (recorded.events?.[event.name] === plan.direction) {
    return;
  }
  const source = readSourceFile(tree, files.events);
  const taken = [CLIENT_EVENTS, SERVER_EVENTS].find((map) => {
    const declaration = findInterface(source, map);
    return declaration !== undefined && memberNames(declaration).includes(event.name);
  });
  const other = recorded.events?.[event.name];
  if (taken !== undefined || other !== undefined) {
    throw new SchematicsException(
      `${plan.feature.dir} already has an event "${event.name}"` +
        (taken !== undefined ? ` (${taken} in ${files.events})` : ` (added as ${other})`) +
        '. Pick another name, or remove that event first.',
    );
  }
}

function planEvent(tree: Tree, options: RealtimeEventOptions): EventPlan {
  const direction = options.type ?? 'handle';
  if (direction !== 'handle' && direction !== 'emit') {
    throw new SchematicsException(
      `--type "${String(direction)}" is not a direction: use handle (client to server) or emit.`,
    );
  }
  const { gateway, event } = parseEventName(options.name, direction);
  const host = detectHostProject(tree, options);
  assertNoPendingMigrations(tree, host);
  const recorded = findRecordedFeature(tree, host, gateway);
  const plan = eventPlan(host, recorded, event, direction);
  const { files } = plan;
  for (const path of [files.events, files.gateway]) {
    if (!tree.exists(path)) {
      throw new SchematicsException(
        `${path} is missing: nest-realtime.json records the gateway "${gateway}" in ${plan.feature.dir}, but its files are gone. ` +
          `Generate it again with nest g realtime-gateway ${recorded.name}.`,
      );
    }
  }
  assertCurrentShape(tree, files.gateway);
  return {
    ...plan,
    specs: plan.specs && options.spec !== false && tree.exists(files.unitSpec) && tree.exists(files.e2eSpec),
  };
}

/** The plan of one event of a recorded feature: its files, names and where its parts go. */
function eventPlan(
  host: HostProject,
  recorded: RecordedFeature,
  event: EventNames,
  direction: EventDirection,
): EventPlan {
  const featureName = parseFeatureName(recorded.name, recorded.path);
  const dir = posix.join(host.sourceRoot, featureName.directory, recorded.flat ? '' : featureName.fileName);
  const suffix = recorded.specFileSuffix ?? host.specFileSuffix;
  const at = (name: string) => posix.join(dir, `${featureName.fileName}.${name}`);
  return {
    host,
    recorded,
    direction,
    event,
    feature: { ...featureName, dir },
    files: {
      events: at('events.ts'),
      gateway: at('gateway.ts'),
      service: at('service.ts'),
      unitSpec: at(withSpecFileSuffix('gateway.spec.ts', suffix)),
      e2eSpec: posix.join(host.projectRoot, 'test', withSpecFileSuffix(`${featureName.fileName}.e2e-spec.ts`, suffix)),
      dto: posix.join(dir, 'dto', `${event.fileName}.dto.ts`),
    },
    featureImportFrom: (file) => relativeImport(file, dir),
    specs: recorded.spec !== false,
    format: loadHostFormatter(process.cwd()),
  };
}

/**
 * The events realtime-event added to a recorded feature, as plans, in the order they were added. What the
 * feature's files are is the templates' output with these applied: rendering the feature again (a rerun, an
 * upgrade) replays them, so files whose only change is an added event still count as generated.
 */
export function recordedEventPlans(host: HostProject, recorded: RecordedFeature): EventPlan[] {
  return Object.entries(recorded.events ?? {}).map(([raw, direction]) => {
    const { event } = parseEventName(`${recorded.name}/${raw}`, direction);
    return eventPlan(host, recorded, event, direction);
  });
}

/**
 * Applies the recorded events' edits of one file to its freshly rendered content, formatted after each edit
 * as realtime-event formats it. Parts a file has already are skipped, as on a rerun.
 *
 * @example
 * renderTemplates({ ..., transform: (path, content) => replayEvents(plans, path, content) });
 */
export async function replayEvents(plans: EventPlan[], path: string, content: string): Promise<string> {
  let current = content;
  for (const plan of plans) {
    for (const edit of eventEdits(plan).filter((candidate) => candidate.path === path)) {
      const source = ts.createSourceFile(path, current, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
      if (!edit.isDone(source)) {
        const edited = edit.apply(source);
        current = plan.format ? await plan.format(path, edited) : edited;
      }
    }
  }
  return current;
}

/** Renders the DTO of every recorded event, as realtime-event rendered it, so DTO templates follow upgrades. */
export function renderRecordedEventDtos(plans: EventPlan[]): Rule {
  return chain(plans.map((plan) => renderEventDto(plan)));
}

/** The feature realtime-gateway recorded for `gateway` (its name as generated, e.g. chat or admin/ops). */
function findRecordedFeature(tree: Tree, host: HostProject, gateway: string): RecordedFeature {
  const features = readRecordedFeatures(tree);
  const wanted = gateway
    .split('/')
    .map((segment) => strings.dasherize(segment))
    .join('/');
  const found = features.find(
    (feature) =>
      feature.name
        .split('/')
        .map((segment) => strings.dasherize(segment))
        .join('/') === wanted,
  );
  // `ops` for `admin/ops`, when only one gateway is named so.
  const byLastName = features.filter((feature) => posix.basename(feature.name) === wanted);
  const match = found ?? (byLastName.length === 1 ? byLastName[0] : undefined);
  if (match) {
    return match;
  }
  const handWritten = posix.join(host.sourceRoot, wanted, `${posix.basename(wanted)}.gateway.ts`);
  if (tree.exists(handWritten)) {
    throw new SchematicsException(
      `${handWritten} was not generated by nest-realtime (nest-realtime.json does not record it), so ` +
        'realtime-event will not edit it. If an earlier nest-realtime generated it, run nest g realtime-upgrade first.',
    );
  }
  const known = features.map((feature) => feature.name);
  throw new SchematicsException(
    `No realtime gateway "${gateway}" in this project. ` +
      (known.length > 0 ? `Generated gateways: ${known.join(', ')}. ` : 'nest-realtime.json records none yet. ') +
      `Generate it first with nest g realtime-gateway ${gateway}.`,
  );
}

/** Gateways generated before the runtime have no `realtimeContract` to hang events on. */
function assertCurrentShape(tree: Tree, gatewayPath: string): void {
  const text = tree.readText(gatewayPath);
  if (!/\brealtimeContract\s*</.test(text) || !/@RealtimeGateway\(/.test(text)) {
    throw new SchematicsException(
      `${gatewayPath} predates the nest-realtime runtime (no realtimeContract<…>() and @RealtimeGateway). ` +
        'Run nest g realtime-upgrade to bring it up to date, then add the event.',
    );
  }
}

function renderEventDto(plan: EventPlan): Rule {
  const { event, feature, host } = plan;
  return renderTemplates({
    templateDir: 'realtime-event',
    targetDir: feature.dir,
    data: {
      fileName: event.fileName,
      featureFile: feature.fileName,
      importExtension: host.importExtension,
      emit: plan.direction === 'emit',
      event: event.name,
      ...event.types,
    },
    format: plan.format,
  });
}

/** Applies one edit and records the result as generated: the schematics' own edits are not the user's. */
function applyEdit(plan: EventPlan, edit: EventEdit): Rule {
  return async (tree: Tree, context: SchematicContext) => {
    const edited = withRuntimeImports(
      plan.host,
      ejectedRuntime(tree),
      edit.path,
      edit.apply(readSourceFile(tree, edit.path)),
    );
    const content = plan.format ? await formatOrKeep(plan.format, edit.path, edited, context) : edited;
    tree.overwrite(edit.path, content);
    recordGeneratedFiles(tree, new Map([[edit.path, content]]));
  };
}
