#!/usr/bin/env node
// Builds the package users install, `@orch/cli`, and packs it with `npm pack`:
//
//   node scripts/pack.mjs [--out DIR]      (after `npm run setup`; default DIR: .pack/)
//
// prints the tarball's path. The workspace's @orch/cli depends on @orch/engine and
// @orch/plugins through `workspace:*`, which no registry resolves; the published one is
// self-contained: the bundle of all three (scripts/bundleOrch.mjs) as `dist/bin.cjs` (the `orch`
// binary) and `dist/index.js` (defineConfig, definePlugin...), the three packages' type
// declarations under `dist/types/` with their imports of each other made relative, the README
// and the docs it and `orch init`'s config point to, and as dependencies only the libraries the
// bundle loads at run time and those its public type declarations import, at the ranges the
// workspace packages declare.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { bundleOrch, ORCH_VERSION, root, RUNTIME_LIBRARIES } from './bundleOrch.mjs';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = resolve(values.out ?? join(root, '.pack'));
const stage = join(out, 'cli');
const packages = join(root, 'packages');
const manifest = (name) => JSON.parse(readFileSync(join(packages, name, 'package.json'), 'utf8'));

rmSync(stage, { recursive: true, force: true });
mkdirSync(stage, { recursive: true });
await bundleOrch(join(stage, 'dist'), { index: join(packages, 'cli', 'dist', 'index.js') });
// The binary is bin.cjs itself: npm links `orch` to it on install (no link of our own to pack).
rmSync(join(stage, 'dist', 'bin.js'), { force: true });
copyDeclarations(join(stage, 'dist', 'types'));
const typeLibraries = publicTypeLibraries(join(stage, 'dist', 'types'), 'cli/index.d.ts');
cpSync(join(root, 'README.md'), join(stage, 'README.md'));
cpSync(join(root, 'docs'), join(stage, 'docs'), { recursive: true });
writeFileSync(join(stage, 'package.json'), `${JSON.stringify(publishedManifest(), null, 2)}\n`);

const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: stage, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } }));
console.log(join(out, packed.filename));

function publishedManifest() {
  const cli = manifest('cli');
  return {
    name: cli.name,
    version: ORCH_VERSION,
    description: 'orch: a plugin-driven command orchestration engine for repositories and monorepos (markdown commands, package scripts, content-hashed cache, resumable sessions)',
    keywords: ['monorepo', 'task-runner', 'build', 'cache', 'workspaces', 'claude-code', 'turborepo'],
    license: cli.license,
    type: 'module',
    bin: { orch: './dist/bin.cjs' },
    main: './dist/index.js',
    types: './dist/types/cli/index.d.ts',
    exports: { '.': { types: './dist/types/cli/index.d.ts', default: './dist/index.js' }, './package.json': './package.json' },
    files: ['dist', 'docs', 'README.md'],
    engines: cli.engines,
    dependencies: Object.fromEntries([...new Set([...RUNTIME_LIBRARIES, ...typeLibraries])].sort().map((name) => [name, declaredRange(name)])),
  };
}

/** The range a workspace package declares for `name` (the CLI's first, as it is the one installed today). */
function declaredRange(name) {
  for (const pkg of ['cli', 'plugins', 'engine']) {
    const range = manifest(pkg).dependencies?.[name];
    if (range) return range;
  }
  throw new Error(`pack: ${name} is loaded at run time but no workspace package depends on it; add it to one (pnpm add ${name} --filter @orch/cli)`);
}

/** Every package's `.d.ts` under `types/<package>/`, with `@orch/...` imports rewritten to relative paths. */
function copyDeclarations(typesDir) {
  const entries = { '@orch/engine': 'engine/index.js', '@orch/plugins': 'plugins/index.js', '@orch/plugins/preset': 'plugins/defaultPlugins.js', '@orch/plugins/inspect': 'plugins/inspect.js' };
  for (const pkg of ['engine', 'plugins', 'cli']) {
    for (const file of declarationFiles(join(packages, pkg, 'dist'))) {
      const target = join(typesDir, pkg, relative(join(packages, pkg, 'dist'), file));
      const text = readFileSync(file, 'utf8').replace(/(from |import\()'(@orch\/[a-z/]+)'/g, (match, lead, specifier) => {
        if (!entries[specifier]) throw new Error(`pack: ${file} imports ${specifier}, which the package does not ship`);
        const path = relative(dirname(target), join(typesDir, entries[specifier])).split('\\').join('/');
        return `${lead}'${path.startsWith('.') ? path : `./${path}`}'`;
      });
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, text.replace(/\n\/\/# sourceMappingURL=.*\n?$/, '\n'));
    }
  }
}

/**
 * The libraries the public declarations import, in every file reachable from `entry`: a user's
 * `tsc` with `skipLibCheck: false` reads each of them (findings 15 #9), so each must be installed
 * with the package (valibot's schema types, tapable's hooks, yaml's documents), although the
 * bundle carries their code. Node's types are not a dependency: a reachable `node:` import or
 * `NodeJS.` type fails the pack, since a repository without @types/node could not check it.
 */
function publicTypeLibraries(typesDir, entry) {
  const libraries = new Set();
  const seen = new Set();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop();
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(join(typesDir, file), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    if (/\bNodeJS\./.test(code)) throw new Error(`pack: ${file} uses the NodeJS namespace in a public type; write the plain type (string, Record<string, string | undefined>) so a repository without @types/node can check it`);
    for (const [, specifier] of code.matchAll(/(?:from\s+|import\()['"]([^'"]+)['"]/g)) {
      if (specifier.startsWith('.')) pending.push(join(dirname(file), specifier.replace(/\.js$/, '.d.ts')));
      else if (specifier.startsWith('node:')) throw new Error(`pack: ${file} imports ${specifier} in a public type, which needs @types/node; keep Node's types out of the public API`);
      else libraries.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);
    }
  }
  return [...libraries];
}

function declarationFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'bundle' || name === '__tests__') return [];
    if (statSync(path).isDirectory()) return declarationFiles(path);
    return name.endsWith('.d.ts') ? [path] : [];
  });
}
