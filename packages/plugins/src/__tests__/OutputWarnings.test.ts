import { describe, expect, it } from 'vitest';
import { Engine, resolveConfig, type OrchEvent } from '@orch/engine';
import { tempRepo } from '../../../../test/helpers/tempRepo.js';
import { OutputWarnings } from '../cache/OutputWarnings.js';

describe('OutputWarnings', () => {
  it('says a problem of many tasks once, folded, and what an earlier cycle said for the repository not again', () => {
    const root = tempRepo({}, { git: false });
    const engine = new Engine({ config: resolveConfig({}, root) });
    const said: string[] = [];
    engine.hooks.event.tap('test', (event: OrchEvent) => {
      if (event.type === 'warning') said.push(event.message);
    });
    const warnings = new OutputWarnings(root);
    for (const name of ['web', 'api', 'docs']) warnings.add(`${name}#build`, "output 'dist/**' matched no file");
    warnings.add('web#build', "output 'out/**' points outside the task's folder; nothing there is cached or restored");
    warnings.flush(engine, 'test');
    expect(said).toEqual([
      "build: output 'dist/**' matched no file (in 3 packages: api, docs, web)",
      "web#build: output 'out/**' points outside the task's folder; nothing there is cached or restored",
    ]);

    // The next watch cycle opens the workspace anew: web and api again as before, and one new package.
    said.length = 0;
    const next = new OutputWarnings(root);
    for (const name of ['web', 'api', 'ui']) next.add(`${name}#build`, "output 'dist/**' matched no file");
    next.flush(engine, 'test');
    expect(said).toEqual(["ui#build: output 'dist/**' matched no file"]);
    // Another repository in the same process is told its own.
    said.length = 0;
    const other = new OutputWarnings(tempRepo({}, { git: false }));
    other.add('web#build', "output 'dist/**' matched no file");
    other.flush(engine, 'test');
    expect(said).toEqual(["web#build: output 'dist/**' matched no file"]);
  });
});
