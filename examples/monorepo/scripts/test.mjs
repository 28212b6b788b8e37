// Loads the package's bundle and checks its exported `check()` answers true.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const cwd = process.cwd();
const name = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')).name;
const module = { exports: {} };
new Function('module', 'exports', readFileSync(join(cwd, 'dist', 'index.js'), 'utf8'))(module, module.exports);
if (module.exports.check?.() !== true) {
  console.error(`${name}: check() failed`);
  process.exit(1);
}
console.log(`${name}: 1 passed, 0 failed`);
