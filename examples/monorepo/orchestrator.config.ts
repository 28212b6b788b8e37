import type { OrchConfig } from '@orch/cli';

export default {
  targets: {
    build: { dependsOn: ['^build'], inputs: ['src/**'], outputs: ['dist/**'] },
    test: { dependsOn: ['build'] },
  },
  workflows: {
    ci: {
      description: 'Lint, build and test every package, then verify quality',
      steps: ['lint', 'test', 'quality/verify'],
    },
  },
} satisfies OrchConfig;
