import { didYouMean, isEnvPattern, normaliseRetry as normaliseEngineRetry, parseDuration, schemaDiagnostics, type AllowedTools, type CommandMetadata, type DependencyRef, type Diagnostic, type GateSetting, type RawFrontMatter, type RetryPolicy, type SourceLocation, type Step } from '@orch/engine';
import { distance } from 'fastest-levenshtein';
import * as v from 'valibot';
import { CLAUDE_CODE_KEYS_KEPT, FRONT_MATTER_KEYS, frontMatterSchema, LENIENT_KEYS, type FrontMatter } from './frontMatterSchema.js';

/** Known keys kept in `metadata.extra` as written: read there by the agent executor and `orch show`. */
const CLAUDE_CODE_EXTRA_KEYS = ['context', 'agent', 'shell'];

export interface NormalisedFrontMatter {
  metadata: CommandMetadata;
  dependencies: DependencyRef[];
  steps: Step[];
  diagnostics: Diagnostic[];
}

/**
 * Stage 2 for markdown commands: validates the front matter against orch's schema and turns
 * it into normalised metadata. Each key is checked on its own, so a wrong value never drops
 * the valid keys beside it (issue 12): a wrong value of a key Claude Code reads leniently
 * (`LENIENT_KEYS`) is a warning and that key is left out, as Claude Code leaves it out; any
 * other wrong value is an error at the value. An unknown key is kept, unless it looks like a
 * misspelt key (an error for orch's keys, a warning for Claude Code's).
 */
export function normaliseFrontMatter(frontMatter: RawFrontMatter): NormalisedFrontMatter {
  const diagnostics: Diagnostic[] = [];
  const data = validKeys(frontMatter, diagnostics);
  const valid = data as FrontMatter;
  const at = (path: (string | number)[], message: string, hint?: string): void => {
    diagnostics.push({ severity: 'error', code: 'front-matter/invalid', message, ...located(frontMatter, path), ...(hint ? { hint } : {}) });
  };

  const timeout = valid.timeout === undefined ? undefined : parseDuration(valid.timeout);
  if (valid.timeout !== undefined && timeout === undefined) at(['timeout'], `timeout: expected a duration such as 30s, 5m or 1h30m, found '${String(valid.timeout)}'`);

  // Keys are the file's own text: `constructor` or `__proto__` is a key like any other.
  const extra: Record<string, unknown> = Object.create(null);
  // Claude Code keys orch reads from `extra` (`context`, `agent`, `shell`) stay there, as written.
  for (const [key, value] of Object.entries(data)) if (!isFrontMatterKey(key) || CLAUDE_CODE_EXTRA_KEYS.includes(key)) extra[key] = value;
  // A number of a key orch does not read is kept as written (`version: 1.0`, not 1: findings R2 #17).
  for (const [key, value] of Object.entries(extra)) if (typeof value === 'number') extra[key] = frontMatter.sourceText?.([key]) ?? value;

  const metadata: CommandMetadata = {
    agents: list(valid.agents),
    extra,
    ...(valid.description === undefined ? {} : { description: valid.description }),
    ...(valid.complexity === undefined ? {} : { complexity: valid.complexity }),
    ...(valid['allowed-tools'] === undefined ? {} : { allowedTools: normaliseAllowedTools(valid['allowed-tools']) }),
    ...(valid['disallowed-tools'] === undefined ? {} : { disallowedTools: toolList(valid['disallowed-tools']) }),
    ...(valid['argument-hint'] === undefined ? {} : { argumentHint: valid['argument-hint'] }),
    ...(valid.arguments === undefined || valid.arguments === null ? {} : { arguments: list(valid.arguments) }),
    ...(valid.when_to_use === undefined ? {} : { whenToUse: valid.when_to_use }),
    // `inherit` is Claude Code's word for the default model: no `--model` at all.
    ...(valid.model === undefined || valid.model === 'inherit' ? {} : { model: valid.model }),
    ...(valid.effort === undefined ? {} : { effort: valid.effort }),
    ...(valid['user-invocable'] === undefined ? {} : { userInvocable: valid['user-invocable'] }),
    ...(valid['disable-model-invocation'] === undefined ? {} : { disableModelInvocation: valid['disable-model-invocation'] }),
    ...(valid.hooks === undefined ? {} : { hooks: valid.hooks }),
    ...(valid.paths === undefined ? {} : { paths: splitPaths(valid.paths) }),
    ...(valid.inputs === undefined ? {} : { inputs: list(valid.inputs) }),
    ...(valid.outputs === undefined ? {} : { outputs: list(valid.outputs) }),
    ...envDeclarations(valid, at),
    ...(timeout === undefined ? {} : { timeout }),
    ...(valid.retry === undefined ? {} : { retry: normaliseRetry(valid.retry, at) }),
    ...(valid.recovery === undefined ? {} : { recovery: valid.recovery }),
    ...(valid.fixup === undefined ? {} : { fixup: valid.fixup }),
    ...(valid.gates === undefined ? {} : { gates: normaliseGates(valid.gates) }),
    ...(valid.cache === undefined ? {} : { cache: valid.cache }),
    ...(valid.outputLogs === undefined ? {} : { outputLogs: valid.outputLogs }),
    ...(valid.persistent === undefined ? {} : { persistent: valid.persistent }),
    ...(valid.weight === undefined ? {} : { weight: valid.weight }),
    ...(valid.resources === undefined ? {} : { resources: valid.resources }),
  };

  diagnostics.push(...forkDiagnostics(valid, frontMatter));

  const dependencyKey = valid.dependencies !== undefined ? 'dependencies' : 'dependent-commands';
  const rawDependencies = valid.dependencies ?? valid['dependent-commands'];
  const dependencies: DependencyRef[] = [];
  if (Array.isArray(rawDependencies)) rawDependencies.forEach((spec, index) => dependencies.push({ spec: spec.trim(), location: frontMatter.locate([dependencyKey, index]) }));
  else if (typeof rawDependencies === 'string') for (const spec of splitList(rawDependencies)) dependencies.push({ spec, location: frontMatter.locate([dependencyKey]) });

  const steps: Step[] = [];
  const run = valid.run;
  if (typeof run === 'string') steps.push({ run, location: frontMatter.locate(['run']) });
  else if (Array.isArray(run)) run.forEach((item, index) => steps.push({ ...(typeof item === 'string' ? { run: item } : item), location: frontMatter.locate(['run', index]) }));

  return { metadata, dependencies, steps, diagnostics };
}

