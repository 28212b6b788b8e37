import { posix } from 'node:path';
import * as v from 'valibot';
import { parseDuration } from '../parseDuration.js';
import { ENV_MODES, envPatternSchema } from './envPattern.js';
import { OUTPUT_LOGS } from './outputLogs.js';
import { nameRecordSchema } from './nameRecordSchema.js';

const stringList = v.array(v.string());

/**
 * A record written as a mapping: `targets: []` is a slip, not an empty set of targets (valibot
 * takes a list as a record). Every name is kept, `constructor` included (`nameRecordSchema`).
 */
function mapping<TKey extends v.GenericSchema<string, string | number | symbol>, TValue extends v.GenericSchema>(key: TKey, value: TValue) {
  return v.pipe(
    v.custom<Record<string, unknown>>((input) => typeof input === 'object' && input !== null && !Array.isArray(input), 'a mapping ({ name: … }), not a list'),
    nameRecordSchema(key, value),
  );
}

/**
 * The id of a config command or workflow: what `orch run` is given. Not empty, no `..` segment
 * (ids name state files), no `\`, NUL, `:` (`x:y` means `x/y`), `#` (`pkg#x` names a package
 * script), and no leading or trailing `/`.
 */
const commandId = v.pipe(
  v.string(),
  v.check(
    (id) => id.trim() === id && id !== '' && !/[\\\0:#]/.test(id) && !id.startsWith('/') && !id.endsWith('/') && !id.split('/').some((segment) => segment === '' || segment === '.' || segment === '..'),
    'a command id: not empty, without `..`, `\\`, `:`, `#` or a leading `/` (e.g. release or ci/verify)',
  ),
);
const envList = v.array(envPatternSchema);
const envMode = v.picklist(ENV_MODES);
const complexity = v.picklist(['simple', 'medium', 'complex']);
const duration = v.union([
  v.pipe(v.string(), v.check((text) => parseDuration(text) !== undefined, 'a duration such as 30s, 5m or 1h30m')),
  v.pipe(v.number(), v.minValue(0)),
]);

/**
 * A time limit Node's timers can keep: from 1 ms to 2^31-1 ms (~24.8 days). Past it, Node warns
 * (`TimeoutOverflowWarning`) and fires at once; 0 would fail every hook (session 24's tester).
 */
const TIMER_MAX_MS = 2 ** 31 - 1;
const timeLimit = v.pipe(
  duration,
  v.check((value) => {
    const ms = typeof value === 'number' ? value : parseDuration(value);
    return ms !== undefined && ms >= 1 && ms <= TIMER_MAX_MS;
  }, 'a duration from 1ms to 24d'),
);

/** A size in bytes, or with a unit (`500MB`, `5GB`); read by `parseSize`. */
const size = v.union([v.pipe(v.number(), v.minValue(0)), v.pipe(v.string(), v.regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|TB)?$/i, 'a size such as 500MB or 5GB'))]);
const step = v.strictObject({
  name: v.optional(v.string()),
  run: v.optional(v.string()),
  command: v.optional(v.string()),
  compensate: v.optional(v.string()),
});

const strategy = v.pipe(v.string(), v.minLength(1));
const recovery = v.union([strategy, mapping(v.picklist(['dependencies', 'preGates', 'deploy', 'execute', 'postValidate', 'qaGates', 'persist', 'default']), strategy)]);
const retry = v.union([
  v.pipe(v.number(), v.integer(), v.minValue(0)),
  v.strictObject({
    maxAttempts: v.pipe(v.number(), v.integer(), v.minValue(1)),
    initialInterval: v.optional(duration),
    backoffCoefficient: v.optional(v.pipe(v.number(), v.minValue(1))),
    maximumInterval: v.optional(duration),
    jitter: v.optional(v.boolean()),
    nonRetryable: v.optional(v.array(v.union([v.number(), v.string()]))),
  }),
]);

const gateSettings = mapping(
  v.string(),
  v.union([v.boolean(), v.strictObject({ enabled: v.optional(v.boolean()), severity: v.optional(v.picklist(['error', 'warn'])), options: v.optional(mapping(v.string(), v.unknown())) })]),
);

const target = v.strictObject({
  gates: v.optional(gateSettings),
  dependsOn: v.optional(stringList),
  inputs: v.optional(stringList),
  outputs: v.optional(stringList),
  env: v.optional(envList),
  passThroughEnv: v.optional(envList),
  envMode: v.optional(envMode),
  cache: v.optional(v.boolean()),
  outputLogs: v.optional(v.picklist(OUTPUT_LOGS)),
  persistent: v.optional(v.boolean()),
  description: v.optional(v.string()),
  weight: v.optional(v.pipe(v.number(), v.minValue(0))),
  resources: v.optional(mapping(v.string(), v.pipe(v.number(), v.integer(), v.minValue(1)))),
  timeout: v.optional(duration),
  recovery: v.optional(recovery),
  retry: v.optional(retry),
});

