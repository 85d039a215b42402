/** Tests mirror the source tree; the shared layer is imported through its package name, as Lambda resolves it. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  moduleNameMapper: { '^@ecs-sd/core$': '<rootDir>/layers/core/src/index.ts' },
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  setupFiles: ['<rootDir>/tests/support/setup-env.ts'],
  testTimeout: 60000,
  // One moto_server serves the whole run and tests reset it: files must not run in parallel.
  maxWorkers: 1,
  reporters: ['default', ['<rootDir>/tests/support/summary-reporter.js', {}]],
};
