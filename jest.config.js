/**
 * Unit tests: schematics run in memory with SchematicTestRunner against the built collection.
 * `npm run test:unit` starts Jest with --experimental-vm-modules because Prettier, which the schematics use
 * to format generated files in the host's style, loads its parsers with dynamic import().
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/'],
  moduleNameMapper: { '^ora$': '<rootDir>/test/fixtures/ora.js' },
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }] },
};
