/** What a parsed JSON value is, as a message says it when an object was expected: `null`, `a list`, `a string`, `a number`, `an object`. */
export function describeJsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
