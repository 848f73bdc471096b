/**
 * Unit tests: schematics run in memory with SchematicTestRunner against the built collection, and the
 * runtime's specs and conformance suite, run on its sources (its type-check and lint run before Jest; see
 * package.json). `npm run test:unit` starts Jest with --experimental-vm-modules because Prettier, which the
 * schematics use to format generated files in the host's style, loads its parsers with dynamic import().
 *
 * Two projects, not two transforms of one: ts-jest keeps one compiler per Jest project config, so in one
 * project whichever file a worker transforms first would set the compiler options for both (a runtime spec
 * compiled without experimentalDecorators fails to compile).
 */
const moduleNameMapper = {
  '^ora$': '<rootDir>/test/fixtures/ora.js',
  // The runtime imports its own files as an ES module does (`./realtime.auth.js`).
  '^(\\.{1,2}/.*)\\.js$': '$1',
  // The package's entries, as an app imports them, resolve to the sources.
  '^nest-realtime$': '<rootDir>/runtime/index.ts',
  '^nest-realtime/contract$': '<rootDir>/runtime/contract.ts',
  '^nest-realtime/(testing|redis)$': '<rootDir>/runtime/$1/index.ts',
};

module.exports = {
  // A schematic run renders and formats the whole kit with Prettier: seconds each on a loaded 2-core machine.
  testTimeout: 30_000,
  projects: [
    {
      displayName: 'schematics',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/', '<rootDir>/test/runtime/', '<rootDir>/test/conformance/'],
      moduleNameMapper,
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }] },
    },
    {
      displayName: 'runtime',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/runtime', '<rootDir>/test/conformance'],
      testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'],
      moduleNameMapper,
      transform: {
        // Transpiled only: `tsc -p test/runtime` has type-checked the runtime and its tests already.
        '^.+\\.ts$': [
          'ts-jest',
          {
            tsconfig: {
              module: 'commonjs',
              moduleResolution: 'node10',
              target: 'ES2022',
              esModuleInterop: true,
              experimentalDecorators: true,
              emitDecoratorMetadata: true,
              isolatedModules: true,
            },
          },
        ],
      },
    },
  ],
};
