export const targets = { build: { dependsOn: ['^build'], outputs: ['dist/**'], env: ['OTHER'] } };
