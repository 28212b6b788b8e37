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
import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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
 * The modules the entry imports dynamically, each an entry of the split ES module bundle, as
 * `bundle/<name>.js`: the CommonJS entry imports them there.
 */
const ENTRY_IMPORTS = {
  './runHere.js': ['runHere', 'packages/cli/dist/runHere.js'],
  './daemon/serveDaemon.js': ['serveDaemon', 'packages/cli/dist/daemon/serveDaemon.js'],
  './runWhole.js': ['runWhole', 'packages/cli/dist/runWhole.js'],
};

/** The entry imports bundled whole, as one module each: not split (`bundleOrch`). */
const WHOLE = new Set(['runWhole']);

/**
 * Bundles the `orch` program into `outdir`, with `entries` (name → compiled module) besides
 * (`index`: the public API, for the published package):
 *
 * - `bin.cjs`, the entry (`packages/cli/dist/cli.js`), one CommonJS file: what asking the daemon
 *   takes, and nothing else. Node starts a CommonJS entry about 10 ms sooner than an ES module
 *   one with its imports (issue 13: a tenth of a served full hit at 100 packages);
 * - `bin.js`, a symbolic link to `bin.cjs` (Node runs a link by its target, as CommonJS), so the
 *   program keeps its path; where links cannot be made, a one-line ES module importing it;
 * - `bundle/`, the rest as ES modules split at every dynamic import (`ENTRY_IMPORTS` are the
 *   entry's), beside the worker threads' module, which is loaded by path next to the chunk that
 *   starts it;
 * - `bundle/runWhole.js`, the same program as `runHere` bundled whole (`WHOLE`), what a run in the
 *   client's own process loads: Node 20 resolves and links each ES module on its own, and a run
 *   loads ~65 chunks of the split bundle (issue 13: a full hit of 100 packages alone ~60 ms
 *   sooner). The help and the version stay on the split chunks (`cli.ts`), ~35 ms faster there.
 *
 * Returns the files written, absolute.
 */
export async function bundleOrch(outdir, entries = {}) {
  const { build } = await import('esbuild');
  const shared = {
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    target: 'node20',
    external: [...EXTERNAL, ...OPTIONAL_EXTERNALS],
    define: { __ORCH_VERSION__: JSON.stringify(ORCH_VERSION) },
    logLevel: 'warning',
  };
  const esm = {
    ...shared,
    format: 'esm',
    // Bundled CommonJS libraries call `require` for Node's own modules.
    banner: { js: "import { createRequire as __orchCreateRequire } from 'node:module'; const require = __orchCreateRequire(import.meta.url);" },
  };
  const entryPoints = (whole) => Object.fromEntries(Object.values(ENTRY_IMPORTS).filter(([name]) => WHOLE.has(name) === whole).map(([name, file]) => [`bundle/${name}`, join(root, file)]));
  const built = await build({ ...esm, entryPoints: { ...entries, ...entryPoints(false) }, outdir, entryNames: '[dir]/[name]', chunkNames: 'bundle/[name]-[hash]', splitting: true, metafile: true });
  // Its dynamic imports are bundled into it too: one module to resolve and link.
  const whole = await build({ ...esm, entryPoints: entryPoints(true), outdir, entryNames: '[dir]/[name]', splitting: false, metafile: true });
  const entry = join(outdir, 'bin.cjs');
  const toChunks = {
    name: 'orch-entry-imports',
    setup(plugin) {
      plugin.onResolve({ filter: /^(\.|@orch\/plugins)/ }, (args) => (args.kind === 'dynamic-import' && ENTRY_IMPORTS[args.path] ? { path: `./bundle/${ENTRY_IMPORTS[args.path][0]}.js`, external: true } : undefined));
    },
  };
  await build({ ...shared, format: 'cjs', entryPoints: [join(root, 'packages', 'cli', 'dist', 'cli.js')], outfile: entry, plugins: [toChunks] });
  const link = join(outdir, 'bin.js');
  rmSync(link, { force: true });
  try {
    symlinkSync('bin.cjs', link);
  } catch {
    writeFileSync(link, "#!/usr/bin/env node\nimport './bin.cjs';\n");
  }
  const worker = join(outdir, 'bundle', 'nodeTaskWorker.js');
  await build({ ...esm, entryPoints: [join(root, 'packages', 'plugins', 'dist', 'executors', 'nodeTaskWorker.js')], outfile: worker });
  return [...[built, whole].flatMap((result) => Object.keys(result.metafile.outputs)).map((file) => join(root, file)), entry, link, worker];
}
