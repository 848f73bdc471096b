import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { createNestAppTree, FixtureMajor } from '../fixtures/nest-app';
import { runner } from '../support/schematics';

/** What the shared setup owns: the kit, main.ts, the dependencies and the project defaults. */
function setupState(tree: UnitTestTree): Record<string, unknown> {
  const manifest = JSON.parse(tree.readContent('/package.json')) as Record<string, Record<string, string>>;
  const {
    k8s: _k8s,
    features: _features,
    generated,
    ...defaults
  } = JSON.parse(tree.readContent('/nest-realtime.json')) as Record<string, unknown>;
  const kitRecords = Object.entries(generated as Record<string, unknown>).filter(([path]) =>
    path.startsWith('src/realtime/'),
  );
  return {
    kit: Object.fromEntries(
      tree.files.filter((path) => path.startsWith('/src/realtime/')).map((path) => [path, tree.readContent(path)]),
    ),
    main: tree.readContent('/src/main.ts'),
    dependencies: manifest.dependencies,
    devDependencies: manifest.devDependencies,
    defaults,
    kitRecords,
  };
}

describe.each([11, 12] as FixtureMajor[])('the setup every schematic shares, in a Nest %i app', (major) => {
  let afterNestAdd: Record<string, unknown>;

  beforeAll(async () => {
    afterNestAdd = setupState(await runner.runSchematic('nest-add', { skipInstall: true }, createNestAppTree(major)));
  });

  it.each([
    ['realtime-gateway', { name: 'chat', skipInstall: true }],
    ['realtime-k8s', { skipInstall: true }],
  ])('leaves the app as nest add does when %s runs first', async (schematic, options) => {
    const tree = await runner.runSchematic(schematic, options, createNestAppTree(major));

    expect(setupState(tree)).toEqual(afterNestAdd);
    // Only nest add makes nest-cli.json name our collection.
    expect(JSON.parse(tree.readContent('/nest-cli.json')).collection).toBe('@nestjs/schematics');
  });
});
