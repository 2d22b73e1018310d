/** Tests in tiers: test/unit (pure TS), test/addon (native addon, CPU), test/e2e (ONNX models end to end),
 *  test/gpu (skip with a reason when there is no GPU). */
module.exports = {
  testEnvironment: '<rootDir>/test/realm-environment.js',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }] },
  testTimeout: 120000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/summary-reporter.js'],
};
