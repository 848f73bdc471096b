/**
 * Unit tests: schematics run in memory with SchematicTestRunner against the built collection, and the kit's
 * own specs, run directly from templates/realtime-kit/ (its type-check and lint run before Jest; see
 * package.json). `npm run test:unit` starts Jest with --experimental-vm-modules because Prettier, which the
 * schematics use to format generated files in the host's style, loads its parsers with dynamic import().
 */
module.exports = {
  testEnvironment: 'node',
  // A schematic run formats some 60 files with Prettier: 1–3 s alone, more on a busy 2-core machine.
  testTimeout: 30_000,
  roots: ['<rootDir>/test', '<rootDir>/templates/realtime-kit'],
  testMatch: ['**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'],
  // A schematic run renders and formats the whole kit with Prettier: seconds each on a loaded 2-core machine.
  testTimeout: 30_000,
  moduleNameMapper: {
    '^ora$': '<rootDir>/test/fixtures/ora.js',
    // The kit imports its own files as an ES module host does (`./realtime.auth.js`).
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    // Transpiled only: `tsc -p templates/realtime-kit` has type-checked the kit already.
    '/templates/realtime-kit/.+\\.ts$': [
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
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }],
  },
};
