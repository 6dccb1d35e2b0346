/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // ESM-only packages (jose, cockatiel 4, oauth4webapi, fhir-kit-client) are transformed to CommonJS:
  // jest's module loader does not load ESM through require() even on Node 24.
  transformIgnorePatterns: ['/node_modules/(?!(jose|cockatiel|oauth4webapi|fhir-kit-client)/)'],
  moduleNameMapper: {
    '^fhir-kit-client$': '<rootDir>/node_modules/fhir-kit-client/dist/index.js',
  },
  testMatch: ['<rootDir>/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  testTimeout: 20000,
};
