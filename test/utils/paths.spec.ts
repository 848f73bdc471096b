import { relativeImport, findNearestModule } from '../../src/utils/paths';
import { createNestAppTree } from '../fixtures/nest-app';

describe('relativeImport', () => {
  it.each([
    ['/src/app.module.ts', '/src/chat/chat.module.ts', '', './chat/chat.module'],
    ['/src/app.module.ts', '/src/chat/chat.module.ts', '.js', './chat/chat.module.js'],
    ['/src/chat/index.ts', '/src/realtime', '', '../realtime'],
    ['/test/index.ts', '/src/chat', '', '../src/chat'],
    ['/src/a/b/c.ts', '/src/a/b/d.ts', '', './d'],
  ])('from %s to %s (%j) is %s', (from, to, ext, expected) => {
    expect(relativeImport(from, to, ext)).toBe(expected);
  });
});

describe('findNearestModule', () => {
  it('walks up to the nearest module', () => {
    expect(findNearestModule(createNestAppTree(11), '/src/features/admin', '/src')).toBe('/src/app.module.ts');
  });

  it('prefers a module closer to the feature', () => {
    const tree = createNestAppTree(11);
    tree.create('/src/admin/admin.module.ts', '');
    expect(findNearestModule(tree, '/src/admin', '/src')).toBe('/src/admin/admin.module.ts');
  });

  it('does not look above the source root', () => {
    const tree = createNestAppTree(11);
    tree.delete('/src/app.module.ts');
    tree.create('/other.module.ts', '');
    expect(() => findNearestModule(tree, '/src', '/src')).toThrow(/No \*.module.ts found in \/src.*--skip-import/);
  });

  it('refuses to guess between two modules', () => {
    const tree = createNestAppTree(11);
    tree.create('/src/other.module.ts', '');
    expect(() => findNearestModule(tree, '/src', '/src')).toThrow(/More than one module in \/src.*--module/);
  });
});
