/** `npm run bench`: benchmarks that print numbers, on the same harness as the tests (moto, guard). Not run by `npm test`. */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/bench'],
  testMatch: ['**/*.bench.ts'],
  reporters: ['default'],
  testTimeout: 15 * 60 * 1000,
};
