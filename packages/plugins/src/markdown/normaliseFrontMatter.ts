import { closestMatches, isEnvPattern, normaliseRetry as normaliseEngineRetry, parseDuration, schemaDiagnostics, type AllowedTools, type CommandMetadata, type DependencyRef, type Diagnostic, type GateSetting, type RawFrontMatter, type RetryPolicy, type SourceLocation, type Step } from '@orch/engine';
import { distance } from 'fastest-levenshtein';
import * as v from 'valibot';
import { FRONT_MATTER_KEYS, frontMatterSchema, type FrontMatter } from './frontMatterSchema.js';

export interface NormalisedFrontMatter {
  metadata: CommandMetadata;
  dependencies: DependencyRef[];
  steps: Step[];
  diagnostics: Diagnostic[];
}

/**
 * Stage 2 for markdown commands: validates the front matter against orch's schema and turns
 * it into normalised metadata. Wrong types are errors at the value; an unknown key is kept,
 * unless it looks like a misspelt orch key, which is an error with "did you mean".
 */
export function normaliseFrontMatter(frontMatter: RawFrontMatter): NormalisedFrontMatter {
  const sourceLine = (location: SourceLocation): string | undefined => (location.line === undefined ? undefined : frontMatter.lineText(location.line));
  const diagnostics: Diagnostic[] = [];
  const at = (path: (string | number)[], message: string, hint?: string, key = false): void => {
    const location = frontMatter.locate(path, { key });
    const line = sourceLine(location);
    diagnostics.push({ severity: 'error', code: 'front-matter/invalid', message, location, ...(line === undefined ? {} : { sourceLine: line }), ...(hint ? { hint } : {}) });
  };

  for (const key of Object.keys(frontMatter.data)) {
    if (FRONT_MATTER_KEYS.includes(key)) continue;
    const [close] = closestMatches(key, FRONT_MATTER_KEYS, 1);
    if (close && isLikelyTypo(key, close)) at([key], `unknown key '${key}'`, `did you mean '${close}'?`, true);
  }

  const result = v.safeParse(frontMatterSchema, frontMatter.data);
  if (!result.success) {
    const locate = (path: readonly (string | number)[], options?: { key?: boolean }) => {
      const location = frontMatter.locate(path, options);
      const line = sourceLine(location);
      return { location, ...(line === undefined ? {} : { sourceLine: line }) };
    };
    diagnostics.push(...schemaDiagnostics(result.issues, { code: 'front-matter/invalid', locate, knownKeys: () => undefined }));
    return { metadata: { agents: [], extra: {} }, dependencies: [], steps: [], diagnostics };
  }
  const data = result.output;

  const timeout = data.timeout === undefined ? undefined : parseDuration(data.timeout);
  if (data.timeout !== undefined && timeout === undefined) at(['timeout'], `timeout: expected a duration such as 30s, 5m or 1h30m, found '${String(data.timeout)}'`);

  const known = new Set(FRONT_MATTER_KEYS);
  const extra: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) if (!known.has(key)) extra[key] = value;

  const metadata: CommandMetadata = {
    agents: list(data.agents),
    extra,
    ...(data.description === undefined ? {} : { description: data.description }),
    ...(data.complexity === undefined ? {} : { complexity: data.complexity }),
    ...(data['allowed-tools'] === undefined ? {} : { allowedTools: normaliseAllowedTools(data['allowed-tools']) }),
    ...(data['argument-hint'] === undefined ? {} : { argumentHint: data['argument-hint'] }),
    ...(data.model === undefined ? {} : { model: data.model }),
    ...(data.inputs === undefined ? {} : { inputs: list(data.inputs) }),
    ...(data.outputs === undefined ? {} : { outputs: list(data.outputs) }),
    ...envDeclarations(data, at),
    ...(timeout === undefined ? {} : { timeout }),
    ...(data.retry === undefined ? {} : { retry: normaliseRetry(data.retry, at) }),
    ...(data.recovery === undefined ? {} : { recovery: data.recovery }),
    ...(data.fixup === undefined ? {} : { fixup: data.fixup }),
    ...(data.gates === undefined ? {} : { gates: normaliseGates(data.gates) }),
    ...(data.cache === undefined ? {} : { cache: data.cache }),
    ...(data.weight === undefined ? {} : { weight: data.weight }),
    ...(data.resources === undefined ? {} : { resources: data.resources }),
  };

  const dependencyKey = data.dependencies !== undefined ? 'dependencies' : 'dependent-commands';
  const rawDependencies = data.dependencies ?? data['dependent-commands'];
  const dependencies: DependencyRef[] = [];
  if (Array.isArray(rawDependencies)) rawDependencies.forEach((spec, index) => dependencies.push({ spec: spec.trim(), location: frontMatter.locate([dependencyKey, index]) }));
  else if (typeof rawDependencies === 'string') for (const spec of splitList(rawDependencies)) dependencies.push({ spec, location: frontMatter.locate([dependencyKey]) });

  const steps: Step[] = [];
  const run = data.run;
  if (typeof run === 'string') steps.push({ run, location: frontMatter.locate(['run']) });
  else if (Array.isArray(run)) run.forEach((item, index) => steps.push({ ...(typeof item === 'string' ? { run: item } : item), location: frontMatter.locate(['run', index]) }));

  return { metadata, dependencies, steps, diagnostics };
}

/** A misspelling, not one of a tree's own keys (`pattern`, `intensity`): same start, two edits at most. */
function isLikelyTypo(key: string, known: string): boolean {
  const normalised = key.toLowerCase().replaceAll('_', '-');
  return normalised === known || (key.length >= 5 && normalised[0] === known[0] && distance(normalised, known) <= 2);
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

/** `all`, or tool patterns split at top-level commas: `Bash(git add:*), Read`. */
export function normaliseAllowedTools(value: string | readonly string[]): AllowedTools {
  const items = typeof value === 'string' ? splitTopLevel(value) : value.flatMap(splitTopLevel);
  if (items.length === 1 && items[0]!.toLowerCase() === 'all') return 'all';
  return items;
}

function splitTopLevel(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of text) {
    if (char === '(') depth++;
    else if (char === ')') depth = Math.max(0, depth - 1);
    if (char === ',' && depth === 0) {
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
  if (Array.isArray(value)) return Object.fromEntries(value.map((name) => [name, true]));
  return value as Record<string, GateSetting>;
}
