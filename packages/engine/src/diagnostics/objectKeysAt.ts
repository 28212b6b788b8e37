import type { GenericSchema } from 'valibot';

/** The parts of valibot's schema objects this walk reads. */
interface SchemaShape {
  kind?: string;
  type?: string;
  pipe?: readonly SchemaShape[];
  wrapped?: SchemaShape;
  options?: readonly SchemaShape[];
  entries?: Record<string, SchemaShape>;
  value?: SchemaShape;
  item?: SchemaShape;
  items?: readonly SchemaShape[];
}

const OBJECTS = new Set(['strict_object', 'object', 'loose_object']);
const WRAPPERS = new Set(['optional', 'nullable', 'nullish', 'exact_optional', 'non_optional', 'non_nullable', 'non_nullish', 'undefinedable']);

/**
 * The keys an object schema declares at `path` inside `schema` (`['cache', 'remote']` →
 * `url`, `tokenEnv`, …), through optional wrappers, pipes, records (any key), lists, tuples and
 * unions (the first option with an object there); undefined when no object schema is there.
 * For "did you mean" and the list of valid keys on an unknown key, at any depth.
 */
export function objectKeysAt(schema: GenericSchema, path: readonly (string | number)[]): string[] | undefined {
  let current = alternatives(schema as SchemaShape);
  for (const key of path) current = current.flatMap((option) => child(option, key)).flatMap(alternatives);
  const object = current.find((option) => OBJECTS.has(option.type ?? ''));
  return object?.entries ? Object.keys(object.entries) : undefined;
}

/** What a value must satisfy: the schema itself, unwrapped, or each option of a union, or each schema of a pipe. */
function alternatives(schema: SchemaShape): SchemaShape[] {
  if (WRAPPERS.has(schema.type ?? '') && schema.wrapped) return alternatives(schema.wrapped);
  if (schema.pipe) return schema.pipe.filter((item) => item.kind === 'schema' && !item.pipe).flatMap(alternatives);
  if (schema.type === 'union' && schema.options) return schema.options.flatMap(alternatives);
  return [schema];
}

function child(schema: SchemaShape, key: string | number): SchemaShape[] {
  if (OBJECTS.has(schema.type ?? '')) return schema.entries?.[key] ? [schema.entries[key]!] : [];
  if (schema.type === 'record' && schema.value) return [schema.value];
  if (schema.type === 'array' && schema.item) return [schema.item];
  if (schema.type === 'tuple' && schema.items?.[Number(key)]) return [schema.items[Number(key)]!];
  return [];
}
