import type { OrchConfig } from '@orch/cli';

// orch's own configuration: the repository builds, type-checks and tests itself with orch
// (`npm test` is `orch run test`; scripts/setup.mjs bootstraps the first build with tsc).
export default {
  workspaces: ['packages/*'],
  commands: {
    build: {
      description: 'Compile every package (TypeScript project references, incremental) and bundle the orch binary',
      run: 'node node_modules/typescript/bin/tsc -b packages/cli && node scripts/bundle.mjs',
    },
    typecheck: {
      description: 'Type-check the packages and the tests',
      run: 'node node_modules/typescript/bin/tsc -p tsconfig.test.json --noEmit',
    },
    test: {
      description: 'Run the whole test suite with vitest (arguments after -- go to vitest)',
      run: 'node node_modules/vitest/vitest.mjs run "$@"',
      dependencies: ['build'],
    },
    bench: {
      description: 'Run the benchmarks and print their figures',
      run: 'node bench/run.mjs "$@"',
      dependencies: ['build'],
      // BENCH_SIZES, BENCH_FULL... choose what is measured (docs in bench/run.mjs).
      env: ['BENCH_*'],
      // A benchmark measures: a replayed result would measure nothing.
      cache: false,
    },
  },
  workflows: {
    ci: { description: 'Build, type-check, then run the tests', steps: ['build', 'typecheck', 'test'] },
  },
} satisfies OrchConfig;
