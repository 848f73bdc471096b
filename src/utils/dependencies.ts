import { chain, Rule, SchematicContext, Tree } from '@angular-devkit/schematics';
import {
  addDependency,
  DependencyType,
  ExistingBehavior,
  getDependency,
  InstallBehavior,
} from '@schematics/angular/utility/dependency';
import { JSONFile } from '@schematics/angular/utility/json-file';
import { intersects, lt, minVersion, valid } from 'semver';
import { NestMajor } from './host-project';
import { lockedVersion } from './locked-versions';
import { GatewayType } from './project-defaults';

interface DependencySet {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

/** This package: generated code imports its runtime, so the app depends on it at run time. */
export const RUNTIME_PACKAGE_NAME = 'nest-realtime';
// The package's own manifest, the same two levels up from src/utils/ and dist/utils/.
const RUNTIME_VERSION = (require('../../package.json') as { version: string }).version;

/**
 * The peers of the runtime the app installs itself, per Nest major, as verified in fresh apps by our CI (the
 * runtime's own dependencies, jose, prom-client, rate-limiter-flexible and socket.io-parser, come with it).
 * `@nestjs/platform-socket.io` pins an exact socket.io; a second socket.io beside it duplicates the socket.io
 * types and breaks the host's compile, so socket.io is always the version it pins. The Redis adapters share
 * the socket.io-adapter socket.io brings; ioredis 5 is the client they are tested with, and it resubscribes by
 * itself after a reconnect. Generated tests use socket.io-client; `npm run asyncapi` writes its document with
 * yaml, and its spec parses it with @asyncapi/parser (CommonJS, which both majors load).
 */
export const REALTIME_DEPENDENCIES: Record<NestMajor, DependencySet> = {
  11: {
    dependencies: {
      '@nestjs/platform-socket.io': '11.2.6',
      '@nestjs/terminus': '^11.1.1',
      '@nestjs/websockets': '^11.2.6',
      '@socket.io/redis-adapter': '^8.3.0',
      '@socket.io/redis-streams-adapter': '^0.3.1',
      'class-transformer': '^0.5.1',
      'class-validator': '^0.15.1',
      ioredis: '^5.11.1',
      'socket.io': '4.8.3',
    },
    devDependencies: { '@asyncapi/parser': '^3.6.6', 'socket.io-client': '^4.8.3', yaml: '^2.9.1' },
  },
  12: {
    dependencies: {
      '@nestjs/platform-socket.io': '12.1.1',
      '@nestjs/terminus': '^12.1.0',
      '@nestjs/websockets': '^12.1.1',
      '@socket.io/redis-adapter': '^8.3.0',
      '@socket.io/redis-streams-adapter': '^0.3.1',
      'class-transformer': '^0.5.1',
      'class-validator': '^0.15.1',
      ioredis: '^5.11.1',
      'socket.io': '4.8.3',
    },
    devDependencies: { '@asyncapi/parser': '^3.6.6', 'socket.io-client': '^4.8.3', yaml: '^2.9.1' },
  },
};

/**
 * The oldest versions of the app's own packages the runtime works with, and why: older ones, which a lockfile
 * may hold (`nest add` leaves the app's entries alone otherwise), are raised to REALTIME_DEPENDENCIES'.
 */
export const MINIMUM_VERSIONS: Record<NestMajor, Record<string, { version: string; why: string }>> = {
  11: {
    '@nestjs/websockets': {
      version: '11.1.12',
      why: 'Nest tells adapters which handlers send their own ack (isAckHandledManually) from 11.1.12',
    },
    '@nestjs/platform-socket.io': { version: '11.1.12', why: 'it goes with @nestjs/websockets' },
  },
  12: {},
};

/**
 * Raises the app's entries of MINIMUM_VERSIONS that admit, or whose lockfile holds, an older version, to the
 * version we install (an exact pin stays exact), and socket.io with @nestjs/platform-socket.io, which pins it;
 * says what changed and why. The install that follows (or the team's, with --skip-install) updates the lock.
 */
function raiseOutdated(nestMajor: NestMajor, packageJsonPath: string): Rule {
  return (tree: Tree, context: SchematicContext) => {
    const wanted = REALTIME_DEPENDENCIES[nestMajor].dependencies;
    const raised: string[] = [];
    for (const [name, minimum] of Object.entries(MINIMUM_VERSIONS[nestMajor])) {
      const declared = getDependency(tree, name, packageJsonPath);
      const lowest = declared === null ? null : safeMinVersion(declared.version);
      if (declared === null || lowest === null || !lt(lowest.version, minimum.version)) {
        continue;
      }
      // An exact or ~ pin admits nothing new enough; a ^ range does, unless its lockfile holds an older one.
      const admitsNewEnough = intersects(declared.version, `>=${minimum.version}`);
      if (admitsNewEnough && !isOlder(lockedVersion(tree, name), minimum.version)) {
        continue;
      }
      const base = wanted[name].replace(/^[\^~]/, '');
      const version = valid(declared.version) === null ? `^${base}` : base;
      new JSONFile(tree, packageJsonPath).modify([declared.type, name], version);
      raised.push(`${name} ${declared.version} → ${version} (${minimum.why})`);
      if (name === '@nestjs/platform-socket.io') {
        const socketIo = getDependency(tree, 'socket.io', packageJsonPath);
        if (socketIo !== null && socketIo.version !== wanted['socket.io']) {
          new JSONFile(tree, packageJsonPath).modify([socketIo.type, 'socket.io'], wanted['socket.io']);
          raised.push(`socket.io ${socketIo.version} → ${wanted['socket.io']} (the version it pins)`);
        }
      }
    }
    if (raised.length > 0) {
      context.logger.info(
        [
          `Raised in ${packageJsonPath.slice(1)}, since nest-realtime needs newer versions than the app had or locked:`,
          ...raised.map((line) => `  ${line}`),
        ].join('\n'),
      );
    }
  };
}

function isOlder(version: string | undefined, than: string): boolean {
  return version !== undefined && valid(version) !== null && lt(version, than);
}

/** The lowest version a range admits; null for what is no semver range (a tag, a path, `workspace:`). */
function safeMinVersion(range: string): { version: string } | null {
  try {
    return minVersion(range);
  } catch {
    return null;
  }
}

export interface AddRealtimeDependenciesOptions {
  nestMajor: NestMajor;
  packageJsonPath?: string;
  skipInstall?: boolean;
}

/**
 * Adds the dependencies generated code needs to the host's package.json: `nest-realtime` in `dependencies`
 * (moved there when it was installed as a devDependency, as `npm i -D` before `nest add` does, with the
 * version the app chose), and the runtime's peers for the host's Nest major. Other entries the host already
 * has are left alone (in whichever section they are); new ones are inserted in order; one install task is
 * scheduled per run unless `skipInstall`. When the host already installed `@nestjs/platform-socket.io`,
 * socket.io follows the version it pins.
 */
export function addRealtimeDependencies(options: AddRealtimeDependenciesOptions): Rule {
  const packageJsonPath = options.packageJsonPath ?? '/package.json';
  return (tree) => {
    const { dependencies, devDependencies } = REALTIME_DEPENDENCIES[options.nestMajor];
    const pinnedSocketIo = installedSocketIoPin(tree, options.nestMajor);
    const runtime = pinnedSocketIo ? { ...dependencies, 'socket.io': pinnedSocketIo } : dependencies;
    const install = options.skipInstall ? InstallBehavior.None : InstallBehavior.Auto;
    const add = (versions: Record<string, string>, type: DependencyType): Rule[] =>
      Object.entries(versions)
        .filter(([name]) => !getDependency(tree, name, packageJsonPath))
        .map(([name, version]) =>
          addDependency(name, version, {
            type,
            install,
            existing: ExistingBehavior.Skip,
            packageJsonPath,
          }),
        );
    return chain([
      raiseOutdated(options.nestMajor, packageJsonPath),
      runtimeInDependencies(packageJsonPath, install),
      ...add(runtime, DependencyType.Default),
      ...add(devDependencies, DependencyType.Dev),
      keepTrailingNewline(packageJsonPath, tree.read(packageJsonPath)),
    ]);
  };
}

/**
 * `nest-realtime` in `dependencies`: the app imports its runtime when it runs, and a production install
 * (`npm ci --omit=dev`) leaves devDependencies out.
 */
function runtimeInDependencies(packageJsonPath: string, install: InstallBehavior): Rule {
  return (tree) => {
    const existing = getDependency(tree, RUNTIME_PACKAGE_NAME, packageJsonPath) ?? undefined;
    if (existing?.type === DependencyType.Default || existing?.type === DependencyType.Peer) {
      return;
    }
    if (existing !== undefined) {
      new JSONFile(tree, packageJsonPath).remove([existing.type, RUNTIME_PACKAGE_NAME]);
    }
    return addDependency(RUNTIME_PACKAGE_NAME, existing?.version ?? `^${RUNTIME_VERSION}`, {
      type: DependencyType.Default,
      install,
      existing: ExistingBehavior.Skip,
      packageJsonPath,
    });
  };
}

/**
 * What one gateway type needs beyond the runtime's peers, the same for both Nest majors. A push feature's
 * emitter publishes from processes without sockets (workers, cron jobs) through `@socket.io/redis-emitter`,
 * which speaks the pub/sub adapter's protocol.
 */
const FEATURE_DEPENDENCIES: Record<GatewayType, Record<string, string>> = {
  chat: {},
  push: { '@socket.io/redis-emitter': '^5.1.0' },
  blank: {},
};

/** Adds what a gateway type needs (see FEATURE_DEPENDENCIES); entries the host has are left alone. */
export function addFeatureDependencies(options: {
  type: GatewayType;
  packageJsonPath?: string;
  skipInstall?: boolean;
}): Rule {
  const packageJsonPath = options.packageJsonPath ?? '/package.json';
  return (tree) =>
    chain([
      ...Object.entries(FEATURE_DEPENDENCIES[options.type])
        .filter(([name]) => !getDependency(tree, name, packageJsonPath))
        .map(([name, version]) =>
          addDependency(name, version, {
            type: DependencyType.Default,
            install: options.skipInstall ? InstallBehavior.None : InstallBehavior.Auto,
            existing: ExistingBehavior.Skip,
            packageJsonPath,
          }),
        ),
      keepTrailingNewline(packageJsonPath, tree.read(packageJsonPath)),
    ]);
}

/** addDependency rewrites package.json without its final newline; put it back when the file had one. */
export function keepTrailingNewline(path: string, original: Buffer | null): Rule {
  return (tree) => {
    const current = tree.read(path)?.toString('utf-8');
    if (original?.toString('utf-8').endsWith('\n') && current !== undefined && !current.endsWith('\n')) {
      tree.overwrite(path, `${current}\n`);
    }
  };
}

function installedSocketIoPin(tree: Tree, nestMajor: NestMajor): string | undefined {
  const manifest = tree.read('/node_modules/@nestjs/platform-socket.io/package.json')?.toString('utf-8');
  if (!manifest) {
    return undefined;
  }
  const { version, dependencies } = JSON.parse(manifest) as {
    version?: string;
    dependencies?: Record<string, string>;
  };
  // One too old for the runtime is raised (raiseOutdated), and the socket.io it pins goes with it.
  const minimum = MINIMUM_VERSIONS[nestMajor]['@nestjs/platform-socket.io']?.version;
  if (minimum !== undefined && isOlder(version, minimum)) {
    return undefined;
  }
  const pinned = dependencies?.['socket.io'];
  return pinned && /^\d+\.\d+\.\d+$/.test(pinned) ? pinned : undefined;
}
