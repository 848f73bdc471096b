/**
 * The generated-app harness: fresh Nest 11 and Nest 12 apps, our packed package, the real Nest CLI, and the
 * host's own build, lint and tests. Slow by nature, so it runs in band with generous timeouts.
 */
module.exports = {
  rootDir: '../..',
  testEnvironment: 'node',
  roots: ['<rootDir>/test/e2e'],
  testMatch: ['**/*.e2e.ts'],
  globalSetup: '<rootDir>/test/e2e/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/e2e/support/global-teardown.ts',
  testTimeout: 10 * 60 * 1000,
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }] },
};
