import { Tree } from '@angular-devkit/schematics';
import { posix } from 'node:path';
import { HostProject, readJsonFile, TestRunner } from './host-project';
import { readSourceFile, ts } from './typescript';

/** Which of the host's test commands a spec belongs to: `npm test` or `npm run test:e2e`. */
export enum SpecKind {
  Unit = 'unit',
  E2e = 'e2e',
}

/** The patterns a test command runs, as the host's config states them. */
export interface RunnerPatterns {
  /** The config file they come from, for messages. */
  configPath: string;
  /** The patterns as written (a Jest testRegex, Vitest include globs). */
  patterns: string[];
  /** Whether a tree path (`/test/chat.e2e-spec.ts`) is one of the runner's tests. */
  matches: (path: string) => boolean;
}

interface PackageJson {
  jest?: { testRegex?: string | string[] };
}

interface JestConfig {
  testRegex?: string | string[];
}

/**
 * The test files the host's runner picks up for a kind of spec, read from the configs `nest new` writes:
 * package.json `jest.testRegex` and `test/jest-e2e.json` (Nest 11), `vitest.config.ts` and
 * `vitest.config.e2e.ts` `include` (Nest 12). Undefined when the config is elsewhere or not literal.
 *
 * @example
 * runnerPatterns(tree, host, SpecKind.E2e)?.matches('test/chat.e2e-spec.ts'); // true in a fresh app
 */
export function runnerPatterns(tree: Tree, host: HostProject, kind: SpecKind): RunnerPatterns | undefined {
  return host.testRunner === TestRunner.Vitest ? vitestPatterns(tree, kind) : jestPatterns(tree, host, kind);
}

function jestPatterns(tree: Tree, host: HostProject, kind: SpecKind): RunnerPatterns | undefined {
  const configPath = kind === SpecKind.Unit ? '/package.json' : posix.join(host.projectRoot, 'test/jest-e2e.json');
  const config =
    kind === SpecKind.Unit
      ? readJsonFile<PackageJson>(tree, configPath)?.jest
      : readJsonFile<JestConfig>(tree, configPath);
  const regexes = config?.testRegex === undefined ? [] : [config.testRegex].flat();
  if (regexes.length === 0) {
    return undefined;
  }
  // Jest tests its regexes against absolute paths.
  return {
    configPath,
    patterns: regexes,
    matches: (path) => regexes.some((regex) => new RegExp(regex).test(path)),
  };
}

function vitestPatterns(tree: Tree, kind: SpecKind): RunnerPatterns | undefined {
  const configPath = kind === SpecKind.Unit ? '/vitest.config.ts' : '/vitest.config.e2e.ts';
  if (!tree.exists(configPath)) {
    return undefined;
  }
  const globs = includeGlobs(readSourceFile(tree, configPath));
  if (globs.length === 0) {
    return undefined;
  }
  const regexes = globs.map(globToRegExp);
  // The configs `nest new` writes resolve their globs from the project root.
  return {
    configPath,
    patterns: globs,
    matches: (path) => regexes.some((regex) => regex.test(path.replace(/^\//, ''))),
  };
}

/** The string literals of every `include: [...]` in a config file. */
function includeGlobs(source: ts.SourceFile): string[] {
  const globs: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isPropertyAssignment(node) &&
      ts.isIdentifier(node.name) &&
      node.name.text === 'include' &&
      ts.isArrayLiteralExpression(node.initializer)
    ) {
      globs.push(...node.initializer.elements.filter(ts.isStringLiteralLike).map((element) => element.text));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return globs;
}

/** `**` crosses folders, `*` and `?` do not; enough for the include globs test configs use. */
export function globToRegExp(pattern: string): RegExp {
  const glob = pattern.replace(/^\.\//, '');
  let source = '';
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index];
    if (glob.startsWith('**/', index)) {
      source += '(?:.*/)?';
      index += 2;
    } else if (glob.startsWith('**', index)) {
      source += '.*';
      index += 1;
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

/**
 * A warning when the host's runner would not run a generated spec, e.g. after `--spec-file-suffix test` in an
 * app whose Jest still looks for `.spec.ts`. Undefined when it would, or when its config cannot be read.
 */
export function unmatchedSpecWarning(
  tree: Tree,
  host: HostProject,
  kind: SpecKind,
  specPath: string,
): string | undefined {
  const runner = runnerPatterns(tree, host, kind);
  if (runner === undefined || runner.matches(specPath)) {
    return undefined;
  }
  return (
    `${specPath} does not match the ${kind} tests of ${runner.configPath} (${runner.patterns.join(', ')}), so ` +
    `${kind === SpecKind.Unit ? 'npm test' : 'npm run test:e2e'} will not run it. Add the "${host.specFileSuffix}" ` +
    'suffix to that pattern, or generate with a --spec-file-suffix it matches.'
  );
}
