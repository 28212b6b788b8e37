#!/usr/bin/env node
// The README's main job on the bundled example (examples/monorepo): validate it, show the
// plan, then run its `ci` workflow for real: lint, build and test three packages in dependency
// order and in parallel, then the markdown command quality/verify.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const example = join(root, 'examples', 'monorepo');
const orch = (...args) => {
  console.log(`\n$ orch ${args.join(' ')}`);
  execFileSync(process.execPath, [join(root, 'packages', 'cli', 'dist', 'bin.js'), ...args], { cwd: example, stdio: 'inherit' });
};
orch('validate');
orch('list');
orch('run', 'ci', '--dry-run');
orch('run', 'ci');
