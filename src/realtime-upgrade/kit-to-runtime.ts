import { Rule, SchematicContext, Tree } from '@angular-devkit/schematics';
import { posix } from 'node:path';
import { isEarlierReleaseOutput, PlaceholderValues } from '../utils/earlier-releases';
import { hasGeneratedRecord, isAsGenerated, RecordedFeature, forgetGeneratedFiles } from '../utils/generated-files';
import { keepFormatted, SourceFormatter } from '../utils/formatting';
import { configDirectory, HostProject } from '../utils/host-project';
import { RelativeImport, relativeImports } from '../utils/import-graph';
import { ProjectDefaults } from '../utils/project-defaults';
import { entryExporting } from '../utils/runtime-exports';
import { withSpecFileSuffix } from '../utils/templates';
import { ts } from '../utils/typescript';
import { parseFeatureName } from '../utils/feature-name';

/**
 * What releases up to 0.1 copied into `src/realtime/` as "the kit", which the runtime package replaces. The
 * names are the kit's; spec files take the host's suffix.
 */
const KIT_FILES = [
  'cluster-query.ts',
  'error-trace.ts',
  'health.controller.ts',
  'metrics.controller.ts',
  'presence.batches.spec.ts',
  'presence.batches.ts',
  'presence.registry.spec.ts',
  'presence.registry.ts',
  'realtime-io.adapter.ts',
  'realtime.admission.spec.ts',
  'realtime.admission.ts',
  'realtime.asyncapi.spec.ts',
  'realtime.asyncapi.ts',
  'realtime.auth.spec.ts',
  'realtime.auth.ts',
  'realtime.config.spec.ts',
  'realtime.config.ts',
  'realtime.contract.ts',
  'realtime.errors.ts',
  'realtime.events.ts',
  'realtime.health.ts',
  'realtime.json-schema.spec.ts',
  'realtime.json-schema.ts',
  'realtime.lifecycle.ts',
  'realtime.limits.ts',
  'realtime.messages.ts',
  'realtime.metrics.spec.ts',
  'realtime.metrics.ts',
  'realtime.module.ts',
  'realtime.playground.page.ts',
  'realtime.playground.spec.ts',
  'realtime.playground.ts',
  'realtime.rooms.ts',
  'realtime.shutdown.spec.ts',
  'realtime.shutdown.ts',
  'realtime.transport.spec.ts',
  'realtime.transport.ts',
  'realtime.types.ts',
  'redis-io.adapter.ts',
  'redis.client.ts',
  'redis.config.spec.ts',
  'redis.config.ts',
  'redis.outbox.spec.ts',
  'redis.outbox.ts',
  'redis.publishing.ts',
  'refresh-token.dto.ts',
  'ws-auth.guard.spec.ts',
  'ws-auth.guard.ts',
  'ws-auth.middleware.ts',
  'ws-exception.filter.ts',
  'ws-validation.pipe.spec.ts',
  'ws-validation.pipe.ts',
];

/** Where each part of the kit a team may have edited now lives, for the message that keeps it. */
const REPLACEMENTS: Record<string, string> = {
  'realtime.limits.ts':
    "client limits are RealtimeModule's `limits` option in src/realtime/realtime.options.ts (each REALTIME_* variable still overrides its limit)",
  'realtime.config.ts':
    "server options and CORS are the runtime's; the variable of the allowed origins is `corsOriginsVariable` in src/realtime/realtime.options.ts",
  'realtime.auth.ts':
    'tokens are verified by the runtime (JWT_SECRET or JWKS_URI); who may connect is AuthPolicy in src/realtime/auth.policy.ts',
  'ws-auth.middleware.ts':
    'the handshake is authenticated by the runtime; who may connect is AuthPolicy in src/realtime/auth.policy.ts',
  'ws-auth.guard.ts': 'who may connect, and as whom, is AuthPolicy in src/realtime/auth.policy.ts',
  'redis.config.ts': '`redisAdapter` in src/realtime/realtime.options.ts and the REDIS_* variables',
};

const DEFAULT_REPLACEMENT =
  "nest-realtime provides it: customise it through RealtimeModule's options, its providers or a subclass " +
  '(README, "Customising the runtime"), or own the whole runtime with `nest g realtime-eject`';

/** A file an earlier release generated that this one does not, with what it was generated from. */
interface OldFile {
  path: string;
  /** Its template below templates/ in those releases, to recognise an unrecorded, unedited copy. */
  template: string;
  values: PlaceholderValues;
  /** The kit file it is, for the replacement hint; undefined for a feature's old spec. */
  kitFile?: string;
}

