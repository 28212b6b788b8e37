import type { BaseIssue } from 'valibot';
import { didYouMean } from './closestMatches.js';
import type { Diagnostic, SourceLocation } from './Diagnostic.js';

export interface SchemaDiagnosticOptions {
  /** Diagnostic code, e.g. `config/invalid`. */
  code: string;
  /** Where a key path is written (the key itself with `key: true`). */
  locate(path: readonly (string | number)[], options?: { key?: boolean }): { location: SourceLocation; sourceLine?: string };
  /** The valid keys of the object at `path`, for "did you mean". */
  knownKeys(path: readonly (string | number)[]): readonly string[] | undefined;
}

/** Turns schema issues into diagnostics that say where, what was found and what is expected. */
export function schemaDiagnostics(issues: readonly BaseIssue<unknown>[], options: SchemaDiagnosticOptions): Diagnostic[] {
  return issues.map((issue) => {
    const path = (issue.path ?? []).map((item) => item.key as string | number);
    const where = path.length > 0 ? path.join('.') : 'the top level';
    if (issue.type === 'strict_object' && issue.expected === 'never') {
      const key = String(path.at(-1));
      const parent = path.slice(0, -1);
      const known = options.knownKeys(parent) ?? [];
      const suggestion = didYouMean(key, known);
      const { location, sourceLine } = options.locate(path, { key: true });
      return {
        severity: 'error',
        code: options.code,
        message: `unknown key '${key}'${parent.length > 0 ? ` in ${parent.join('.')}` : ''}`,
        location,
        ...(sourceLine === undefined ? {} : { sourceLine }),
        hint: [suggestion, known.length > 0 ? `valid keys: ${known.join(', ')}` : undefined].filter(Boolean).join(' '),
      } satisfies Diagnostic;
    }
    if (issue.path?.at(-1)?.origin === 'key') {
      const parent = path.slice(0, -1);
      const { location, sourceLine } = options.locate(path, { key: true });
      return {
        severity: 'error',
        code: options.code,
        message: `${issue.received} is not a valid name in ${parent.join('.') || 'the top level'}: expected ${describeExpected(issue)}`,
        location,
        ...(sourceLine === undefined ? {} : { sourceLine }),
      } satisfies Diagnostic;
    }
    const { location, sourceLine } = options.locate(path);
    return {
      severity: 'error',
      code: options.code,
      message: `${where}: expected ${describeExpected(issue)}, found ${issue.received}`,
      location,
      ...(sourceLine === undefined ? {} : { sourceLine }),
    } satisfies Diagnostic;
  });
}

function describeExpected(issue: BaseIssue<unknown>): string {
  const expected = issue.expected ?? issue.type;
  switch (issue.type) {
    case 'picklist':
      return `one of ${expected.replace(/^\(|\)$/g, '').replaceAll('"', "'").split(' | ').join(', ')}`;
    case 'check':
    case 'custom':
    case 'regex':
    case 'min_value':
    case 'min_length':
      return `${issue.message.replace(/^Invalid [^:]+: /, '')}`;
    default:
      return expected
        .replace(/^\(|\)$/g, '')
        .split(' | ')
        .map((part) => ({ Array: 'a list', string: 'a string', number: 'a number', boolean: 'true or false', Object: 'a mapping', Function: 'a function' })[part] ?? part)
        .join(' or ');
  }
}
