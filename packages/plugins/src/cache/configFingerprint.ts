import { basename, extname } from 'node:path';
import { loadJsonConfig, loadYamlConfig } from '@orch/engine';
import { canonicalJson, sha256 } from './canonicalJson.js';

/**
 * Config settings that decide how orch schedules, stores and reports a run, never what a task
 * runs or sees: changing them keeps every cache hit, and `orch affected` does not count them.
 */
export const RUN_SETTINGS: readonly string[] = ['$schema', 'concurrency', 'resources', 'workers', 'cache', 'sessions', 'circuitBreakers', 'pluginTimeout', 'complexityBudget', 'defaultBase'];


/**
 * What of orch's config file every task's hash takes, and what `orch affected` compares
 * between two versions of it, so the two agree (issue 11: whatever makes `affected` list a
 * project changes its tasks' hashes). `file` is the config's name (`orchestrator.config.json`,
 * `.orchrc`, `package.json` for its `orch` key); `text` its content, undefined when absent.
 *
 * A JSON or YAML config gives each top-level setting but the `RUN_SETTINGS` → digest of its
 * value (`orchestrator.config.json#targets`): an edit of `concurrency` or of the remote cache
 * keeps every hit, one of `targets` misses every task, as a change to turbo.json's task
 * definitions does in Turborepo. A module config (`.ts`, `.js`...) is code that `affected`
 * cannot evaluate at the base commit: its whole text is the fingerprint, so any edit misses
 * every task. A config that does not parse is fingerprinted by its text too.
 */
export function configFingerprint(file: string, text: string | undefined): Record<string, string> {
  if (text === undefined) return {};
  const name = basename(file);
  const extension = extname(name);
  // `.orchrc` (no extension) is YAML, as orch loads it.
  if (!['.json', '.yaml', '.yml'].includes(extension) && name !== '.orchrc') return { [name]: sha256(text) };
  let settings: unknown;
  try {
    settings = extension === '.json' ? loadJsonConfig(file, text) : loadYamlConfig(file, text);
  } catch {
    return { [name]: sha256(text) };
  }
  const prefix = name === 'package.json' ? `${name}#orch.` : `${name}#`;
  if (name === 'package.json') settings = (settings as { orch?: unknown } | null)?.orch;
  if (settings === undefined || settings === null) return {};
  if (typeof settings !== 'object' || Array.isArray(settings)) return { [name]: sha256(text) };
  const fingerprint: Record<string, string> = {};
  for (const [key, value] of Object.entries(settings)) if (!RUN_SETTINGS.includes(key)) fingerprint[`${prefix}${key}`] = sha256(canonicalJson(value));
  return fingerprint;
}

/** The settings whose digests differ between two fingerprints (`orchestrator.config.json#targets`), sorted. */
export function configChanges(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((key) => before[key] !== after[key]).sort();
}
