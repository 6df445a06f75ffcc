// Two projects: `unit` (pure logic beside the code, no infrastructure) and `integration`
// (test/, against the real Kafka and PostgreSQL that `npm run infra -- up` starts).
// ts-jest transpiles each file alone (fast); `npm run typecheck` does the type checking.
const moduleNameMapper = {
  '^@app/(api-client|config|contracts|delivery-engine|event-rules|messaging|observability|persistence|producer|webhooks)(|/.*)$': '<rootDir>/libs/$1/src$2',
};
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }] };
const common = {
  rootDir: __dirname,
  moduleFileExtensions: ['js', 'json', 'ts'],
  testEnvironment: 'node',
  moduleNameMapper,
  transform,
  setupFiles: ['reflect-metadata'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.js',
      setupFilesAfterEnv: ['<rootDir>/test/support/jest-setup.ts'],
      slowTestThreshold: 30,
    },
  ],
};
