/**
 * The generated-app harness: fresh Nest 11 and Nest 12 apps, our packed package, the real Nest CLI, and the
 * host's own build, lint and tests. Slow by nature, so timeouts are generous. Two files run side by side
 * (`--maxWorkers=2`): much of a scenario is npm and the Nest CLI waiting on the registry and the disk, and
 * what two files share (a scaffold per host, a Node install) is made once, under a lock (support/lock.ts).
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
