import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (name: string, entry = 'index') => fileURLToPath(new URL(`./packages/${name}/src/${entry}.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources; end-to-end tests run the built binary.
    alias: [
      { find: /^@orch\/engine$/, replacement: source('engine') },
      { find: /^@orch\/plugins$/, replacement: source('plugins') },
      { find: /^@orch\/plugins\/inspect$/, replacement: source('plugins', 'inspect') },
      { find: /^@orch\/plugins\/preset$/, replacement: source('plugins', 'defaultPlugins') },
    ],
  },
  test: {
    include: ['packages/*/src/**/__tests__/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/test/**/*.test.ts'],
    setupFiles: ['test/setupEnv.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