/** Every file of the copied kit, the e2e helpers and chat's scale-out specs the app still has. */
function oldFiles(tree: Tree, host: HostProject, defaults: ProjectDefaults, features: RecordedFeature[]): OldFile[] {
  const kitDir = configDirectory(host);
  const testDir = posix.join(host.projectRoot, 'test');
  const values = { corsOriginsEnv: defaults.corsOriginsEnv };
  const candidates: OldFile[] = [
    ...KIT_FILES.map((kitFile) => ({
      path: posix.join(kitDir, withSpecFileSuffix(kitFile, host.specFileSuffix)),
      template: `realtime-kit/${kitFile}`,
      values,
      kitFile,
    })),
    {
      path: posix.join(testDir, 'realtime-testing.ts'),
      template: 'realtime-gateway/e2e/realtime-testing.ts',
      values,
    },
    ...features
      .filter((feature) => (feature.type ?? 'chat') === 'chat')
      .map((feature) => {
        const name = parseFeatureName(feature.name, feature.path);
        return {
          path: posix.join(
            testDir,
            withSpecFileSuffix(`${name.fileName}.scale-out.e2e-spec.ts`, feature.specFileSuffix ?? host.specFileSuffix),
          ),
          template: 'realtime-gateway/e2e/__name__.scale-out.e2e-spec.ts',
          values: { ...values, fileName: name.fileName, className: name.className, propertyName: name.propertyName },
        };
      }),
  ];
  return candidates.filter((file) => tree.exists(file.path));
}

/** Whether the app still has the copied kit: what the 0.2 migration moves onto the runtime. */
export function hasCopiedKit(tree: Tree, host: HostProject): boolean {
  const kitDir = configDirectory(host);
  return ['realtime.module.ts', 'realtime-io.adapter.ts', 'realtime.auth.ts'].some((file) =>
    tree.exists(posix.join(kitDir, file)),
  );
}

function isUnedited(tree: Tree, file: OldFile): boolean {
  const content = tree.readText(file.path);
  return hasGeneratedRecord(tree, file.path)
    ? isAsGenerated(tree, file.path, content)
    : isEarlierReleaseOutput(file.template, content, file.values);
}

/** The rewrite of one import of the kit: to the runtime entry that exports every name it imports. */
interface ImportRewrite {
  entry: RelativeImport;
  specifier: string;
}

/**
 * Migration 0.2: the copied kit onto the runtime package, run after this release's setup and features were
 * rendered. Every other file's imports of the kit are rewritten by AST to the runtime entry that exports the
 * same names (main.ts's `useRealtimeAdapter`, a team's `RealtimeErrorCode`, …). Kit files nobody edited are
 * removed, with their records; an edited one is kept and reported with what replaces it, together with the
 * kit files it imports, so it still compiles; so is a kit file someone imports names from that the runtime
 * does not export. The kit's old dependencies stay in package.json, named in a message.
 */
export function migrateKitToRuntime(
  host: HostProject,
  defaults: ProjectDefaults,
  features: RecordedFeature[],
  format?: SourceFormatter,
): Rule {
  return async (tree: Tree, context: SchematicContext) => {
    const old = oldFiles(tree, host, defaults, features);
    if (old.length === 0) {
      return;
    }
    const oldPaths = new Set(old.map((file) => file.path));
    const imports = relativeImports(tree, [host.sourceRoot, posix.join(host.projectRoot, 'test')]);
    const rewrites: ImportRewrite[] = [];
    const needed = new Map<string, string>();
    for (const file of old.filter((candidate) => !isUnedited(tree, candidate))) {
      needed.set(
        file.path,
        `it was edited since it was generated. ${replacementOf(file)}; move your change there, then delete it`,
      );
    }
    for (const entry of imports.filter((candidate) => oldPaths.has(candidate.to) && !oldPaths.has(candidate.from))) {
      const specifier = entry.names === undefined ? undefined : entryExporting(entry.names);
      if (specifier !== undefined) {
        rewrites.push({ entry, specifier });
      } else if (!needed.has(entry.to)) {
        needed.set(
          entry.to,
          `${entry.from} imports ${entry.names?.join(', ') ?? 'it as a whole'} from it, which nest-realtime does not ` +
            'export under those names; change that import to what the runtime provides (README, "Upgrading from a copied kit"), then delete this file',
        );
      }
    }
    // What the kept files import from the kit stays too, so they still compile.
    const kept = new Set(needed.keys());
    for (let grew = true; grew;) {
      grew = false;
      for (const entry of imports.filter((candidate) => kept.has(candidate.from) && oldPaths.has(candidate.to))) {
        if (!kept.has(entry.to)) {
          kept.add(entry.to);
          needed.set(entry.to, `the kept ${entry.from} imports it`);
          grew = true;
        }
      }
    }
    await applyRewrites(
      tree,
      rewrites.filter(({ entry }) => !kept.has(entry.from)),
      context,
      format,
    );
    const removed = old.filter((file) => !kept.has(file.path)).map((file) => file.path);
    removed.forEach((path) => tree.delete(path));
    forgetGeneratedFiles(tree, removed);
    if (removed.length > 0) {
      const folders = [...new Set(removed.map((path) => posix.dirname(path)))];
      context.logger.info(
        `Removed ${removed.length} files of the copied kit nobody had edited (from ${folders.join(' and ')}): ` +
          'the runtime in nest-realtime replaces them.',
      );
    }
    for (const [path, why] of needed) {
      context.logger.warn(`Kept ${path}: ${why}.`);
    }
    context.logger.info(
      'The copied kit needed jose, prom-client, rate-limiter-flexible and socket.io-parser in your dependencies; ' +
        'nest-realtime brings its own now. Remove them from package.json unless code of yours uses them.',
    );
  };
}

