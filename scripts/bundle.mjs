#!/usr/bin/env node
// Builds the `orch` binary from the compiled packages (run after `tsc -b packages/cli`, as
// `npm run setup` and `orch run build` do).
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// The `orch` binary (packages/cli/dist/bin.js) is a bundle of the three packages and the small
// libraries they use, split at every dynamic import so a command loads only its own code: one
// file to compile instead of ~200 modules to resolve and link (issue 13: `orch affected --list`
// 25% less CPU). Libraries with files of their own at run time (piscina's worker, jiti's
// transpiler, tar) or that a bundle breaks (cosmiconfig's and bullmq/ioredis's CommonJS interop, write-file-atomic's
// __filename) stay external, resolved from @orch/cli's dependencies, as do those loaded through
// createRequire (yaml, jsonc-parser, js-yaml, proper-lockfile). dist/cli.js is the same program
// unbundled.
const { build } = await import('esbuild');
process.chdir(root);
const cliDist = join(root, 'packages', 'cli', 'dist');
const shared = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['bullmq', 'cosmiconfig', 'ioredis', 'jiti', 'piscina', 'tar', 'typescript', 'write-file-atomic'],
  // Bundled CommonJS libraries call `require` for Node's own modules.
  banner: { js: "import { createRequire as __orchCreateRequire } from 'node:module'; const require = __orchCreateRequire(import.meta.url);" },
  define: { __ORCH_VERSION__: JSON.stringify(JSON.parse(readFileSync(join(root, 'packages', 'engine', 'package.json'), 'utf8')).version) },
  logLevel: 'warning',
};
const built = await build({ ...shared, entryPoints: { bin: join(cliDist, 'cli.js') }, outdir: cliDist, entryNames: '[name]', chunkNames: 'bundle/[name]-[hash]', splitting: true, metafile: true });
// The worker threads' module (node executor, file hashing) is loaded by path, next to the chunk that starts it.
const worker = join(cliDist, 'bundle', 'nodeTaskWorker.js');
await build({ ...shared, entryPoints: [join(root, 'packages', 'plugins', 'dist', 'executors', 'nodeTaskWorker.js')], outfile: worker });

// Chunks of earlier builds are kept a day: an orch started before this build (`orch run ci`
// rebuilds itself) still imports its own chunks, which are named by content hash.
const current = new Set([...Object.keys(built.metafile.outputs).map((file) => join(root, file)), worker]);
const dayAgo = Date.now() - 24 * 60 * 60 * 1000;
for (const name of readdirSync(join(cliDist, 'bundle'))) {
  const file = join(cliDist, 'bundle', name);
  if (!current.has(file) && statSync(file).mtimeMs < dayAgo) rmSync(file, { force: true });
}
