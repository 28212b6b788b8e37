import type { OrchConfig } from '@orch/cli';

export default {
  // A third-party gate, by package name with options (examples/gate-plugin).
  plugins: [['orch-gate-bundle-size', { maxKb: 64, files: ['dist/**/*.js'] }]],
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
