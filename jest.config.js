/** Tiers. `npm test` (this config): the fast tier, units, addon, contract, CPU end to end; files named
 *  `*.slow.test.ts` (PyTorch exports, ffmpeg capture, the browser, the bench smoke run, long fuzzing) are left to
 *  `npm run test:all` (jest.all.config.js), which CI runs. test/gpu skips with a reason when there is no GPU. */
module.exports = {
  testEnvironment: '<rootDir>/test/realm-environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '\\.slow\\.test\\.ts$'],
  // Tests import ../../src/x; they run dist/src/x.js (npm test compiles first): test/compiled.js says why.
  resolver: '<rootDir>/test/dist-resolver.js',
  globalSetup: '<rootDir>/test/dist-check.js',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }] },
  testTimeout: 120000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
