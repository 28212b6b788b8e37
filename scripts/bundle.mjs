#!/usr/bin/env node
// Builds the `orch` binary from the compiled packages (run after `tsc -b packages/cli`, as
// `npm run setup` and `orch run build` do): packages/cli/dist/bin.js (a link to bin.cjs), a bundle
// (scripts/bundleOrch.mjs says what it holds and what stays external, resolved from @orch/cli's
// dependencies).
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { bundleOrch, root } from './bundleOrch.mjs';

const cliDist = join(root, 'packages', 'cli', 'dist');
const current = new Set(await bundleOrch(cliDist));

// Chunks of earlier builds are kept a day: an orch started before this build (`orch run ci`
// rebuilds itself) still imports its own chunks, which are named by content hash.
const dayAgo = Date.now() - 24 * 60 * 60 * 1000;
for (const name of readdirSync(join(cliDist, 'bundle'))) {
  const file = join(cliDist, 'bundle', name);
  if (!current.has(file) && statSync(file).mtimeMs < dayAgo) rmSync(file, { force: true });
}
