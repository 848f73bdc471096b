import { Rule, SchematicContext, Tree } from '@angular-devkit/schematics';
import { render } from 'ejs';
import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { SourceFormatter } from './formatting';
import { hasGeneratedRecord, isAsGenerated, recordGeneratedFiles } from './generated-files';
import { DEFAULT_SPEC_FILE_SUFFIX } from './host-project';

/** Root of the EJS templates shipped with the package (same depth from src/ and dist/). */
export const TEMPLATES_ROOT = join(__dirname, '..', '..', 'templates');

export interface RenderTemplatesOptions {
  /** Folder below templates/ (e.g. 'realtime-gateway/feature'), or an absolute path. */
  templateDir: string;
  /** Tree folder the rendered files go to. */
  targetDir: string;
  /** Values the templates read; `fileName` also replaces `__name__` in file names. */
  data: Record<string, unknown> & { fileName?: string };
  /** Overwrite existing files that differ from the rendered output. */
  force?: boolean;
  /** Returns false for a rendered path (relative to targetDir) that should not be written. */
  include?: (path: string) => boolean;
  /** Formats each rendered file before it is compared with what exists and written. */
  format?: SourceFormatter;
  /** Spec files end in `.<suffix>.ts` (`.e2e-<suffix>.ts`) instead of `.spec.ts` (`.e2e-spec.ts`). */
  specFileSuffix?: string;
  /**
   * The values the files were last generated with, when they changed since (e.g. new project defaults). An
   * existing file equal to that earlier output was not edited by the user, so it is updated rather than kept.
   */
  previousData?: Record<string, unknown>;
  /**
   * Whether an existing file without a record is what an earlier release generated from this template (its
   * path below templates/ without `.ejs`, e.g. 'realtime-gateway/feature/__name__.gateway.ts'): then nobody
   * edited it, and it is updated. See earlier-releases.ts.
   */
  isEarlierOutput?: (template: string, content: string) => boolean;
  /** Writes this release's version of a kept (edited) file beside it, as `<file>.new` (realtime-upgrade). */
  offerBesideEdited?: boolean;
  /**
   * Completes a rendered, formatted file before it is compared and written: e.g. the events realtime-event
   * added to a feature, replayed, so what we generated is the templates' output with them.
   */
  transform?: (path: string, content: string, tree: Tree) => Promise<string> | string;
}

/**
 * Renders every `*.ejs` file of a template folder with EJS and writes them to the tree, named as the files
 * they become (`__name__.gateway.ts.ejs` -> `chat.gateway.ts`). Files starting with a single `_` are
 * partials, used through `<%- include('_partial.ejs') %>` and never written themselves.
 *
 * Respects the user's edits: a file that exists with the same content is left alone, one that differs is
 * kept and reported, unless `force` is set or it is exactly what we generated before: what nest-realtime.json
 * records of it (so a newer release updates files nobody edited), or what `previousData` generates. Every
 * file that ends up as generated is recorded there (path, SHA-256, version).
 */
export function renderTemplates(options: RenderTemplatesOptions): Rule {
  return async (tree: Tree, context: SchematicContext) => {
    const written = new Map<string, string>();
    for (const { templateName, path, render } of templateFiles(options)) {
      const generate = async (data: Record<string, unknown>) => {
        const rendered = render(data);
        const formatted = options.format ? await formatOrKeep(options.format, path, rendered, context) : rendered;
        return options.transform ? options.transform(path, formatted, tree) : formatted;
      };
      const content = await generate(options.data);
      const existing = tree.read(path)?.toString('utf-8');
      const unrecorded = !hasGeneratedRecord(tree, path);
      const unedited =
        existing !== undefined &&
        existing !== content &&
        (isAsGenerated(tree, path, existing) ||
          (options.previousData !== undefined && existing === (await generate(options.previousData))) ||
          (unrecorded && (options.isEarlierOutput?.(`${options.templateDir}/${templateName}`, existing) ?? false)));
      writeRespectingEdits(tree, context, path, existing, content, (options.force ?? false) || unedited, {
        unrecorded,
        offerBeside: options.offerBesideEdited,
      });
      if (tree.read(path)?.toString('utf-8') === content) {
        written.set(path, content);
        if (unedited && !options.force) {
          context.logger.info(`Updated ${path}: nobody had edited it since it was generated.`);
        }
      }
    }
    recordGeneratedFiles(tree, written);
  };
}

/**
 * Starts formatting what renderTemplates will render with the same options, without waiting for it: the
 * host's Prettier works on it in its thread while the schematic loads and runs the rest, and renderTemplates
 * takes the answers (see loadHostFormatter). Nothing is written; a failure is left for renderTemplates to
 * report.
 *
 * @example
 * prefetchFormatting({ templateDir: 'realtime-gateway/feature', targetDir: '/src/chat', data, format });
 */
