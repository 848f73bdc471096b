import { normalize, dirname as devkitDirname } from '@angular-devkit/core';
import { SchematicsException, Tree } from '@angular-devkit/schematics';
import { posix } from 'node:path';

/** Nest majors whose freshly scaffolded apps we generate for and test against. */
export const SUPPORTED_NEST_MAJORS = [11, 12] as const;
export type NestMajor = (typeof SUPPORTED_NEST_MAJORS)[number];

export enum ModuleSystem {
  CommonJs = 'commonjs',
  Esm = 'esm',
}

export enum TestRunner {
  Jest = 'jest',
  Vitest = 'vitest',
}

export enum Linter {
  Eslint = 'eslint',
  Oxlint = 'oxlint',
  None = 'none',
}

/** What a schematic needs to know about the Nest application it writes into. */
export interface HostProject {
  nestMajor: NestMajor;
  moduleSystem: ModuleSystem;
  /** Suffix of relative imports in generated code: '.js' for ESM (nodenext), '' for CommonJS. */
  importExtension: '' | '.js';
  testRunner: TestRunner;
  linter: Linter;
  /** Folder of the application's package.json, nest-cli.json and test/ (e.g. '/' or '/apps/api'). */
  projectRoot: string;
  /** Folder of the application's sources (e.g. '/src' or '/apps/api/src'). */
  sourceRoot: string;
  /** The monorepo project, when nest-cli.json declares projects. */
  projectName?: string;
  /** The application's entry file, patched for graceful shutdown. */
  mainPath: string;
  /**
   * What generated specs end in instead of `spec`: `<name>.gateway.<suffix>.ts`, `<name>.e2e-<suffix>.ts`.
   * From the CLI's `--spec-file-suffix`, else nest-cli.json `generateOptions.specFileSuffix`, else `spec`.
   */
  specFileSuffix: string;
  /** The HTTP platform the app runs on, which its generated e2e specs start it with. */
  httpPlatform: HttpPlatform;
}

export enum HttpPlatform {
  Express = 'express',
  Fastify = 'fastify',
}

export interface HostProjectOptions {
  /** Monorepo project name (nest-cli.json "projects" key). */
  project?: string;
  /** Source root as passed by the Nest CLI; wins over nest-cli.json. */
  sourceRoot?: string;
  /** Spec file suffix as passed by the Nest CLI; wins over nest-cli.json. */
  specFileSuffix?: string;
}

/** What the schematics read of an app's package.json. */
export interface PackageJson {
  type?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  jest?: unknown;
}

interface GenerateOptions {
  specFileSuffix?: unknown;
}

interface NestCliProject {
  root?: string;
  sourceRoot?: string;
  entryFile?: string;
  generateOptions?: GenerateOptions;
}

interface NestCliJson {
  sourceRoot?: string;
  entryFile?: string;
  monorepo?: boolean;
  root?: string;
  projects?: Record<string, NestCliProject>;
  generateOptions?: GenerateOptions;
}

/**
 * Reads the host tree and describes the Nest application in it, so generated code follows the host's
 * module system, test runner, linter and layout instead of assuming one.
 *
 * @example
 * const host = detectHostProject(tree, { project: options.project });
 * host.importExtension; // '.js' in a Nest 12 (ESM) app
 */
export function detectHostProject(tree: Tree, options: HostProjectOptions = {}): HostProject {
  const packageJson = readJsonFile<PackageJson>(tree, '/package.json');
  if (!packageJson) {
    throw new SchematicsException(
      'No package.json found at the workspace root. Run this schematic inside a Nest application ' +
        '(create one with `nest new <name>`).',
    );
  }
  const nestMajor = detectNestMajor(packageJson);
  const nestCli = readJsonFile<NestCliJson>(tree, '/nest-cli.json') ?? {};
  const { projectName, projectRoot, sourceRoot, entryFile } = resolveProjectLayout(nestCli, options);
  const project = projectName === undefined ? undefined : nestCli.projects?.[projectName];
  const mainPath = `${sourceRoot}/${entryFile}.ts`.replace(/\/+/g, '/');
  if (!tree.exists(mainPath)) {
    throw new SchematicsException(
      `Cannot find the application entry file ${mainPath}. Check "sourceRoot"/"entryFile" in nest-cli.json` +
        (projectName ? ` for project "${projectName}".` : ' or pass --project for a monorepo app.'),
    );
  }
  const moduleSystem = packageJson.type === 'module' ? ModuleSystem.Esm : ModuleSystem.CommonJs;
  return {
    nestMajor,
    moduleSystem,
    importExtension: moduleSystem === ModuleSystem.Esm ? '.js' : '',
    testRunner: detectTestRunner(tree, packageJson),
    linter: detectLinter(tree, packageJson),
    projectRoot,
    sourceRoot,
    projectName,
    mainPath,
    specFileSuffix: validSpecFileSuffix(
      options.specFileSuffix ??
        project?.generateOptions?.specFileSuffix ??
        nestCli.generateOptions?.specFileSuffix ??
        DEFAULT_SPEC_FILE_SUFFIX,
    ),
    httpPlatform: detectHttpPlatform(tree, packageJson, mainPath),
  };
}

/**
 * Fastify when main.ts creates the app with a `new FastifyAdapter(...)`, or when the app depends on
 * @nestjs/platform-fastify and not on @nestjs/platform-express (Nest's default, which a Fastify app's tests
 * cannot start without: "The @nestjs/platform-express package is missing").
 */
