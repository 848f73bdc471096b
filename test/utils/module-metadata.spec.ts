import { HostTree } from '@angular-devkit/schematics';
import { UnitTestTree } from '@angular-devkit/schematics/testing';
import {
  addEntryToModuleMetadata,
  addToModuleMetadata,
  findModuleMetadata,
  ModuleMetadataEntry,
} from '../../src/utils/module-metadata';
import { readSourceFile, ts } from '../../src/utils/typescript';
import { createNestAppTree } from '../fixtures/nest-app';
import { namedImports } from '../support/generated-source';

/** The identifiers listed in one array of the @Module() decorator, read from the AST. */
function metadataArray(tree: UnitTestTree, path: string, field: string): string[] {
  const source = readSourceFile(tree, path);
  const property = findModuleMetadata(source)?.properties.find(
    (candidate): candidate is ts.PropertyAssignment =>
      ts.isPropertyAssignment(candidate) && candidate.name.getText(source) === field,
  );
  return property ? (property.initializer as ts.ArrayLiteralExpression).elements.map((e) => e.getText(source)) : [];
}

function importsOf(tree: UnitTestTree, path: string, symbol: string): string[] {
  const source = readSourceFile(tree, path);
  return source.statements
    .filter(ts.isImportDeclaration)
    .filter((declaration) => declaration.importClause?.getText(source).includes(symbol))
    .map((declaration) => (declaration.moduleSpecifier as ts.StringLiteral).text);
}

function treeWithModule(text: string): UnitTestTree {
  const tree = new UnitTestTree(new HostTree());
  tree.create('/src/app.module.ts', text);
  return tree;
}

describe('addToModuleMetadata', () => {
  it('adds the symbol to an empty imports array and imports it once', () => {
    const tree = createNestAppTree(11);
    addToModuleMetadata(tree, '/src/app.module.ts', 'imports', 'ChatModule', './chat/chat.module');
    expect(metadataArray(tree, '/src/app.module.ts', 'imports')).toEqual(['ChatModule']);
    expect(importsOf(tree, '/src/app.module.ts', 'ChatModule')).toEqual(['./chat/chat.module']);
    expect(tree.readContent('/src/app.module.ts')).toContain('  imports: [ChatModule],\n');
  });

  it('is idempotent: a second call changes nothing', () => {
    const tree = createNestAppTree(12);
    addToModuleMetadata(tree, '/src/app.module.ts', 'imports', 'ChatModule', './chat/chat.module.js');
    const once = tree.readContent('/src/app.module.ts');
    addToModuleMetadata(tree, '/src/app.module.ts', 'imports', 'ChatModule', './chat/chat.module.js');
    expect(tree.readContent('/src/app.module.ts')).toBe(once);
  });

  it('appends after existing entries, keeping them', () => {
    const tree = createNestAppTree(11);
    addToModuleMetadata(tree, '/src/app.module.ts', 'imports', 'ChatModule', './chat/chat.module');
    addToModuleMetadata(tree, '/src/app.module.ts', 'imports', 'NewsModule', './news/news.module');
    expect(metadataArray(tree, '/src/app.module.ts', 'imports')).toEqual(['ChatModule', 'NewsModule']);
    expect(metadataArray(tree, '/src/app.module.ts', 'providers')).toEqual(['AppService']);
  });

  it('keeps a multi-line array multi-line', () => {
    const tree = treeWithModule(
      [
        `import { Module } from '@nestjs/common';`,
        `import { AModule } from './a.module';`,
        `@Module({`,
        `  imports: [`,
        `    AModule,`,
        `  ],`,
        `})`,
        `export class AppModule {}`,
      ].join('\n'),
    );
    addToModuleMetadata(tree, '/src/app.module.ts', 'imports', 'ChatModule', './chat/chat.module');
    expect(tree.readContent('/src/app.module.ts')).toContain('    AModule,\n    ChatModule,\n  ],');
  });

  it('creates the property when the decorator has none', () => {
    const tree = treeWithModule(
      `import { Module } from '@nestjs/common';\n\n@Module({\n  providers: [],\n})\nexport class AppModule {}\n`,
    );
    addToModuleMetadata(tree, '/src/app.module.ts', 'imports', 'ChatModule', './chat/chat.module');
    expect(metadataArray(tree, '/src/app.module.ts', 'imports')).toEqual(['ChatModule']);
    expect(tree.readContent('/src/app.module.ts')).toContain('@Module({\n  imports: [ChatModule],\n  providers: [],');
  });

  it('handles an empty decorator object', () => {
    const tree = treeWithModule(`import { Module } from '@nestjs/common';\n\n@Module({})\nexport class AppModule {}\n`);
    addToModuleMetadata(tree, '/src/app.module.ts', 'imports', 'ChatModule', './chat/chat.module');
    expect(metadataArray(tree, '/src/app.module.ts', 'imports')).toEqual(['ChatModule']);
  });

  it('refuses an imports value it cannot edit safely, leaving the file as it was', () => {
    const text = `import { Module } from '@nestjs/common';\nconst list = [];\n@Module({ imports: list })\nexport class AppModule {}\n`;
    const tree = treeWithModule(text);
    expect(() => addToModuleMetadata(tree, '/src/app.module.ts', 'imports', 'ChatModule', './chat')).toThrow(
      /"imports" in \/src\/app.module.ts is not an array literal/,
    );
    expect(tree.readContent('/src/app.module.ts')).toBe(text);
  });

  it('refuses a file without @Module()', () => {
    const tree = treeWithModule(`export class NotAModule {}\n`);
    expect(() => addToModuleMetadata(tree, '/src/app.module.ts', 'imports', 'ChatModule', './chat')).toThrow(
      /has no @Module\(\{...\}\) decorator/,
    );
  });
});

