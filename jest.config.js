// Jest in ESM mode with ts-jest. Run through `npm test` / `node scripts/test.mjs <kind> [paths]`, which
// passes --experimental-vm-modules, starts the moto server for integration/dist tests and cleans up temp files.
import vm from 'node:vm';

// Without Node's VM-modules support jest silently falls back to CommonJS and half the suites fail with a
// misleading "Cannot find module": stop at once with the command to use instead.
if (typeof vm.SourceTextModule !== 'function') {
  const pointer = new Error(
    "Jest here needs Node's --experimental-vm-modules: run tests with `npm test` or `node scripts/test.mjs unit <path>` (or `NODE_OPTIONS=--experimental-vm-modules npx jest <path>`).",
  );
  pointer.stack = pointer.message; // one line, no trace
  throw pointer;
}

/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } },
    ],
  },
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/helpers/setup.ts'],
  testTimeout: 60000,
  clearMocks: true,
};