/**
 * The front matter with every key whose value is wrong left out, each reported (see
 * `normaliseFrontMatter`); unknown keys are kept as written.
 */
function validKeys(frontMatter: RawFrontMatter, diagnostics: Diagnostic[]): Record<string, unknown> {
  const data: Record<string, unknown> = Object.create(null);
  for (const [key, raw] of Object.entries(frontMatter.data)) {
    const schema = isFrontMatterKey(key) ? (frontMatterSchema.entries as Record<string, v.GenericSchema>)[key] : undefined;
    if (!schema) {
      data[key] = raw;
      const written = isMapping(raw) ? frontMatter.sourceText?.([key]) : undefined;
      if (written !== undefined && /^\{\{[^]*\}\}$/.test(written)) {
        // A template placeholder left in the file: kept as the text it was meant to be.
        data[key] = written;
        diagnostics.push(notText(frontMatter, key, raw, 'warning', '; kept as the text written'));
      }
      const close = CLAUDE_CODE_KEYS_KEPT.has(key) ? undefined : misspeltKey(key);
      const severity = LENIENT_KEYS.has(close ?? '') ? 'warning' : 'error';
      if (close) diagnostics.push({ severity, code: 'front-matter/invalid', message: `unknown key '${key}'`, ...located(frontMatter, [key], { key: true }), hint: `did you mean '${close}'?` });
      continue;
    }
    const value = key === 'argument-hint' && isCollection(raw) ? (frontMatter.sourceText?.([key]) ?? raw) : raw;
    const result = v.safeParse(schema, value);
    if (result.success) {
      data[key] = result.output;
      continue;
    }
    const lenient = LENIENT_KEYS.get(key);
    const severity = lenient ? 'warning' : 'error';
    const ignored = lenient ? `; ${lenient}` : '';
    if (isMapping(raw) && isTextKey(schema)) {
      diagnostics.push(notText(frontMatter, key, raw, severity, ignored));
      continue;
    }
    for (const diagnostic of schemaDiagnostics(result.issues, { code: 'front-matter/invalid', locate: (path, options) => located(frontMatter, [key, ...path], options), knownKeys: () => undefined, prefix: [key] })) {
      diagnostics.push({ ...diagnostic, severity, message: `${diagnostic.message}${ignored}` });
    }
  }
  return data;
}