function replacementOf(file: OldFile): string {
  if (file.kitFile === undefined) {
    return "this release's feature tests do not need it";
  }
  const base = file.kitFile.replace(/\.spec\.ts$/, '.ts');
  return `Now ${REPLACEMENTS[base] ?? DEFAULT_REPLACEMENT}`;
}

/**
 * Points each import at its runtime entry, one declaration per entry and kind in each file (two kit imports
 * that land on `nest-realtime` become one).
 */
async function applyRewrites(
  tree: Tree,
  rewrites: ImportRewrite[],
  context: SchematicContext,
  format: SourceFormatter | undefined,
): Promise<void> {
  const byFile = new Map<string, ImportRewrite[]>();
  for (const rewrite of rewrites) {
    byFile.set(rewrite.entry.from, [...(byFile.get(rewrite.entry.from) ?? []), rewrite]);
  }
  for (const [path, fileRewrites] of byFile) {
    const source = fileRewrites[0].entry.source;
    const groups = new Map<string, { typeOnly: boolean; specifier: string; declarations: ts.ImportDeclaration[] }>();
    const existing = source.statements.filter(
      (statement): statement is ts.ImportDeclaration =>
        ts.isImportDeclaration(statement) &&
        ts.isStringLiteral(statement.moduleSpecifier) &&
        fileRewrites.some(({ specifier }) => specifier === (statement.moduleSpecifier as ts.StringLiteral).text) &&
        statement.importClause?.namedBindings !== undefined &&
        ts.isNamedImports(statement.importClause.namedBindings),
    );
    const declarations = [
      ...existing.map((declaration) => ({
        declaration,
        specifier: (declaration.moduleSpecifier as ts.StringLiteral).text,
      })),
      ...fileRewrites.map(({ entry, specifier }) => ({ declaration: entry.declaration, specifier })),
    ];
    for (const { declaration, specifier } of declarations) {
      const typeOnly = declaration.importClause?.isTypeOnly ?? false;
      const key = `${typeOnly}:${specifier}`;
      const group = groups.get(key) ?? { typeOnly, specifier, declarations: [] };
      group.declarations.push(declaration);
      groups.set(key, group);
    }
    const quote = source.text.includes("from '") ? "'" : '"';
    const edits: Array<{ start: number; end: number; text: string }> = [];
    for (const { typeOnly, specifier, declarations: group } of groups.values()) {
      const elements = group.flatMap((declaration) =>
        ((declaration.importClause?.namedBindings as ts.NamedImports).elements ?? []).map((element) =>
          element.getText(source),
        ),
      );
      const unique = [...new Set(elements)];
      const [first, ...rest] = [...group].sort((a, b) => a.getStart(source) - b.getStart(source));
      edits.push({
        start: first.getStart(source),
        end: first.getEnd(),
        text: `import ${typeOnly ? 'type ' : ''}{ ${unique.join(', ')} } from ${quote}${specifier}${quote};`,
      });
      for (const declaration of rest) {
        edits.push({ start: declaration.getFullStart(), end: declaration.getEnd(), text: '' });
      }
    }
    const text = [...edits]
      .sort((a, b) => b.start - a.start)
      .reduce((result, edit) => result.slice(0, edit.start) + edit.text + result.slice(edit.end), source.text);
    tree.overwrite(path, text);
    await keepFormatted(tree, path, source.text, format);
    context.logger.info(`Rewrote the imports of ${path} from the copied kit to nest-realtime.`);
  }
}
