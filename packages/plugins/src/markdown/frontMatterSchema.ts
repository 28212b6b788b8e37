import { ENV_MODES, nameRecordSchema, OUTPUT_LOGS } from '@orch/engine';
import * as v from 'valibot';

const stringOrList = v.union([v.string(), v.array(v.string())]);
const strategy = v.picklist(['retry', 'rollback', 'partial-recovery', 'manual-intervention', 'none']);
const step = v.strictObject({
  name: v.optional(v.string()),
  run: v.string(),
  compensate: v.optional(v.string()),
});
/** Text, or a number or boolean read as text, as Claude Code coerces `description`. */
const text = v.union([v.string(), v.pipe(v.union([v.number(), v.boolean()]), v.transform(String))]);
/** Claude Code's frontmatter booleans: `true`/`false`, and `yes`/`no`/`on`/`off`/`1`/`0` in any case. */
const flag = v.union([
  v.boolean(),
  v.pipe(
    v.union([v.string(), v.number()]),
    v.transform((value) => String(value).trim().toLowerCase()),
    v.picklist(['true', 'false', 'yes', 'no', 'on', 'off', '1', '0'], 'true or false'),
    v.transform((token) => ['true', 'yes', 'on', '1'].includes(token)),
  ),
]);

/**
 * orch's front-matter keys and Claude Code's. Each key is validated on its own, so a wrong
 * value drops that key only. Unknown keys are kept (command trees carry keys of their own), but
 * a key close to one of these is reported as a likely misspelling.
 */
export const frontMatterSchema = v.looseObject({
  description: v.optional(text),
  dependencies: v.optional(v.nullable(stringOrList)),
  'dependent-commands': v.optional(v.nullable(stringOrList)),
  complexity: v.optional(v.picklist(['simple', 'medium', 'complex'])),
  agents: v.optional(v.nullable(stringOrList)),
  'allowed-tools': v.optional(stringOrList),
  'argument-hint': v.optional(text),
  // Claude Code's named arguments: `arguments: [target]` (or `target other`) makes `$target` work.
  arguments: v.optional(v.nullable(stringOrList)),
  // Claude Code: `context: fork` runs the skill in a subagent, `agent` names which; `shell` is the
  // shell of its !`cmd` lines (orch runs them with sh; see docs/claude-code.md).
  context: v.optional(v.string()),
  agent: v.optional(v.string()),
  shell: v.optional(v.string()),
  model: v.optional(v.string()),
  'disable-model-invocation': v.optional(flag),
  // Claude Code's skill keys (https://code.claude.com/docs/en/skills, frontmatter reference).
  when_to_use: v.optional(text),
  'user-invocable': v.optional(flag),
  'disallowed-tools': v.optional(stringOrList),
  effort: v.optional(v.union([v.picklist(['low', 'medium', 'high', 'xhigh', 'max']), v.pipe(v.number(), v.integer(), v.minValue(1))])),
  hooks: v.optional(nameRecordSchema(v.string(), v.array(v.looseObject({ hooks: v.array(v.looseObject({ type: v.string() })) })))),
  paths: v.optional(stringOrList),
  run: v.optional(v.union([v.string(), v.array(v.union([v.string(), step]))])),
  inputs: v.optional(stringOrList),
  outputs: v.optional(stringOrList),
  env: v.optional(stringOrList),
  passThroughEnv: v.optional(stringOrList),
  'pass-through-env': v.optional(stringOrList),
  envMode: v.optional(v.picklist(ENV_MODES)),
  'env-mode': v.optional(v.picklist(ENV_MODES)),
  timeout: v.optional(v.union([v.string(), v.pipe(v.number(), v.minValue(0))])),
  retry: v.optional(
    v.union([
      v.pipe(v.number(), v.integer(), v.minValue(0)),
      v.strictObject({
        maxAttempts: v.pipe(v.number(), v.integer(), v.minValue(1)),
        initialInterval: v.optional(v.union([v.string(), v.number()])),
        backoffCoefficient: v.optional(v.pipe(v.number(), v.minValue(1))),
        maximumInterval: v.optional(v.union([v.string(), v.number()])),
        jitter: v.optional(v.boolean()),
        nonRetryable: v.optional(v.array(v.union([v.number(), v.string()]))),
      }),
    ]),
  ),
  recovery: v.optional(v.union([strategy, nameRecordSchema(v.picklist(['dependencies', 'preGates', 'deploy', 'execute', 'postValidate', 'qaGates', 'persist', 'default']), strategy)])),
  fixup: v.optional(v.string()),
  gates: v.optional(
    v.union([
      v.array(v.string()),
      nameRecordSchema(
        v.string(),
        v.union([
          v.boolean(),
          v.strictObject({
            enabled: v.optional(v.boolean()),
            severity: v.optional(v.picklist(['error', 'warn'])),
            options: v.optional(nameRecordSchema(v.string(), v.unknown())),
          }),
        ]),
      ),
    ]),
  ),
  cache: v.optional(v.boolean()),
  /** How much of its output a run shows (Turborepo's `outputLogs`). */
  outputLogs: v.optional(v.picklist(OUTPUT_LOGS)),
  persistent: v.optional(v.boolean()),
  weight: v.optional(v.pipe(v.number(), v.minValue(0))),
  resources: v.optional(nameRecordSchema(v.string(), v.pipe(v.number(), v.integer(), v.minValue(1)))),
});

