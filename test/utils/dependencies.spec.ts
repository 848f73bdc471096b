import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { version as OUR_VERSION } from '../../package.json';
import { addRealtimeDependencies, REALTIME_DEPENDENCIES, RUNTIME_PACKAGE_NAME } from '../../src/utils/dependencies';
import { createNestAppTree } from '../fixtures/nest-app';
import { applyRule } from '../support/schematics';

interface Manifest {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** A fresh Nest 11 app whose package.json has had `edit` applied. */
function appWith(edit: (manifest: Manifest) => void): UnitTestTree {
  const tree = createNestAppTree(11);
  const manifest = JSON.parse(tree.readContent('/package.json')) as Manifest;
  edit(manifest);
  tree.overwrite('/package.json', JSON.stringify(manifest, null, 2) + '\n');
  return tree;
}

/** Where nest-realtime is in a manifest, and with which spec. */
function runtimeEntries(manifest: Manifest): Record<string, string | undefined> {
  return Object.fromEntries(
    (['dependencies', 'devDependencies', 'peerDependencies'] as const)
      .map((section) => [section, manifest[section]?.[RUNTIME_PACKAGE_NAME]])
      .filter(([, spec]) => spec !== undefined),
  );
}

async function apply(tree: UnitTestTree, options: Parameters<typeof addRealtimeDependencies>[0]) {
  const logs = await applyRule(addRealtimeDependencies(options), tree);
  return { manifest: JSON.parse(tree.readContent('/package.json')) as Manifest, logs };
}

describe('addRealtimeDependencies', () => {
  it.each([11, 12] as const)('adds the Nest %i set, socket.io exactly as platform-socket.io pins it', async (major) => {
    const { manifest } = await apply(createNestAppTree(major), { nestMajor: major });
    expect(manifest.dependencies).toMatchObject(REALTIME_DEPENDENCIES[major].dependencies);
    expect(manifest.devDependencies).toMatchObject(REALTIME_DEPENDENCIES[major].devDependencies);
    expect(manifest.dependencies['@nestjs/platform-socket.io']).toMatch(new RegExp(`^${major}\\.\\d+\\.\\d+$`));
    expect(manifest.dependencies['socket.io']).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('keeps every section sorted by name', async () => {
    const { manifest } = await apply(createNestAppTree(11), { nestMajor: 11 });
    for (const section of [manifest.dependencies, manifest.devDependencies]) {
      const names = Object.keys(section);
      expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    }
  });

  it('leaves existing entries alone, in whichever section they are', async () => {
    const tree = createNestAppTree(11);
    const manifest = JSON.parse(tree.readContent('/package.json')) as Manifest;
    manifest.dependencies['class-validator'] = '0.14.0';
    manifest.dependencies['socket.io-client'] = '^4.7.0';
    tree.overwrite('/package.json', JSON.stringify(manifest));
    const { manifest: after } = await apply(tree, { nestMajor: 11 });
    expect(after.dependencies['class-validator']).toBe('0.14.0');
    expect(after.dependencies['socket.io-client']).toBe('^4.7.0');
    expect(after.devDependencies['socket.io-client']).toBeUndefined();
  });

  it('follows the socket.io version an installed @nestjs/platform-socket.io pins', async () => {
    const tree = createNestAppTree(12);
    tree.create(
      '/node_modules/@nestjs/platform-socket.io/package.json',
      JSON.stringify({ name: '@nestjs/platform-socket.io', dependencies: { 'socket.io': '4.9.1' } }),
    );
    const { manifest } = await apply(tree, { nestMajor: 12 });
    expect(manifest.dependencies['socket.io']).toBe('4.9.1');
  });

  it('raises an exact pin older than the runtime needs, with socket.io, and says what and why', async () => {
    const tree = appWith((manifest) => {
      Object.assign(manifest.dependencies, {
        '@nestjs/platform-socket.io': '11.0.20',
        '@nestjs/websockets': '11.0.20',
        'socket.io': '4.8.1',
      });
    });
    tree.create(
      '/node_modules/@nestjs/platform-socket.io/package.json',
      JSON.stringify({ version: '11.0.20', dependencies: { 'socket.io': '4.8.1' } }),
    );
    const { manifest, logs } = await apply(tree, { nestMajor: 11 });
    const wanted = REALTIME_DEPENDENCIES[11].dependencies;

    expect(manifest.dependencies).toMatchObject({
      '@nestjs/platform-socket.io': wanted['@nestjs/platform-socket.io'],
      '@nestjs/websockets': wanted['@nestjs/websockets'].replace('^', ''),
      'socket.io': wanted['socket.io'],
    });
    const said = logs.info.join('\n');
    expect(said).toContain(
      '@nestjs/websockets 11.0.20 → 11.2.6 (Nest tells adapters which handlers send their own ack',
    );
    expect(said).toContain('socket.io 4.8.1 → 4.8.3 (the version it pins)');
  });

  it.each([
    ['package-lock.json', JSON.stringify({ packages: { 'node_modules/@nestjs/websockets': { version: '11.0.20' } } })],
    [
      'pnpm-lock.yaml',
      "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies:\n      '@nestjs/websockets':\n        specifier: ^11.0.1\n        version: 11.0.20(@nestjs/common@11.1.6)\n",
    ],
    ['yarn.lock', '"@nestjs/websockets@^11.0.1":\n  version "11.0.20"\n  resolved "https://registry.yarnpkg.com/x"\n'],
    ['yarn.lock', '__metadata:\n  version: 8\n\n"@nestjs/websockets@npm:^11.0.1":\n  version: 11.0.20\n'],
  ])('raises a range whose %s holds an older version', async (file, lock) => {
    const tree = appWith((manifest) => {
      manifest.dependencies['@nestjs/websockets'] = '^11.0.1';
    });
    tree.create(`/${file}`, lock);
    const { manifest } = await apply(tree, { nestMajor: 11 });

    expect(manifest.dependencies['@nestjs/websockets']).toBe(
      REALTIME_DEPENDENCIES[11].dependencies['@nestjs/websockets'],
    );
  });

  it('leaves entries new enough, ranges locked new enough, and what is no semver range, alone', async () => {
    const tree = appWith((manifest) => {
      manifest.dependencies['@nestjs/websockets'] = '^11.0.1';
      manifest.dependencies['@nestjs/platform-socket.io'] = 'workspace:*';
    });
    tree.create(
      '/package-lock.json',
      JSON.stringify({ packages: { 'node_modules/@nestjs/websockets': { version: '11.2.0' } } }),
    );
    const { manifest } = await apply(tree, { nestMajor: 11 });

    expect(manifest.dependencies['@nestjs/websockets']).toBe('^11.0.1');
    expect(manifest.dependencies['@nestjs/platform-socket.io']).toBe('workspace:*');
  });

  it('keeps the final newline of package.json', async () => {
    const tree = createNestAppTree(11);
    await apply(tree, { nestMajor: 11 });
    expect(tree.readContent('/package.json')).toMatch(/\}\n$/);
  });

  it('changes nothing when everything is present', async () => {
    const tree = createNestAppTree(12);
    await apply(tree, { nestMajor: 12 });
    const once = tree.readContent('/package.json');
    await apply(tree, { nestMajor: 12 });
    expect(tree.readContent('/package.json')).toBe(once);
  });

  it("adds none of the runtime's own dependencies", async () => {
    const { manifest } = await apply(createNestAppTree(12), { nestMajor: 12 });
    const names = [...Object.keys(manifest.dependencies), ...Object.keys(manifest.devDependencies)];
    expect(
      names.filter((name) => ['jose', 'prom-client', 'rate-limiter-flexible', 'socket.io-parser'].includes(name)),
    ).toEqual([]);
  });
});

describe('addRealtimeDependencies and nest-realtime itself', () => {
  it('adds it to dependencies as ^ our version when the app does not have it', async () => {
    const { manifest } = await apply(createNestAppTree(12), { nestMajor: 12 });
    expect(runtimeEntries(manifest)).toEqual({ dependencies: `^${OUR_VERSION}` });
  });

  it('moves it from devDependencies (npm i -D before nest add) to dependencies, keeping the spec the app chose', async () => {
    const tree = appWith((manifest) => {
      manifest.devDependencies[RUNTIME_PACKAGE_NAME] = 'file:../nest-realtime-0.2.0.tgz';
    });
    const { manifest } = await apply(tree, { nestMajor: 11 });
    expect(runtimeEntries(manifest)).toEqual({ dependencies: 'file:../nest-realtime-0.2.0.tgz' });
    expect(Object.keys(manifest.dependencies)).toEqual(
      Object.keys(manifest.dependencies)
        .slice()
        .sort((a, b) => a.localeCompare(b)),
    );
  });

  it('leaves it alone in dependencies, whatever its version', async () => {
    const tree = appWith((manifest) => {
      manifest.dependencies[RUNTIME_PACKAGE_NAME] = '~0.1.4';
    });
    const { manifest } = await apply(tree, { nestMajor: 11 });
    expect(runtimeEntries(manifest)).toEqual({ dependencies: '~0.1.4' });
  });

  it('leaves it alone in peerDependencies, where a library built on it declares it', async () => {
    const tree = appWith((manifest) => {
      manifest.peerDependencies = { [RUNTIME_PACKAGE_NAME]: '^0.2.0' };
    });
    const { manifest } = await apply(tree, { nestMajor: 11 });
    expect(runtimeEntries(manifest)).toEqual({ peerDependencies: '^0.2.0' });
  });
});
