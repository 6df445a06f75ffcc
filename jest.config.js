// Two projects: `unit` (pure logic beside the code, no infrastructure) and `integration`
// (test/, against the real Kafka and PostgreSQL that `npm run infra -- up` starts).
const moduleNameMapper = {
  '^@app/(config|contracts|messaging|observability|persistence|webhooks)(|/.*)$': '<rootDir>/libs/$1/src$2',
};
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', isolatedModules: true }] };
const common = { rootDir: __dirname, moduleFileExtensions: ['js', 'json', 'ts'], testEnvironment: 'node', moduleNameMapper, transform };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'] },
    { ...common, displayName: 'integration', testMatch: ['<rootDir>/test/**/*.int-spec.ts'], testTimeout: 120000, slowTestThreshold: 30 },
  ],
};
