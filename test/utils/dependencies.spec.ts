import { callRule, SchematicContext } from '@angular-devkit/schematics';
import { SchematicTestRunner, UnitTestTree } from '@angular-devkit/schematics/testing';
import { join } from 'node:path';
import { lastValueFrom } from 'rxjs';
import { addRealtimeDependencies, REALTIME_DEPENDENCIES } from '../../src/utils/dependencies';
import { createNestAppTree } from '../fixtures/nest-app';

const runner = new SchematicTestRunner('nest-realtime', join(__dirname, '../../collection.json'));

interface Manifest {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

async function apply(tree: UnitTestTree, options: Parameters<typeof addRealtimeDependencies>[0]) {
  const context = runner.engine.createContext(
    runner.engine.createSchematic('realtime-gateway', runner.engine.createCollection('nest-realtime')),
  ) as SchematicContext;
  await lastValueFrom(callRule(addRealtimeDependencies(options), tree, context));
  return { manifest: JSON.parse(tree.readContent('/package.json')) as Manifest, context };
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
});
