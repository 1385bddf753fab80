// The example apps' end-to-end tests (examples/<name>/test/*.test.ts), run by
// scripts/test-examples.mjs as `vitest run --config scripts/vitest.examples.config.ts
// --root examples/<name>`. Not part of `npm test`: each example is installed and built first.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/.next/**', '**/dist/**'],
    // One browser at a time, as in the root e2e project.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 90_000,
  },
});