export function prefetchFormatting(options: RenderTemplatesOptions): void {
  const prefetch = options.format?.prefetch;
  if (prefetch === undefined) {
    return;
  }
  for (const { path, render } of templateFiles(options)) {
    prefetch(path, render(options.data));
  }
}

interface TemplateFile {
  /** Its path below the template folder, without `.ejs` (`__name__.gateway.ts`). */
  templateName: string;
  /** Where it is written in the tree. */
  path: string;
  /** Its content for the given data, unformatted. */
  render(data: Record<string, unknown>): string;
}

/** The templates of `options.templateDir` that `options.include` keeps, each with where it goes. */
function templateFiles(options: RenderTemplatesOptions): TemplateFile[] {
  const sourceDir = isAbsolute(options.templateDir) ? options.templateDir : join(TEMPLATES_ROOT, options.templateDir);
  return listTemplates(sourceDir).flatMap((templatePath) => {
    const templateName = relative(sourceDir, templatePath)
      .split('\\')
      .join('/')
      .replace(/\.ejs$/, '');
    const outputName = templateName.replace(/__name__/g, options.data.fileName ?? '__name__');
    if (options.include && !options.include(outputName)) {
      return [];
    }
    const template = readFileSync(templatePath, 'utf-8');
    return [
      {
        templateName,
        path: `${options.targetDir}/${withSpecFileSuffix(outputName, options.specFileSuffix)}`,
        // Compiled once per process (EJS caches by file name): a file is rendered when prefetched and again
        // when written, and a template does not change while the schematics run.
        render: (data: Record<string, unknown>) => render(template, data, { filename: templatePath, cache: true }),
      },
    ];
  });
}

/**
 * A spec file's name with the host's suffix: `chat.gateway.spec.ts` -> `chat.gateway.test.ts`,
 * `chat.e2e-spec.ts` -> `chat.e2e-test.ts`. Other names are returned as they are.
 */
export function withSpecFileSuffix(name: string, suffix = DEFAULT_SPEC_FILE_SUFFIX): string {
  return name.replace(/([.-])spec\.ts$/, `$1${suffix}.ts`);
}

/** An `include` filter that leaves spec files out when `spec` is false (`--no-spec`). */
export function specFilter(spec: boolean | undefined): (path: string) => boolean {
  return (path) => spec !== false || !path.endsWith('.spec.ts');
}

function listTemplates(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (isPartial(entry.name)) {
      return [];
    }
    return entry.isDirectory() ? listTemplates(path) : isTemplate(entry.name) ? [path] : [];
  });
}

/** The host-formatted content, or the content as it is (with a warning) when the host's formatter fails. */
export async function formatOrKeep(
  format: SourceFormatter,
  path: string,
  content: string,
  context: SchematicContext,
): Promise<string> {
  try {
    return await format(path, content);
  } catch (error) {
    context.logger.warn(`Wrote ${path} unformatted: the host's formatter failed (${(error as Error).message}).`);
    return content;
  }
}

const EJS = '.ejs';

/** EJS templates; anything else in a template folder is not written. */
function isTemplate(name: string): boolean {
  return name.endsWith(EJS);
}

/** `_header.ejs` is a partial; `__name__.gateway.ts.ejs` is not (`__name__` is the name placeholder). */
function isPartial(name: string): boolean {
  return /^_(?!_)/.test(name);
}

/** Creates a missing file; replaces a differing one only when `force`, otherwise keeps it with a warning. */
export function writeRespectingEdits(
  tree: Tree,
  context: SchematicContext,
  path: string,
  existing: string | undefined,
  content: string,
  force: boolean,
  { unrecorded = false, offerBeside = false }: { unrecorded?: boolean; offerBeside?: boolean } = {},
) {
  if (existing === undefined) {
    tree.create(path, content);
  } else if (existing !== content) {
    if (force) {
      tree.overwrite(path, content);
      return;
    }
    const why = unrecorded
      ? // Apps generated before nest-realtime.json recorded files, in a layout or release we cannot reproduce.
        "it differs from this release's version, and it is neither recorded in nest-realtime.json nor what an " +
        'earlier release generated there (it was edited, or moved)'
      : 'it was edited since it was generated';
    if (offerBeside) {
      const beside = `${path}${BESIDE_SUFFIX}`;
      if (tree.read(beside)?.toString('utf-8') !== content) {
        tree.exists(beside) ? tree.overwrite(beside, content) : tree.create(beside, content);
      }
      context.logger.warn(
        `Kept ${path}: ${why}. This release's version is beside it in ${beside}: merge what you need, then ` +
          'delete that file (or use --force to take it whole).',
      );
    } else {
      context.logger.warn(`Kept ${path}: ${why}. Use --force to overwrite it with this release's version.`);
    }
  }
}

/** Suffix of the file realtime-upgrade writes this release's version of an edited file to. */
const BESIDE_SUFFIX = '.new';