const command = v.strictObject({
  description: v.optional(v.string()),
  run: v.optional(v.union([v.string(), v.array(v.union([v.string(), step]))])),
  dependencies: v.optional(stringList),
  complexity: v.optional(complexity),
  inputs: v.optional(stringList),
  outputs: v.optional(stringList),
  env: v.optional(envList),
  passThroughEnv: v.optional(envList),
  envMode: v.optional(envMode),
  timeout: v.optional(duration),
  module: v.optional(v.string()),
  export: v.optional(v.string()),
  weight: v.optional(v.pipe(v.number(), v.minValue(0))),
  resources: v.optional(mapping(v.string(), v.pipe(v.number(), v.integer(), v.minValue(1)))),
  recovery: v.optional(recovery),
  retry: v.optional(retry),
  fixup: v.optional(v.string()),
  cache: v.optional(v.boolean()),
  outputLogs: v.optional(v.picklist(OUTPUT_LOGS)),
  persistent: v.optional(v.boolean()),
});

const workflow = v.strictObject({
  description: v.optional(v.string()),
  steps: v.array(v.union([v.string(), step])),
  dependencies: v.optional(stringList),
});

const pluginSpec = v.union([
  v.literal(false),
  v.null(),
  v.undefined(),
  v.pipe(v.string(), v.minLength(1)),
  v.tuple([v.string(), v.optional(mapping(v.string(), v.unknown()))]),
  // Not a list: valibot takes a list for an object, and a wrong tuple would be reported as a plugin object too.
  v.pipe(
    v.custom<Record<string, unknown>>((input) => typeof input === 'object' && input !== null && !Array.isArray(input), 'a plugin object ({ name, apply })'),
    v.looseObject({ name: v.string(), apply: v.function() }),
  ),
]);

/** The schema of `orchestrator.config.ts`. Unknown keys are errors (with "did you mean"). */
export const configSchema = v.strictObject({
  commandsDir: v.optional(v.union([v.string(), stringList])),
  agentsDir: v.optional(v.string()),
  defaultEntry: v.optional(v.pipe(v.string(), v.regex(/^[^/\\]+$/, 'a file name without folders'))),
  resolution: v.optional(v.picklist(['folder-first', 'file-first'])),
  // The root itself would put sessions, logs and the cache among the sources, in every hash.
  stateDir: v.optional(v.pipe(v.string(), v.check((dir) => !['.', './', '/'].includes(posix.normalize(dir.trim() || '.')), 'a folder of its own, not the root (.orch by default)'))),
  workspaces: v.optional(stringList),
  targets: v.optional(mapping(v.string(), target)),
  commands: v.optional(mapping(commandId, command)),
  workflows: v.optional(mapping(commandId, workflow)),
  plugins: v.optional(v.array(pluginSpec)),
  disablePlugins: v.optional(stringList),
  preset: v.optional(v.boolean()),
  resources: v.optional(mapping(v.string(), v.pipe(v.number(), v.integer(), v.minValue(1)))),
  concurrency: v.optional(v.union([v.pipe(v.number(), v.integer(), v.minValue(1)), v.pipe(v.string(), v.regex(/^\d+%?$/, 'a number or a percentage such as 50%'))])),
  pluginTimeout: v.optional(timeLimit),
  gates: v.optional(gateSettings),
  complexityBudget: v.optional(v.pipe(v.number(), v.minValue(0))),
  cache: v.optional(
    v.strictObject({
      dir: v.optional(v.string()),
      ttl: v.optional(duration),
      maxSize: v.optional(size),
      local: v.optional(v.picklist(['rw', 'r', 'w', 'off'])),
      remote: v.optional(
        v.strictObject({
          url: v.pipe(v.string(), v.url()),
          tokenEnv: v.optional(v.string()),
          team: v.optional(v.string()),
          signatureKeyEnv: v.optional(v.string()),
          verify: v.optional(v.boolean()),
          access: v.optional(v.picklist(['rw', 'r', 'w', 'off'])),
          timeout: v.optional(duration),
          maxArtifactSize: v.optional(size),
        }),
      ),
    }),
  ),
  prompt: v.optional(v.strictObject({ positionalBase: v.optional(v.picklist([0, 1])), indexBase: v.optional(v.picklist([0, 1])) })),
  agent: v.optional(
    v.strictObject({
      adapter: v.optional(v.picklist(['claude', 'codex', 'gemini', 'generic'])),
      command: v.optional(v.string()),
      args: v.optional(v.array(v.string())),
      model: v.optional(v.string()),
      env: v.optional(mapping(v.string(), v.string())),
    }),
  ),
  workers: v.optional(
    v.strictObject({
      maxThreads: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
      maxHeapMb: v.optional(v.pipe(v.number(), v.integer(), v.minValue(16))),
    }),
  ),
  recovery: v.optional(recovery),
  retry: v.optional(retry),
  circuitBreakers: v.optional(
    mapping(v.string(), v.union([v.literal(false), v.strictObject({ failures: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))), window: v.optional(duration), cooldown: v.optional(duration) })])),
  ),
  sessions: v.optional(v.strictObject({ log: v.optional(v.boolean()), fsync: v.optional(v.boolean()), keep: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))) })),
  defaultBase: v.optional(v.pipe(v.string(), v.minLength(1))),
  globalInputs: v.optional(v.array(v.string())),
  envMode: v.optional(envMode),
  globalEnv: v.optional(envList),
  globalPassThroughEnv: v.optional(envList),
  frameworkInference: v.optional(v.boolean()),
});
