import type { BaseIssue } from 'valibot';
import { didYouMean } from './closestMatches.js';
import type { Diagnostic, SourceLocation } from './Diagnostic.js';

export interface SchemaDiagnosticOptions {
  /** Diagnostic code, e.g. `config/invalid`. */
  code: string;
  /** Where a key path is written (the key itself with `key: true`). */
  locate(path: readonly (string | number)[], options?: { key?: boolean }): { location: SourceLocation; sourceLine?: string };
  /** The valid keys of the object at `path`, for "did you mean" and the list of valid keys (`objectKeysAt`). */
  knownKeys(path: readonly (string | number)[]): readonly string[] | undefined;
  /** Keys the checked value sits under, named in messages only (front matter's `env` for its list). */
  prefix?: readonly (string | number)[];
}

/** A key path as written in messages: `targets.build.inputs[0]`, `env[0]` (never `env0` or `env.0`). */
export function keyPath(path: readonly (string | number)[]): string {
  return path.map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? key : `.${key}`)).join('');
}

type Path = (string | number)[];

/**
 * Turns schema issues into diagnostics that say where, what was found and what is expected, in
 * words (`concurrency: expected 1 or more, found -1`; `found 10n (a BigInt)`). Every unknown key
 * of an object is reported, each at its place with "did you mean" or, when nothing is close,
 * the valid keys (valibot itself stops at the first unknown key of each object).
 */
export function schemaDiagnostics(issues: readonly BaseIssue<unknown>[], options: SchemaDiagnosticOptions): Diagnostic[] {
  const named = (path: Path): string => keyPath([...(options.prefix ?? []), ...path]) || 'the top level';
  return issues.flatMap(insideUnion).flatMap((issue): Diagnostic[] => {
    const path = (issue.path ?? []).map((item) => item.key as string | number);
    if (issue.type === 'strict_object' && issue.expected === 'never') return unknownKeys(issue, path, options);
    const keyIssue = issue.path?.at(-1)?.origin === 'key';
    if (keyIssue && issue.input === undefined && /_?object$/.test(issue.type)) {
      // A required key that is not there: said at the object that lacks it.
      const parent = path.slice(0, -1);
      const { location, sourceLine } = options.locate(parent);
      const message = `${named(parent)}: missing key '${String(path.at(-1))}'`;
      return [{ severity: 'error', code: options.code, message, location, ...(sourceLine === undefined ? {} : { sourceLine }) }];
    }
    const { location, sourceLine } = options.locate(path, keyIssue ? { key: true } : undefined);
    const message = keyIssue
      ? `${describeFound(issue.input)} is not a valid name in ${named(path.slice(0, -1))}: expected ${describeExpected(issue)}`
      : `${named(path)}: expected ${describeExpected(issue)}, found ${describeFound(issue.input)}`;
    return [{ severity: 'error', code: options.code, message, location, ...(sourceLine === undefined ? {} : { sourceLine }) }];
  });
}

/**
 * A value that has the shape of one option of a union but is wrong inside (`retry: { tries: 3 }`)
 * is reported by what is wrong inside (the unknown key), not as "expected a number or a
 * mapping". valibot keeps the options' issues with paths relative to the union's value.
 */
function insideUnion(issue: BaseIssue<unknown>): BaseIssue<unknown>[] {
  if (issue.type !== 'union' || !issue.issues) return [issue];
  const inside = issue.issues.filter((sub) => (sub.path?.length ?? 0) > 0);
  if (inside.length === 0) return [issue];
  return inside.flatMap((sub) => insideUnion({ ...sub, path: [...(issue.path ?? []), ...(sub.path ?? [])] as BaseIssue<unknown>['path'] }));
}

/** One diagnostic per unknown key of the object the issue is about, the reported key and every other. */
function unknownKeys(issue: BaseIssue<unknown>, path: Path, options: SchemaDiagnosticOptions): Diagnostic[] {
  const parent = path.slice(0, -1);
  const known = options.knownKeys(parent);
  const object = issue.path?.at(-1)?.input;
  const keys = known && typeof object === 'object' && object !== null ? Object.keys(object).filter((key) => !known.includes(key)) : [String(path.at(-1))];
  return keys.map((key) => {
    const { location, sourceLine } = options.locate([...parent, key], { key: true });
    const hint = (known && didYouMean(key, known)) ?? (known && known.length > 0 ? `valid keys: ${known.join(', ')}` : undefined);
    return {
      severity: 'error',
      code: options.code,
      message: `unknown key '${key}'${parent.length > 0 || options.prefix?.length ? ` in ${keyPath([...(options.prefix ?? []), ...parent])}` : ''}`,
      location,
      ...(sourceLine === undefined ? {} : { sourceLine }),
      ...(hint ? { hint } : {}),
    };
  });
}

/** What the schema wanted, in words. */
function describeExpected(issue: BaseIssue<unknown>): string {
  const requirement = (issue as { requirement?: unknown }).requirement;
  const isText = typeof issue.input === 'string';
  switch (issue.type) {
    case 'union': {
      // Each option's expectation, once: `a number or a string`.
      const options = (issue.issues ?? []).map(describeExpected);
      return options.length > 0 ? [...new Set(options)].join(' or ') : describeTypes(issue.expected);
    }
    case 'picklist':
      return `one of ${(issue.expected ?? '').replace(/^\(|\)$/g, '').replaceAll('"', "'").split(' | ').join(', ')}`;
    case 'min_value':
      return `${String(requirement)} or more`;
    case 'max_value':
      return `${String(requirement)} or less`;
    case 'integer':
      return 'a whole number';
    case 'min_length':
      return requirement === 1 ? (isText ? 'text that is not empty' : 'a list that is not empty') : `at least ${String(requirement)} ${isText ? 'characters' : 'items'}`;
    case 'max_length':
      return `at most ${String(requirement)} ${isText ? 'characters' : 'items'}`;
    case 'url':
      return 'a URL such as https://cache.example.com';
    case 'check':
    case 'custom':
    case 'regex':
    case 'raw_check':
      // The schema's own words; valibot's default ones say "Invalid …: Expected …".
      return /^Invalid \w+: /.test(issue.message) ? `a value matching ${issue.expected ?? 'the rule'}` : issue.message;
    default:
      return describeTypes(issue.expected);
  }
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  bigint: 'a BigInt',
  boolean: 'true or false',
  Array: 'a list',
  Object: 'a mapping',
  Function: 'a function',
  null: 'null',
  undefined: 'undefined',
  never: 'nothing',
};

/** valibot's `(number | "x" | Object)` as `a number or x or a mapping`. */
function describeTypes(expected: string | null): string {
  const parts = (expected ?? 'something').replace(/^\(|\)$/g, '').split(' | ');
  return [...new Set(parts.map((part) => TYPE_WORDS[part] ?? part.replace(/^"(.*)"$/, "'$1'")))].join(' or ');
}

/** The value found, as a person reads it: `"text"`, `-1`, `10n (a BigInt)`, `a list`, `a mapping`. */
function describeFound(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}…` : value);
    case 'bigint':
      return `${value}n (a BigInt)`;
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return 'a list';
      const prototype = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
      return prototype === null || prototype === Object.prototype ? 'a mapping' : `a ${prototype.constructor?.name ?? 'object'}`;
    }
    default:
      return String(value);
  }
}
