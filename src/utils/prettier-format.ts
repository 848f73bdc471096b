import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FormatCache } from './format-cache';

/** What we use of Prettier 3's API. */
export interface Prettier {
  version?: string;
  format(source: string, options: Record<string, unknown>): Promise<string>;
  resolveConfig(filePath: string): Promise<Record<string, unknown> | null>;
}

/** One generated file to format, as the host's Prettier would format it at `treePath` of the workspace. */
export interface FormatRequest {
  workspaceRoot: string;
  treePath: string;
  content: string;
  /** Whether the format cache may answer (decided where the schematic runs: a worker's env is a copy). */
  cache: boolean;
}

/** The entry of the host's Prettier, resolved from the workspace as the app resolves it; undefined without one. */
export function resolvePrettier(workspaceRoot: string): string | undefined {
  try {
    return require.resolve('prettier', { paths: [workspaceRoot] });
  } catch {
    return undefined;
  }
}

/** The version in the package.json beside Prettier's entry, read without loading Prettier. */
export function prettierVersion(prettierEntry: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(dirname(prettierEntry), 'package.json'), 'utf-8')) as {
      version?: unknown;
    };
    return typeof manifest.version === 'string' ? manifest.version : undefined;
  } catch {
    return undefined;
  }
}

export function loadPrettier(prettierEntry: string): Prettier {
  return require(prettierEntry) as Prettier;
}

/**
 * What `prettier` makes of one file, with the config it resolves for the file, through the workspace's
 * format cache (see FormatCache). The same in the worker thread as in process.
 */
export async function formatWithPrettier(prettier: Prettier, request: FormatRequest): Promise<string> {
  const filepath = join(request.workspaceRoot, request.treePath);
  const config = (await prettier.resolveConfig(filepath)) ?? {};
  const chosen = { ...config, ...fasterParser(filepath, config) };
  const options = { ...chosen, filepath };
  const cache = request.cache ? FormatCache.in(request.workspaceRoot, prettier.version) : undefined;
  // A plugin's own version would not be part of the key, so its output is never cached. The key has the
  // workspace-relative path, not `filepath`, so a copy of the app finds the entries too.
  const key = config.plugins === undefined ? cache?.keyOf(request.treePath, chosen, request.content) : undefined;
  const cached = key === undefined ? undefined : cache?.read(key);
  if (cached !== undefined) {
    return cached;
  }
  const formatted = await prettier
    .format(request.content, options)
    // What babel-ts cannot parse, the parser Prettier infers for the file may.
    .catch((error: unknown) =>
      options.parser === FASTER_PARSER
        ? prettier.format(request.content, { ...config, filepath })
        : Promise.reject(error),
    );
  if (key !== undefined) {
    cache?.write(key, formatted);
  }
  return formatted;
}

/**
 * The parser for a TypeScript file: `babel-ts` rather than the `typescript` Prettier infers. Both feed the
 * same printer, and babel-ts loads and parses in about two thirds of the time, which is most of what a
 * `nest g` spends formatting; every file the schematics generate is checked to come out of it as the
 * `typescript` parser prints it (test/utils/prettier-parsers.spec.ts). A config that names a parser, or
 * brings plugins (which may extend one parser and not the other), is followed as it is.
 */
function fasterParser(filepath: string, config: Record<string, unknown>): { parser?: string } {
  const plugins = config.plugins;
  const pluginFree = plugins === undefined || (Array.isArray(plugins) && plugins.length === 0);
  return filepath.endsWith('.ts') && config.parser === undefined && pluginFree ? { parser: FASTER_PARSER } : {};
}

/** Also what the worker thread warms Prettier up with. */
export const FASTER_PARSER = 'babel-ts';