describe('addEntryToModuleMetadata', () => {
  const realtimeModule: ModuleMetadataEntry = {
    entry: 'RealtimeModule.forRoot(realtimeOptions)',
    imports: [
      { symbol: 'RealtimeModule', from: 'nest-realtime' },
      { symbol: 'realtimeOptions', from: './realtime/realtime.options' },
    ],
  };

  it('adds an expression with every import it needs', () => {
    const tree = createNestAppTree(11);
    addEntryToModuleMetadata(tree, '/src/app.module.ts', 'imports', realtimeModule);
    expect(metadataArray(tree, '/src/app.module.ts', 'imports')).toEqual(['RealtimeModule.forRoot(realtimeOptions)']);
    expect(namedImports(tree, '/src/app.module.ts')).toMatchObject({
      RealtimeModule: ['nest-realtime'],
      realtimeOptions: ['./realtime/realtime.options'],
    });
  });

  it('is idempotent: a second call changes nothing', () => {
    const tree = createNestAppTree(12);
    addEntryToModuleMetadata(tree, '/src/app.module.ts', 'imports', realtimeModule);
    const once = tree.readContent('/src/app.module.ts');
    addEntryToModuleMetadata(tree, '/src/app.module.ts', 'imports', realtimeModule);
    expect(tree.readContent('/src/app.module.ts')).toBe(once);
  });

  it('imports a symbol the file already imports only once', () => {
    const tree = treeWithModule(
      [
        `import { Module } from '@nestjs/common';`,
        `import { RealtimeModule } from 'nest-realtime';`,
        `@Module({ imports: [ChatModule] })`,
        `export class AppModule {}`,
      ].join('\n'),
    );
    addEntryToModuleMetadata(tree, '/src/app.module.ts', 'imports', realtimeModule);
    expect(metadataArray(tree, '/src/app.module.ts', 'imports')).toEqual([
      'ChatModule',
      'RealtimeModule.forRoot(realtimeOptions)',
    ]);
    expect(namedImports(tree, '/src/app.module.ts').RealtimeModule).toEqual(['nest-realtime']);
  });

  it('by default counts only the same text as present', () => {
    const tree = treeWithModule(
      [
        `import { Module } from '@nestjs/common';`,
        `@Module({ imports: [RealtimeModule.forRoot(otherOptions)] })`,
        `export class AppModule {}`,
      ].join('\n'),
    );
    addEntryToModuleMetadata(tree, '/src/app.module.ts', 'imports', realtimeModule);
    expect(metadataArray(tree, '/src/app.module.ts', 'imports')).toEqual([
      'RealtimeModule.forRoot(otherOptions)',
      'RealtimeModule.forRoot(realtimeOptions)',
    ]);
  });

  it('leaves the file as it is when isPresent recognises an entry, importing nothing', () => {
    const text = [
      `import { Module } from '@nestjs/common';`,
      `import { RealtimeModule } from 'nest-realtime';`,
      `@Module({ imports: [RealtimeModule.forRootAsync({ useFactory: () => ({}) })] })`,
      `export class AppModule {}`,
      ``,
    ].join('\n');
    const tree = treeWithModule(text);
    addEntryToModuleMetadata(tree, '/src/app.module.ts', 'imports', {
      ...realtimeModule,
      isPresent: (existing) => /^RealtimeModule\b/.test(existing),
    });
    expect(tree.readContent('/src/app.module.ts')).toBe(text);
  });

  it('creates the array when the decorator has none', () => {
    const tree = treeWithModule(`import { Module } from '@nestjs/common';\n\n@Module({})\nexport class AppModule {}\n`);
    addEntryToModuleMetadata(tree, '/src/app.module.ts', 'imports', realtimeModule);
    expect(metadataArray(tree, '/src/app.module.ts', 'imports')).toEqual(['RealtimeModule.forRoot(realtimeOptions)']);
  });

  it('refuses a file without @Module(), leaving it as it was', () => {
    const tree = treeWithModule(`export class NotAModule {}\n`);
    expect(() => addEntryToModuleMetadata(tree, '/src/app.module.ts', 'imports', realtimeModule)).toThrow(
      /has no @Module\(\{...\}\) decorator/,
    );
    expect(tree.readContent('/src/app.module.ts')).toBe(`export class NotAModule {}\n`);
  });
});
