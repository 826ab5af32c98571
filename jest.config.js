// The SDK versions are pinned in package.json; its notice about future Node 22 requirements would
// be printed by every worker and every process the tests spawn (they inherit this environment).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// CommonJS project; @middy/core and jose ship ESM only, so swc transpiles them too.
const transform = {
  '^.+\\.(t|j|mj)sx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
};
const common = {
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns: ['/node_modules/(?!(@middy|jose)/)'],
};

module.exports = {
  // Jest reads testTimeout from the top level only: a project's own value is ignored.
  testTimeout: 30000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'], setupFiles: ['<rootDir>/test/setup-env.ts'] },
    {
      ...common,
      displayName: 'infra',
      testMatch: ['<rootDir>/test/infra/**/*.test.ts'],
      // One `cdk synth` per run, shared by the files (test/helpers/synthesized.ts).
      globalSetup: '<rootDir>/test/infra/synth-once.ts',
      globalTeardown: '<rootDir>/test/infra/synth-stop.ts',
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      setupFiles: ['<rootDir>/test/setup-env.ts'],
    },
  ],
};
