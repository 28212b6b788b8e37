import type { OrchConfig } from '@orch/cli';

// orch's own configuration: the repository builds and tests itself with orch.
export default {
  // orch's own command tree is the bundled example's; the repository has none at its root.
  commandsDir: '.claude/commands',
  workspaces: ['packages/*'],
  commands: {
    build: {
      description: 'Compile every package with TypeScript project references',
      run: 'node node_modules/typescript/bin/tsc -b packages/cli',
      inputs: ['packages/*/src/**', 'packages/*/tsconfig.json', 'tsconfig.base.json'],
      outputs: ['packages/*/dist/**'],
    },
    test: {
      description: 'Run the whole test suite with vitest',
      run: 'node node_modules/vitest/vitest.mjs run',
      dependencies: ['build'],
    },
    bench: {
      description: 'Run the benchmarks and print their figures',
      run: 'node bench/run.mjs',
      dependencies: ['build'],
    },
  },
  workflows: {
    ci: { description: 'What CI runs: build, then the tests', steps: ['build', 'test'] },
  },
} satisfies OrchConfig;
