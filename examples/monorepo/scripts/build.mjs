// Bundles src/*.js into dist/index.js; fails if a workspace dependency was not built first.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const cwd = process.cwd();
const manifest = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'));
for (const dependency of Object.keys(manifest.dependencies ?? {})) {
  const folder = dependency.split('/')[1];
  if (!existsSync(join(cwd, '..', folder, 'dist', 'index.js'))) {
    console.error(`${manifest.name}: dependency ${dependency} is not built yet`);
    process.exit(1);
  }
}
const files = readdirSync(join(cwd, 'src')).filter((f) => f.endsWith('.js')).sort();
mkdirSync(join(cwd, 'dist'), { recursive: true });
writeFileSync(join(cwd, 'dist', 'index.js'), files.map((f) => readFileSync(join(cwd, 'src', f), 'utf8')).join('\n'));
console.log(`built ${manifest.name}: ${files.length} file(s)`);
