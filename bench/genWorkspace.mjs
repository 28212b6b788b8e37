// Generates the benchmark workspace: N packages with tree-shaped internal dependencies
// (package i depends on floor((i-1)/2) and floor((i-1)/3), as the shared bench workload), a
// few ~2 KB source files each, and a `build` script that checks its dependencies were built
// first and bundles src/ into dist/, and a pnpm-lock.yaml resolving external packages as real
// workspaces have. Deterministic for the same arguments.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const BUILD = `import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
const cwd = process.cwd();
const pkg = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'));
for (const dep of Object.keys(pkg.dependencies || {})) {
  const built = join(cwd, '..', dep.split('/')[1], 'dist', 'index.js');
  if (!existsSync(built)) { console.error(\`build \${pkg.name}: dependency \${dep} is not built\`); process.exit(1); }
}
const files = readdirSync(join(cwd, 'src')).filter((f) => f.endsWith('.js')).sort();
let out = '';
for (const f of files) out += readFileSync(join(cwd, 'src', f), 'utf8');
mkdirSync(join(cwd, 'dist'), { recursive: true });
writeFileSync(join(cwd, 'dist', 'index.js'), out);
if (process.env.BENCH_TASKLOG) appendFileSync(process.env.BENCH_TASKLOG, pkg.name + '\\n');
console.log(\`built \${pkg.name} (\${files.length} files)\`);
`;

export function treeDependencies(n) {
  return Array.from({ length: n }, (_, i) => (i === 0 ? [] : [...new Set([Math.floor((i - 1) / 2), Math.floor((i - 1) / 3)])].sort((a, b) => a - b)));
}

/**
 * A pnpm-lock.yaml (v9) for the workspace, as `pnpm install` writes one: each importer links its
 * workspace dependencies and resolves 3 to 6 of `external` registry packages, which depend on
 * each other (a DAG, a few levels deep), each with an integrity. Deterministic.
 */
export function generateLockfile(deps, names, external = Math.max(200, deps.length * 2)) {
  const ext = (k) => `ext-${String(k).padStart(4, '0')}`;
  const version = (k) => `${1 + (k % 5)}.${k % 13}.${k % 7}`;
  const integrity = (k) => `sha512-${Buffer.from(`${ext(k)}@${version(k)}`).toString('base64').padEnd(86, 'A')}==`;
  const extDeps = (k) => (k < 40 ? [] : [...new Set([k % 40, Math.floor(k / 2), Math.floor(k / 3) + 1].filter((d) => d < k))]);
  const lines = ["lockfileVersion: '9.0'", '', 'settings:', '  autoInstallPeers: true', '  excludeLinksFromLockfile: false', '', 'importers:', '', '  .: {}', ''];
  deps.forEach((internal, i) => {
    lines.push(`  packages/${names[i]}:`, '    dependencies:');
    const direct = Array.from({ length: 3 + (i % 4) }, (_, j) => (i * 7 + j * 131) % external);
    for (const k of [...new Set(direct)].sort((a, b) => a - b)) lines.push(`      ${ext(k)}:`, `        specifier: ^${version(k)}`, `        version: ${version(k)}`);
    for (const d of internal) lines.push(`      '@bench/${names[d]}':`, '        specifier: workspace:*', `        version: link:../${names[d]}`);
    lines.push('');
  });
  lines.push('packages:', '');
  for (let k = 0; k < external; k++) lines.push(`  ${ext(k)}@${version(k)}:`, `    resolution: {integrity: ${integrity(k)}}`, '');
  lines.push('snapshots:', '');
  for (let k = 0; k < external; k++) {
    const own = extDeps(k);
    if (own.length === 0) lines.push(`  ${ext(k)}@${version(k)}: {}`, '');
    else lines.push(`  ${ext(k)}@${version(k)}:`, '    dependencies:', ...own.map((d) => `      ${ext(d)}: ${version(d)}`), '');
  }
  return lines.join('\n');
}

export function generateWorkspace(dir, packages, { files = 3, lockfile = true } = {}) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  writeFileSync(join(dir, 'scripts', 'build.mjs'), BUILD);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bench-root', private: true }, null, 2));
  writeFileSync(join(dir, 'pnpm-workspace.yaml'), 'packages:\n  - packages/*\n');
  // BENCH_TASKLOG (the benchmark's count of tasks that ran) reaches tasks under the strict
  // environment only when passed through, as the shared benchmark's config does.
  writeFileSync(join(dir, 'orchestrator.config.json'), JSON.stringify({ globalPassThroughEnv: ['BENCH_TASKLOG'], targets: { build: { dependsOn: ['^build'], outputs: ['dist/**'] } } }, null, 2));
  const deps = treeDependencies(packages);
  const name = (i) => `p${String(i).padStart(3, '0')}`;
  for (let i = 0; i < packages; i++) {
    const root = join(dir, 'packages', name(i));
    mkdirSync(join(root, 'src'), { recursive: true });
    const dependencies = Object.fromEntries(deps[i].map((d) => [`@bench/${name(d)}`, 'workspace:*']));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: `@bench/${name(i)}`, version: '1.0.0', private: true, scripts: { build: 'node ../../scripts/build.mjs' }, dependencies }, null, 2));
    for (let f = 0; f < files; f++) {
      let text = `// ${name(i)}/src/f${f}.js\n`;
      for (let k = 0; text.length < 1900; k++) text += `function ${name(i)}_f${f}_${k}(x) { return (x * ${(i * 31 + k) % 997}) % ${(f + 3) * 7}; }\n`;
      writeFileSync(join(root, 'src', `f${f}.js`), `${text}module.exports.${name(i)}_f${f} = true;\n`);
    }
  }
  if (lockfile) writeFileSync(join(dir, 'pnpm-lock.yaml'), generateLockfile(deps, deps.map((_, i) => name(i))));
  // A real repository, as users have: git status then reads the index (side-effects gate).
  writeFileSync(join(dir, '.gitignore'), 'dist/\n.orch/\nnode_modules/\n');
  const git = (...args) => execFileSync('git', args, { cwd: dir, stdio: 'ignore' });
  git('init', '-q');
  git('add', '-A');
  git('-c', 'user.email=bench@orch', '-c', 'user.name=bench', 'commit', '-qm', 'generated workspace');
  return { deps, names: deps.map((_, i) => name(i)) };
}
