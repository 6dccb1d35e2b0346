/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // jose (and other ESM-only packages) must be transformed: jest 30 has no require(esm) before Node 24.9.
  transformIgnorePatterns: ['/node_modules/(?!(jose|fhir-kit-client|oauth4webapi)/)'],
  moduleNameMapper: {
    '^fhir-kit-client$': '<rootDir>/node_modules/fhir-kit-client/dist/index.js',
  },
  testMatch: ['<rootDir>/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  testTimeout: 20000,
};
