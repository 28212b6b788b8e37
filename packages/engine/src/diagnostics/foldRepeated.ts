import type { Diagnostic } from './Diagnostic.js';
import { listNames } from './listNames.js';

/**
 * The same problem in many tasks, said once (issue 15, part 5): diagnostics owned by commands
 * that differ only in the task they name (`web#test: ...`, `ui#test: ...`, one `targets.test`
 * entry at one place) become one, `test: ... (in 2 packages: ui, web)`; for tasks that are not
 * one target of several packages, `(in 3 tasks: ...)`. Order is kept (each group where its first
 * was). For display: `--json` keeps one diagnostic per task, and runs are still blocked by
 * the diagnostics themselves (`blocksRun`).
 */
export function foldRepeated(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const groups = new Map<string, { first: Diagnostic; rest: string; ids: string[] }>();
  const out: (Diagnostic | string)[] = [];
  for (const diagnostic of diagnostics) {
    const id = diagnostic.owner?.kind === 'command' ? diagnostic.owner.id : undefined;
    if (id === undefined || !diagnostic.message.startsWith(`${id}: `)) {
      out.push(diagnostic);
      continue;
    }
    const rest = diagnostic.message.slice(id.length + 2);
    const { location: at } = diagnostic;
    const key = [diagnostic.severity, diagnostic.code, at?.file, at?.line, at?.column, rest, diagnostic.hint].join('\0');
    const group = groups.get(key);
    if (group) group.ids.push(id);
    else {
      groups.set(key, { first: diagnostic, rest, ids: [id] });
      out.push(key);
    }
  }
  return out.map((entry) => {
    if (typeof entry !== 'string') return entry;
    const { first, rest, ids } = groups.get(entry)!;
    return ids.length === 1 ? first : { ...first, message: `${subject(ids)}: ${rest} (in ${where(ids)})` };
  });
}

/** `test` when every id is that target of some package, else the first id and how many more. */
function subject(ids: readonly string[]): string {
  const targets = new Set(ids.map((id) => (id.includes('#') ? id.slice(id.lastIndexOf('#') + 1) : id)));
  return targets.size === 1 && ids.every((id) => id.includes('#')) ? [...targets][0]! : `${ids[0]} and ${ids.length - 1} more`;
}

function where(ids: readonly string[]): string {
  const packages = ids.every((id) => id.includes('#')) && new Set(ids.map((id) => id.slice(id.lastIndexOf('#') + 1))).size === 1;
  return packages ? `${ids.length} packages: ${listNames(ids.map((id) => id.slice(0, id.lastIndexOf('#'))))}` : `${ids.length} tasks: ${listNames(ids)}`;
}
