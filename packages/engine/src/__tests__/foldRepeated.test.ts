import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import { foldRepeated } from '../diagnostics/foldRepeated.js';

const at = { file: '/r/orchestrator.config.json', line: 3, column: 20 };
const problem = (id: string, message = "dependency on an unknown command 'biuld'", location = at): Diagnostic => ({
  severity: 'error',
  code: 'graph/unknown-dependency',
  message: `${id}: ${message}`,
  location,
  hint: "did you mean 'build'?",
  owner: { kind: 'command', id },
});

describe('foldRepeated', () => {
  it('says one problem of one config entry once for every package, with how many and which', () => {
    const ids = Array.from({ length: 12 }, (_, i) => `pkg${String(i).padStart(2, '0')}#test`);
    const folded = foldRepeated(ids.map((id) => problem(id)));
    expect(folded).toEqual([{ ...problem(ids[0]!), message: "test: dependency on an unknown command 'biuld' (in 12 packages: pkg00, pkg01, pkg02, pkg03, pkg04, pkg05, pkg06, pkg07, pkg08, pkg09 and 2 more)" }]);
  });

  it('keeps apart problems at other places or with other words, and keeps the order', () => {
    const other = problem('a#test', 'dependency on an unknown command \'tset\'');
    const elsewhere = problem('b#test', undefined, { ...at, line: 9 });
    const config: Diagnostic = { severity: 'warning', code: 'config/unused-target', message: 'targets.biuld: no package has a biuld script', owner: { kind: 'config' } };
    expect(foldRepeated([problem('a#test'), config, other, elsewhere, problem('c#test')]).map((d) => d.message)).toEqual([
      "test: dependency on an unknown command 'biuld' (in 2 packages: a, c)",
      'targets.biuld: no package has a biuld script',
      "a#test: dependency on an unknown command 'tset'",
      "b#test: dependency on an unknown command 'biuld'",
    ]);
  });

  it('names tasks that are not one target of several packages as tasks', () => {
    expect(foldRepeated([problem('release/ship'), problem('web#deploy')]).map((d) => d.message)).toEqual(["release/ship and 1 more: dependency on an unknown command 'biuld' (in 2 tasks: release/ship, web#deploy)"]);
  });
});