/**
 * Claude Code's `context` and `agent`: `context` knows one value, `fork`, and `agent` names the
 * subagent a forked command runs as; Claude Code ignores an unknown `context` and an `agent`
 * without `context: fork`. orch does too, with a warning each, since either is a slip.
 */
function forkDiagnostics(data: FrontMatter, frontMatter: RawFrontMatter): Diagnostic[] {
  const found: Diagnostic[] = [];
  const { context, agent } = data;
  if (context !== undefined && context !== 'fork') {
    const close = didYouMean(context, ['fork']);
    found.push({ severity: 'warning', code: 'front-matter/invalid', message: `context: '${context}' is not a context Claude Code knows (only 'fork'); ignored`, ...located(frontMatter, ['context']), hint: close ?? "write context: fork to run the command as its agent, or remove the key" });
  }
  if (agent !== undefined && context === undefined) {
    found.push({ severity: 'warning', code: 'front-matter/invalid', message: `agent: '${agent}' has no effect without context: fork (Claude Code runs the command as that agent only then)`, ...located(frontMatter, ['agent']), hint: 'add context: fork, or remove agent' });
  }
  return found;
}

/** Whether orch reads this key: an own key of the schema, never one of `Object.prototype`'s. */
function isFrontMatterKey(key: string): boolean {
  return Object.hasOwn(frontMatterSchema.entries, key);
}

/** Where a key path is written, with the text of its line. */
function located(frontMatter: RawFrontMatter, path: readonly (string | number)[], options?: { key?: boolean }): { location: SourceLocation; sourceLine?: string } {
  const location = frontMatter.locate(path, options);
  const line = location.line === undefined ? undefined : frontMatter.lineText(location.line);
  return { location, ...(line === undefined ? {} : { sourceLine: line }) };
}

/**
 * A value of a text key that YAML read as something else: `name: {{NAME}}` (an unquoted `{…}`
 * is a mapping: a template placeholder left in a file), `description: !!binary aGk=` (binary
 * data), `!!set` or `!!omap`. Located at the value, with the quoted form as the fix.
 */
export function notText(frontMatter: RawFrontMatter, key: string, value: unknown, severity: Diagnostic['severity'], note: string): Diagnostic {
  const where = located(frontMatter, [key]);
  const keyLine = frontMatter.locate([key], { key: true }).line;
  const onKeyLine = keyLine === undefined ? '' : (frontMatter.lineText(keyLine) ?? '').replace(/^[^:]*:\s*/, '').trim();
  const written = onKeyLine || (frontMatter.sourceText?.([key]) ?? '');
  return {
    severity,
    code: 'front-matter/invalid',
    message: `${key}: ${describeNotText(value)}${note}`,
    ...where,
    hint: `quote the value to keep it as text: ${key}: ${JSON.stringify(written)}`,
  };
}

function describeNotText(value: unknown): string {
  if (value instanceof Uint8Array) return "binary data, not text (a '!!binary' value)";
  if (value instanceof Set) return "a YAML set, not text (a '!!set' value)";
  if (value instanceof Map) return "an ordered YAML mapping, not text (a '!!omap' or '!!pairs' value)";
  return "a YAML mapping, not text (an unquoted '{…}' is one)";
}

/** Each key, and how it is compared: `when_to_use` as `when-to-use`. */
const SPELLINGS: readonly (readonly [string, string])[] = FRONT_MATTER_KEYS.map((key) => [key, key.replaceAll('_', '-')]);

/**
 * The key `key` is a misspelling of, if any; not one of a tree's own keys (`pattern`,
 * `intensity`): the same but for case and `_`/`-`, or five letters or more with the same start
 * and two edits at most. Edit distances only for keys of about the same length, so front matter
 * of 40,000 keys costs no more than reading it.
 */
