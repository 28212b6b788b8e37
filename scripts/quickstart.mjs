#!/usr/bin/env node
// The README's main job on the bundled example: validate it, list its commands, and print
// the graph of its `ci` workflow, with the orch built by setup.
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
orch('show', 'release');
orch('graph', 'ci');
