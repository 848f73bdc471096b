import { chain, Rule, SchematicContext, Tree } from '@angular-devkit/schematics';
import { JSONFile } from '@schematics/angular/utility/json-file';
import { posix } from 'node:path';
import { SourceFormatter } from './formatting';
import { HostProject, ModuleSystem } from './host-project';
import { environmentImports, findRootModule } from './main-file';
import { relativeImport } from './paths';
import { followEjectedRuntime } from './runtime-location';
import { renderTemplates, RenderTemplatesOptions, withSpecFileSuffix } from './templates';
import { SpecKind, unmatchedSpecWarning } from './test-runner-patterns';

/** The npm script that writes the document: `npm run asyncapi`. */
export const ASYNCAPI_SCRIPT = 'asyncapi';

/** The entry file below the source root (without `.ts`) that boots the app and writes the document. */
const ASYNCAPI_ENTRY = 'asyncapi';

const DOCUMENT_FILE = 'asyncapi.yaml';
const E2E_SPEC = 'asyncapi.e2e-spec.ts';

export interface AsyncApiDocumentOptions {
  host: HostProject;
  spec?: boolean;
  force?: boolean;
  format?: SourceFormatter;
  /** realtime-upgrade: an edited file gets this release's version beside it (`<file>.new`). */
  offerBesideEdited?: boolean;
}

/**
 * The `asyncapi` script's command. A standalone app builds and runs the entry as `start:prod` runs main;
 * a monorepo project builds with webpack, which bundles a single entry, so `nest start` builds that entry.
 *
 * @example
 * asyncApiScript(host); // 'nest build && node dist/asyncapi' in a Nest 11 app
 */
export function asyncApiScript(host: HostProject): string {
  if (host.projectName !== undefined) {
    return `nest start ${host.projectName} --entryFile ${ASYNCAPI_ENTRY}`;
  }
  const suffix = host.moduleSystem === ModuleSystem.Esm ? '.js' : '';
  return `nest build && node dist/${ASYNCAPI_ENTRY}${suffix}`;
}

/** Where the document is written, relative to the package.json folder npm runs scripts in. */
export function asyncApiOutputPath(host: HostProject): string {
  return posix.join(host.projectRoot, DOCUMENT_FILE).replace(/^\/+/, '');
}

/**
 * `npm run asyncapi`: the entry file that boots the app without listening and writes `asyncapi.yaml` from
 * the runtime's `buildAsyncApiDocument`, an e2e spec that parses the document and checks it against every
 * gateway's events, and the npm script. Files follow `renderTemplates`' write policy; a different
 * `asyncapi` script the team already has is kept. An app whose entry file does not say which module it boots
 * gets none of it, and a message saying why.
 *
 * @example
 * chain([renderRealtimeConfig(options), addAsyncApiDocument({ host })]);
 */
export function addAsyncApiDocument(options: AsyncApiDocumentOptions): Rule {
  return (tree: Tree, context: SchematicContext) => {
    const { host } = options;
    const templates = asyncApiTemplates(tree, options);
    if (templates === undefined) {
      context.logger.warn(
        `Could not tell which module ${host.mainPath} boots (no \`NestFactory.create(<Module>)\` with the module ` +
          `imported from a file of the app), so the AsyncAPI document entry (${ASYNCAPI_ENTRY}.ts), its e2e spec ` +
          `and the "${ASYNCAPI_SCRIPT}" script were not added. buildAsyncApiDocument(app) from nest-realtime ` +
          `describes the gateways of any Nest application context.`,
      );
      return;
    }
    const rules = [renderTemplates(templates.entry), addAsyncApiScript(host)];
    if (templates.e2e !== undefined) {
      rules.push(
        renderTemplates(templates.e2e),
        warnAboutUnmatchedE2eSpec(
          host,
          posix.join(templates.e2e.targetDir, withSpecFileSuffix(E2E_SPEC, host.specFileSuffix)),
        ),
      );
    }
    return chain(rules);
  };
}

/**
 * What addAsyncApiDocument renders, and how: the entry file, and its e2e spec unless `spec` is false.
 * Undefined when main.ts does not say which module it boots.
 */
export function asyncApiTemplates(
  tree: Tree,
  options: AsyncApiDocumentOptions,
): { entry: RenderTemplatesOptions; e2e?: RenderTemplatesOptions } | undefined {
  const { host } = options;
  const rootModule = findRootModule(tree, host.mainPath);
  if (rootModule === undefined) {
    return undefined;
  }
  const e2eDir = posix.join(host.projectRoot, 'test');
  const shared = {
    importExtension: host.importExtension,
    esm: host.moduleSystem === ModuleSystem.Esm,
    scriptName: ASYNCAPI_SCRIPT,
    outputPath: asyncApiOutputPath(host),
    envImports: environmentImports(tree, host.mainPath),
  };
  const fromFile = (file: string) => ({
    ...shared,
    rootModule: rootModule.className,
    rootModuleImport: relativeImport(file, rootModule.path, host.importExtension),
  });
  const common = {
    force: options.force,
    format: options.format,
    offerBesideEdited: options.offerBesideEdited,
    transform: followEjectedRuntime(host, options.format),
  };
  const entry = {
    templateDir: 'realtime-asyncapi/entry',
    targetDir: host.sourceRoot,
    data: fromFile(posix.join(host.sourceRoot, `${ASYNCAPI_ENTRY}.ts`)),
    ...common,
  };
  // By spec: false, not specFilter, which keeps e2e specs (they end in -spec.ts, not .spec.ts).
  if (options.spec === false) {
    return { entry };
  }
  const e2e = {
    templateDir: 'realtime-asyncapi/e2e',
    targetDir: e2eDir,
    data: fromFile(posix.join(e2eDir, E2E_SPEC)),
    specFileSuffix: host.specFileSuffix,
    ...common,
  };
  return { entry, e2e };
}

/** Adds the `asyncapi` script to package.json; an `asyncapi` script of the team's own is kept, with a hint. */
export function addAsyncApiScript(host: HostProject, packageJsonPath = '/package.json'): Rule {
  return (tree: Tree, context: SchematicContext) => {
    const command = asyncApiScript(host);
    const manifest = new JSONFile(tree, packageJsonPath);
    const existing = manifest.get(['scripts', ASYNCAPI_SCRIPT]);
    if (existing === command) {
      return;
    }
    if (existing !== undefined) {
      context.logger.warn(
        `${packageJsonPath} already has a "${ASYNCAPI_SCRIPT}" script (${JSON.stringify(existing)}), so it was ` +
          `left as it is. To write ${asyncApiOutputPath(host)} from the app's gateways, run \`${command}\`.`,
      );
      return;
    }
    manifest.modify(['scripts', ASYNCAPI_SCRIPT], command);
  };
}

function warnAboutUnmatchedE2eSpec(host: HostProject, specPath: string): Rule {
  return (tree: Tree, context: SchematicContext) => {
    if (!tree.exists(specPath)) {
      return;
    }
    const warning = unmatchedSpecWarning(tree, host, SpecKind.E2e, specPath);
    if (warning !== undefined) {
      context.logger.warn(warning);
    }
  };
}
