import { YAML_LIMITS } from '../yaml/readYaml.js';
import { exportLocation, thrownAt } from './configCodeFailure.js';
import { configLoadError } from './configLoadError.js';

/** What `copyConfigValue` read: the copy, or what a getter threw. */
export type CopiedConfig = { value: unknown } | { threw: unknown };

/**
 * The exported value of a JavaScript or TypeScript config as plain data, for `runConfigCode`'s
 * `read`, which runs it under the config's time limit (`ORCH_CONFIG_TIMEOUT`). Reading the
 * value runs the config's code too (a getter, a Proxy's `get` or `ownKeys` trap), so a loop
 * there is the located "still running" error, exit 2, not a hang of every command (findings
 * R2 #10); what orch reads afterwards is this copy, which runs nothing. Plain objects and lists
 * are copied; anything else (a plugin's class instance, a function, a Date) is kept as it is:
 * its code is the config's own plugin code, run under `pluginTimeout`. Copying stops past the
 * nesting limit, where the schema check reports the depth.
 */
export function copyConfigValue(value: unknown): CopiedConfig {
  try {
    return { value: plainCopy(value, new Map(), 0) };
  } catch (error) {
    // A getter's own error; the time limit's stop is no exception a `catch` here sees.
    return { threw: error };
  }
}

/** The copy, or the located error for a getter that threw (at its frame in the config, else at the default export). */
export function copiedConfig(file: string, copied: CopiedConfig): unknown {
  if ('value' in copied) return copied.value;
  const { threw } = copied;
  const message = threw instanceof Error ? threw.message : String(threw);
  throw configLoadError(file, thrownAt(file, threw) ?? exportLocation(file), `reading the exported configuration threw: ${message}`, 'export plain data (no getters that throw)', threw);
}

function plainCopy(value: unknown, copies: Map<object, unknown>, depth: number): unknown {
  if (typeof value !== 'object' || value === null || depth > YAML_LIMITS.maxDepth + 1) return value;
  const known = copies.get(value);
  if (known !== undefined) return known; // a cycle stays a cycle, for the depth check to name
  if (Array.isArray(value)) {
    const list: unknown[] = [];
    copies.set(value, list);
    for (let index = 0; index < value.length; index++) list.push(plainCopy(value[index], copies, depth + 1));
    return list;
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return value;
  const record: Record<string, unknown> = {};
  copies.set(value, record);
  for (const key of Object.keys(value)) {
    // defineProperty, so a key such as `__proto__` (a command's name) stays a key.
    Object.defineProperty(record, key, { value: plainCopy((value as Record<string, unknown>)[key], copies, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return record;
}