export type FrontMatter = v.InferOutput<typeof frontMatterSchema>;

/** Keys orch reads; an unknown key close to one of them is a likely typo. */
export const FRONT_MATTER_KEYS = Object.keys(frontMatterSchema.entries);

/**
 * Keys whose wrong value is a warning, the key then left out, with why that is safe: Claude
 * Code's own keys, which it ignores when their value is wrong, and `complexity` (issue 12: an
 * unknown word such as `standard` runs with no profile). A wrong value of any other key changes
 * what runs (dependencies, steps, hashing, recovery, which tools are refused), so it is an error
 * of that command.
 */
export const LENIENT_KEYS: ReadonlyMap<string, string> = new Map([
  ...['description', 'allowed-tools', 'argument-hint', 'model', 'disable-model-invocation', 'when_to_use', 'user-invocable', 'effort', 'hooks', 'paths'].map((key): [string, string] => [key, 'ignored, as Claude Code ignores it']),
  ['complexity', 'ignored: the command runs without a complexity profile'],
  ['outputLogs', 'ignored: its output is shown in full'],
]);

/**
 * Claude Code's keys that orch keeps as written without reading them: never taken for a
 * misspelling of a key orch reads (`agent` is not a slip for `agents`).
 */
export const CLAUDE_CODE_KEYS_KEPT: ReadonlySet<string> = new Set(['name', 'version', 'license', 'hide-from-slash-command-tool']);

/** Claude Code's keys orch reads beside `LENIENT_KEYS`: a quoted retry gives them the text Claude Code reads. */
const CLAUDE_CODE_KEYS_READ = ['arguments', 'context', 'agent', 'shell', 'disallowed-tools'];

/**
 * orch's own keys, whose value changes what runs (`run`, `dependencies`, `agents`, `inputs`,
 * `gates`, `cache`, ...): where the YAML of one does not parse and its value starts with a YAML
 * indicator, orch never reads it as the text Claude Code's quote-and-retry would give
 * (`run: [echo a` is not the shell line `[echo a`); that line is an error of its command.
 * Plain text with `: ` in it (`run: echo "a: b"`) is read as written, with a warning.
 */
export const EXACT_KEYS: ReadonlySet<string> = new Set(FRONT_MATTER_KEYS.filter((key) => !LENIENT_KEYS.has(key) && !CLAUDE_CODE_KEYS_READ.includes(key)));
