import { HostTree } from '@angular-devkit/schematics';
import { UnitTestTree } from '@angular-devkit/schematics/testing';
import { relativeImports, resolveRelative } from '../../src/utils/import-graph';
import { HostProject } from '../../src/utils/host-project';
import { entryExporting, runtimeExports } from '../../src/utils/runtime-exports';
import { runtimeSpecifier, withRuntimeImports } from '../../src/utils/runtime-location';

describe('runtimeExports', () => {
  it("reads each entry's names from the runtime's sources, following re-exports and export *", () => {
    const main = runtimeExports('nest-realtime');
    // Named re-exports, a type re-export and a name that only `export * from './realtime.contract.js'` brings.
    for (const name of ['RealtimeModule', 'useRealtimeAdapter', 'SocketData', 'RealtimeErrorCode']) {
      expect({ name, exported: main.has(name) }).toEqual({ name, exported: true });
    }
    expect(runtimeExports('nest-realtime/testing').has('createRealtimeTestingApp')).toBe(true);
    expect(runtimeExports('nest-realtime/redis').has('RealtimeEmitter')).toBe(true);
  });

  it('knows no names for a specifier that is not an entry', () => {
    expect(runtimeExports('nest-realtime/internal').size).toBe(0);
  });
});

describe('entryExporting', () => {
  it('prefers the main entry, then the entry that exports every name', () => {
    expect(entryExporting(['RealtimeErrorCode', 'WsAuthGuard'])).toBe('nest-realtime');
    expect(entryExporting(['createRealtimeTestingApp'])).toBe('nest-realtime/testing');
  });

  it('is undefined when no one entry exports them all', () => {
    expect(entryExporting(['RealtimeModule', 'createRealtimeTestingApp'])).toBeUndefined();
    expect(entryExporting(['internalRoomPrefix'])).toBeUndefined();
  });
});

describe('relativeImports', () => {
  let tree: UnitTestTree;

  beforeEach(() => {
    tree = new UnitTestTree(new HostTree());
    tree.create('/src/realtime/realtime.errors.ts', 'export enum Code {}\n');
    tree.create('/src/realtime/index.ts', "export * from './realtime.errors';\n");
    tree.create(
      '/src/orders/orders.service.ts',
      [
        "import { Code, Code as Alias } from '../realtime/realtime.errors.js';",
        "import * as realtime from '../realtime';",
        "import { Injectable } from '@nestjs/common';",
        "import { gone } from './gone';",
      ].join('\n'),
    );
    tree.create('/node_modules/x/index.ts', "import { y } from './y';\n");
  });

  it('resolves `.js` and folder specifiers to tree files, with the names each imports', () => {
    const imports = relativeImports(tree, ['/src', '/test']).map(({ from, to, names }) => ({ from, to, names }));
    expect(imports).toEqual([
      { from: '/src/orders/orders.service.ts', to: '/src/realtime/realtime.errors.ts', names: ['Code', 'Code'] },
      // A namespace import names no export.
      { from: '/src/orders/orders.service.ts', to: '/src/realtime/index.ts', names: undefined },
    ]);
  });

  it('resolves what exists only', () => {
    expect(resolveRelative(tree, '/src/orders/orders.service.ts', './gone')).toBeUndefined();
    expect(resolveRelative(tree, '/src/orders/orders.service.ts', '../realtime')).toBe('/src/realtime/index.ts');
  });
});

describe('withRuntimeImports', () => {
  const host = { importExtension: '.js' } as HostProject;
  const ejected = { path: 'src/realtime/runtime', version: '0.2.1' };
  const content = [
    'import { RealtimeGateway } from "nest-realtime";',
    "import { createRealtimeTestingApp } from 'nest-realtime/testing';",
    "export type { ErrorPayload } from 'nest-realtime/contract';",
    "import { Injectable } from '@nestjs/common';",
    "const label = 'nest-realtime';",
    '',
  ].join('\n');

  it("points each runtime entry at the app's copy, keeping quotes and everything else", () => {
    expect(withRuntimeImports(host, ejected, '/src/chat/chat.gateway.ts', content)).toBe(
      [
        'import { RealtimeGateway } from "../realtime/runtime/index.js";',
        "import { createRealtimeTestingApp } from '../realtime/runtime/testing/index.js';",
        "export type { ErrorPayload } from '../realtime/runtime/contract.js';",
        "import { Injectable } from '@nestjs/common';",
        "const label = 'nest-realtime';",
        '',
      ].join('\n'),
    );
  });

  it('changes nothing in an app that did not eject, or in a file that is not TypeScript', () => {
    expect(withRuntimeImports(host, undefined, '/src/chat/chat.gateway.ts', content)).toBe(content);
    expect(withRuntimeImports(host, ejected, '/README.md', content)).toBe(content);
  });

  it('names the package when nothing was ejected, and a relative path from the file after an eject', () => {
    expect(runtimeSpecifier(host, undefined, '/test/chat.e2e-spec.ts', 'nest-realtime/testing')).toBe(
      'nest-realtime/testing',
    );
    expect(
      runtimeSpecifier({ importExtension: '' } as HostProject, ejected, '/test/chat.e2e-spec.ts', 'nest-realtime'),
    ).toBe('../src/realtime/runtime/index');
  });
});
