/**
 * Unit tests: schematics run in memory with SchematicTestRunner against the built collection, and the kit's
 * own specs, run directly from templates/realtime-kit/ (its type-check and lint run before Jest; see
 * package.json). `npm run test:unit` starts Jest with --experimental-vm-modules because Prettier, which the
 * schematics use to format generated files in the host's style, loads its parsers with dynamic import().
 *
 * Two projects, not two transforms of one: ts-jest keeps one compiler per Jest project config, so in one
 * project whichever file a worker transforms first would set the compiler options for both (a kit spec
 * compiled without experimentalDecorators fails to compile).
 */
const moduleNameMapper = {
  '^ora$': '<rootDir>/test/fixtures/ora.js',
  // The kit imports its own files as an ES module host does (`./realtime.auth.js`).
  '^(\\.{1,2}/.*)\\.js$': '$1',
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
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'],
      moduleNameMapper,
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }] },
    },
    {
      displayName: 'kit',
      testEnvironment: 'node',
      roots: ['<rootDir>/templates/realtime-kit'],
      testMatch: ['**/*.spec.ts'],
      moduleNameMapper,
      transform: {
        // Transpiled only: `tsc -p templates/realtime-kit` has type-checked the kit already.
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
