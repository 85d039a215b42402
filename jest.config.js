/** Tests mirror the source tree; the shared layer is imported through its package name, as Lambda resolves it. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  moduleNameMapper: { '^@ecs-sd/core$': '<rootDir>/layers/core/src/index.ts' },
  globalSetup: '<rootDir>/tests/support/global-setup.ts',
  globalTeardown: '<rootDir>/tests/support/global-teardown.ts',
  testTimeout: 60000,
  reporters: ['default', ['<rootDir>/tests/support/summary-reporter.js', {}]],
};
