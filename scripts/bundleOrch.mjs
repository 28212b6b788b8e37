// How the `orch` program is bundled, shared by `scripts/bundle.mjs` (the binary this repository
// runs: packages/cli/dist/bin.js) and `scripts/pack.mjs` (the published @orch/cli package).
//
// The bundle holds the three packages and the small libraries they use, split at every dynamic
// import so a command loads only its own code: one file to compile instead of ~200 modules to
// resolve and link (issue 13: `orch affected --list` 25% less CPU). Libraries with files of their
// own at run time (piscina's worker, jiti's transpiler, tar) or that a bundle breaks
// (cosmiconfig's and bullmq/ioredis's CommonJS interop, write-file-atomic's __filename) stay external, as do those
// loaded through createRequire (yaml, jsonc-parser, js-yaml, proper-lockfile) and the report's
// graph library, read from its package (cytoscape, cytoscape-dagre): `RUNTIME_LIBRARIES`.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Libraries esbuild leaves out of the bundle (imported at run time). */
const EXTERNAL = ['bullmq', 'cosmiconfig', 'ioredis', 'jiti', 'piscina', 'tar', 'write-file-atomic'];

/**
 * Libraries the bundle loads at run time, so dependencies of whatever ships it: the external
 * ones and those loaded through createRequire, which esbuild cannot see (picomatch: fdir's
 * optional glob support, looked up with require).
 */
export const RUNTIME_LIBRARIES = [...EXTERNAL, 'yaml', 'jsonc-parser', 'js-yaml', 'proper-lockfile', 'cytoscape', 'cytoscape-dagre', 'picomatch'];

/** Only looked up when present (cosmiconfig's TypeScript loader): never a dependency. */
const OPTIONAL_EXTERNALS = ['typescript'];

export const ORCH_VERSION = JSON.parse(readFileSync(join(root, 'packages', 'engine', 'package.json'), 'utf8')).version;

/**
 * Bundles `entries` (name → compiled module) into `outdir` (chunks in `outdir/bundle/`, beside
 * the worker threads' module, which is loaded by path next to the chunk that starts it).
 * Returns the files written, absolute.
 */
export async function bundleOrch(outdir, entries) {
  const { build } = await import('esbuild');
  const shared = {
    absWorkingDir: root,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: [...EXTERNAL, ...OPTIONAL_EXTERNALS],
    // Bundled CommonJS libraries call `require` for Node's own modules.
    banner: { js: "import { createRequire as __orchCreateRequire } from 'node:module'; const require = __orchCreateRequire(import.meta.url);" },
    define: { __ORCH_VERSION__: JSON.stringify(ORCH_VERSION) },
    logLevel: 'warning',
  };
  const built = await build({ ...shared, entryPoints: entries, outdir, entryNames: '[name]', chunkNames: 'bundle/[name]-[hash]', splitting: true, metafile: true });
  const worker = join(outdir, 'bundle', 'nodeTaskWorker.js');
  await build({ ...shared, entryPoints: [join(root, 'packages', 'plugins', 'dist', 'executors', 'nodeTaskWorker.js')], outfile: worker });
  return [...Object.keys(built.metafile.outputs).map((file) => join(root, file)), worker];
}