function detectHttpPlatform(tree: Tree, packageJson: PackageJson, mainPath: string): HttpPlatform {
  const dependencies = { ...packageJson.devDependencies, ...packageJson.dependencies };
  const fastifyInstalled = '@nestjs/platform-fastify' in dependencies;
  const createsFastifyApp = /\bnew\s+FastifyAdapter\s*\(/.test(tree.read(mainPath)?.toString('utf-8') ?? '');
  return fastifyInstalled && (createsFastifyApp || !('@nestjs/platform-express' in dependencies))
    ? HttpPlatform.Fastify
    : HttpPlatform.Express;
}

/** What the Nest CLI and its schematics end spec files in unless told otherwise. */
/** Folder below the source root of what the app owns of its realtime setup: its options and auth policy. */
export const CONFIG_FOLDER = 'realtime';

export function configDirectory(host: HostProject): string {
  return posix.join(host.sourceRoot, CONFIG_FOLDER);
}

export const DEFAULT_SPEC_FILE_SUFFIX = 'spec';

function validSpecFileSuffix(suffix: unknown): string {
  if (typeof suffix === 'string' && /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(suffix)) {
    return suffix;
  }
  throw new SchematicsException(
    `Spec file suffix ${JSON.stringify(suffix)} (--spec-file-suffix or nest-cli.json generateOptions.specFileSuffix) ` +
      'must be letters, digits, "-" or "_", e.g. spec or test.',
  );
}

function detectNestMajor(packageJson: PackageJson): NestMajor {
  const range = packageJson.dependencies?.['@nestjs/core'] ?? packageJson.devDependencies?.['@nestjs/core'];
  if (!range) {
    throw new SchematicsException(
      'This is not a Nest application: package.json has no @nestjs/core dependency. ' +
        'Run this schematic inside a Nest application (create one with `nest new <name>`).',
    );
  }
  const major = Number(/(\d+)/.exec(range)?.[1]);
  const supported = SUPPORTED_NEST_MAJORS.find((candidate) => candidate === major);
  if (supported === undefined) {
    throw new SchematicsException(
      `@nestjs/core "${range}" is not supported: nest-realtime generates code for Nest ` +
        `${SUPPORTED_NEST_MAJORS.join(' and ')}. Upgrade the application first (see https://docs.nestjs.com/migration-guide).`,
    );
  }
  return supported;
}

function resolveProjectLayout(nestCli: NestCliJson, options: HostProjectOptions) {
  const projects = nestCli.projects ?? {};
  const projectName = options.project ?? findProjectBySourceRoot(projects, options.sourceRoot ?? nestCli.sourceRoot);
  if (options.project !== undefined && !projects[options.project]) {
    const known = Object.keys(projects);
    throw new SchematicsException(
      `Project "${options.project}" is not in nest-cli.json. ` +
        (known.length ? `Known projects: ${known.join(', ')}.` : 'This is not a monorepo: omit --project.'),
    );
  }
  const project = projectName ? projects[projectName] : undefined;
  const sourceRoot = absolute(options.sourceRoot ?? project?.sourceRoot ?? nestCli.sourceRoot ?? 'src');
  const projectRoot = absolute(project?.root ?? (projectName ? devkitDirname(normalize(sourceRoot)) : '/'));
  const entryFile = project?.entryFile ?? nestCli.entryFile ?? 'main';
  return { projectName, projectRoot, sourceRoot, entryFile };
}

function findProjectBySourceRoot(projects: Record<string, NestCliProject>, sourceRoot?: string): string | undefined {
  if (!sourceRoot) {
    return undefined;
  }
  const wanted = absolute(sourceRoot);
  return Object.keys(projects).find((name) => {
    const candidate = projects[name].sourceRoot;
    return candidate !== undefined && absolute(candidate) === wanted;
  });
}

function detectTestRunner(tree: Tree, packageJson: PackageJson): TestRunner {
  const hasVitestConfig = ['ts', 'mts', 'js', 'mjs'].some((ext) => tree.exists(`/vitest.config.${ext}`));
  return hasVitestConfig || hasDependency(packageJson, 'vitest') ? TestRunner.Vitest : TestRunner.Jest;
}

function detectLinter(tree: Tree, packageJson: PackageJson): Linter {
  if (tree.exists('/.oxlintrc.json') || hasDependency(packageJson, 'oxlint')) {
    return Linter.Oxlint;
  }
  const hasEslintConfig = ['mjs', 'js', 'cjs', 'ts'].some((ext) => tree.exists(`/eslint.config.${ext}`));
  return hasEslintConfig || hasDependency(packageJson, 'eslint') ? Linter.Eslint : Linter.None;
}

/** Whether the app depends on `name`, for production or development. */
export function hasDependency(packageJson: PackageJson, name: string): boolean {
  return Boolean(packageJson.dependencies?.[name] ?? packageJson.devDependencies?.[name]);
}

/** Tree paths are absolute and normalised: 'apps/api/src/' -> '/apps/api/src'. */
export function absolute(path: string): string {
  const normalised = normalize('/' + path);
  return normalised === '' ? '/' : normalised;
}

/** Reads and parses a JSON file of the tree; undefined when the file does not exist. */
export function readJsonFile<T>(tree: Tree, path: string): T | undefined {
  const text = tree.read(path)?.toString('utf-8');
  if (text === undefined) {
    return undefined;
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new SchematicsException(`${path} is not valid JSON (${(error as Error).message}). Fix it and run again.`);
  }
}