function misspeltKey(key: string): string | undefined {
  const normalised = key.toLowerCase().replaceAll('_', '-');
  let best: { known: string; edits: number } | undefined;
  for (const [known, target] of SPELLINGS) {
    if (normalised === target) return known;
    if (key.length < 5 || normalised[0] !== target[0] || Math.abs(normalised.length - target.length) > 2) continue;
    const edits = distance(normalised, target);
    if (edits <= 2 && (!best || edits < best.edits)) best = { known, edits };
  }
  return best?.known;
}

function isCollection(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

function isMapping(value: unknown): boolean {
  return isCollection(value) && !Array.isArray(value);
}

/** Whether a key's schema takes text (so a mapping there is a quoting slip, `{{NAME}}`). */
function isTextKey(schema: v.GenericSchema): boolean {
  return v.safeParse(schema, 'text').success;
}

/**
 * `env`, `passThroughEnv` (or `pass-through-env`) and `envMode` (or `env-mode`): each variable
 * pattern checked where it is written.
 */
function envDeclarations(data: FrontMatter, at: (path: (string | number)[], message: string, hint?: string) => void): Pick<CommandMetadata, 'env' | 'passThroughEnv' | 'envMode'> {
  const declared: Pick<CommandMetadata, 'env' | 'passThroughEnv' | 'envMode'> = {};
  for (const [key, field] of [['env', 'env'], ['passThroughEnv', 'passThroughEnv'], ['pass-through-env', 'passThroughEnv']] as const) {
    const value = data[key];
    if (value === undefined) continue;
    const patterns = list(value);
    patterns.forEach((pattern, index) => {
      if (!isEnvPattern(pattern)) at(typeof value === 'string' ? [key] : [key, index], `${key}: '${pattern}' is not an environment variable pattern`, 'write a name (NODE_ENV), a wildcard (MY_APP_*) or an exclusion (!MY_APP_SECRET), without $');
    });
    declared[field] = [...(declared[field] ?? []), ...patterns];
  }
  const mode = data.envMode ?? data['env-mode'];
  if (mode !== undefined) declared.envMode = mode;
  return declared;
}

function list(value: string | readonly string[] | null | undefined): string[] {
  if (value === undefined || value === null) return [];
  return typeof value === 'string' ? splitList(value) : value.map((item) => item.trim()).filter(Boolean);
}

function splitList(text: string): string[] {
  return text.split(/[,\s]+/).map((item) => item.trim()).filter(Boolean);
}

/**
 * `all`, or tool patterns split at top-level commas or spaces, as Claude Code reads them:
 * `Bash(git add:*), Read` and `Read Grep Bash(git diff *)`.
 */
export function normaliseAllowedTools(value: string | readonly string[]): AllowedTools {
  const items = toolList(value);
  if (items.length === 1 && items[0]!.toLowerCase() === 'all') return 'all';
  return items;
}

/** Tool patterns, split at commas and spaces outside parentheses, as Claude Code splits them. */
function toolList(value: string | readonly string[]): string[] {
  return (typeof value === 'string' ? [value] : value).flatMap((item) => splitOutside(item, /[,\s]/, '(', ')'));
}

/** `paths`: globs split at commas outside braces (`src/*.{ts,tsx}` is one), as Claude Code splits them. */
function splitPaths(value: string | readonly string[]): string[] {
  return (typeof value === 'string' ? [value] : value).flatMap((item) => splitOutside(item, /,/, '{', '}'));
}

function splitOutside(text: string, separator: RegExp, open: string, close: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === open) depth++;
    else if (char === close) depth = Math.max(0, depth - 1);
    if (depth === 0 && separator.test(char)) {
      if (current.trim()) items.push(current.trim());
      current = '';
    } else current += char;
  }
  if (current.trim()) items.push(current.trim());
  return items;
}

function normaliseRetry(value: NonNullable<FrontMatter['retry']>, at: (path: (string | number)[], message: string) => void): RetryPolicy {
  const { policy, problems } = normaliseEngineRetry(value as number | Record<string, unknown>);
  for (const problem of problems) at(['retry', problem.key], problem.message);
  return policy!;
}

function normaliseGates(value: NonNullable<FrontMatter['gates']>): Record<string, GateSetting> {
  const gates: Record<string, GateSetting> = Object.create(null);
  for (const [name, setting] of Array.isArray(value) ? value.map((name) => [name, true] as const) : Object.entries(value as Record<string, GateSetting>)) gates[name] = setting;
  return gates;
}
