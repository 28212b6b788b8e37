import { mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempRepo } from '../../../test/helpers/tempRepo.js';
import { runOrch } from '../../../test/helpers/runOrch.js';
import bundleSizeGate, { NAME } from '../index.js';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

/** A repository that has the gate installed, as `pnpm add -D orch-gate-bundle-size` would. */
function repoWithGate(options: object, script = "node -e \"require('fs').mkdirSync('dist',{recursive:true});require('fs').writeFileSync('dist/index.js','x'.repeat(3000))\"") {
  const dir = tempRepo({
    'package.json': JSON.stringify({ name: 'app', scripts: { build: script } }),
    'orchestrator.config.mjs': `export default { plugins: [['orch-gate-bundle-size', ${JSON.stringify(options)}]] };\n`,
  });
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(packageDir, join(dir, 'node_modules', NAME), 'dir');
  return dir;
}

describe('orch-gate-bundle-size', () => {
  it('is a gate plugin for the post-execution stage', () => {
    const plugin = bundleSizeGate({ maxKb: 10 });
    expect(plugin.name).toBe(NAME);
    expect(plugin.gate.stage).toBe('post');
  });

  it('rejects invalid options when the plugin is made', () => {
    expect(() => bundleSizeGate({ maxKb: 'big' } as never)).toThrow(/maxKb: Invalid type: Expected number/);
  });

  it('passes a task whose built files are under the limit, through orch by package name', () => {
    const run = runOrch(['run', 'app#build', '--json'], repoWithGate({ maxKb: 10 }));
    expect(run.code).toBe(0);
    const post = run.stdout.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.type === 'task-stage' && e.stage === 'postValidate');
    expect(post.verdicts.find((v: { gate: string }) => v.gate === NAME)).toMatchObject({ status: 'pass', message: '1 file, largest dist/index.js 2.9 KB (limit 10 KB)' });
  });

  it('fails a task whose built file grows past the limit', () => {
    const run = runOrch(['run', 'app#build'], repoWithGate({ maxKb: 1 }));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`✖ ${NAME}: dist/index.js is 2.9 KB, above 1 KB`);
  });

  it('stops orch at start-up when the config gives it bad options', () => {
    const run = runOrch(['run', 'app#build'], repoWithGate({ maxKb: -1 }));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`plugin '${NAME}'`);
    expect(run.stderr).toContain('rejected its options: maxKb: Invalid value: Expected >=0 but received -1');
  });
});
