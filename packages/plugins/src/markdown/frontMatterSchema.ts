import { ENV_MODES } from '@orch/engine';
import * as v from 'valibot';

const stringOrList = v.union([v.string(), v.array(v.string())]);
const strategy = v.picklist(['retry', 'rollback', 'partial-recovery', 'manual-intervention', 'none']);
const step = v.strictObject({
  name: v.optional(v.string()),
  run: v.string(),
  compensate: v.optional(v.string()),
});

/**
 * orch's front-matter keys. Unknown keys are kept (command trees carry keys of their own),
 * but a key close to one of these is reported as a likely misspelling.
 */
export const frontMatterSchema = v.looseObject({
  description: v.optional(v.string()),
  dependencies: v.optional(v.nullable(stringOrList)),
  'dependent-commands': v.optional(v.nullable(stringOrList)),
  complexity: v.optional(v.picklist(['simple', 'medium', 'complex'])),
  agents: v.optional(v.nullable(stringOrList)),
  'allowed-tools': v.optional(stringOrList),
  'argument-hint': v.optional(v.string()),
  model: v.optional(v.string()),
  'disable-model-invocation': v.optional(v.boolean()),
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
  recovery: v.optional(v.union([strategy, v.record(v.picklist(['dependencies', 'preGates', 'deploy', 'execute', 'postValidate', 'qaGates', 'persist', 'default']), strategy)])),
  fixup: v.optional(v.string()),
  gates: v.optional(
    v.union([
      v.array(v.string()),
      v.record(
        v.string(),
        v.union([
          v.boolean(),
          v.strictObject({
            enabled: v.optional(v.boolean()),
            severity: v.optional(v.picklist(['error', 'warn'])),
            options: v.optional(v.record(v.string(), v.unknown())),
          }),
        ]),
      ),
    ]),
  ),
  cache: v.optional(v.boolean()),
  weight: v.optional(v.pipe(v.number(), v.minValue(0))),
  resources: v.optional(v.record(v.string(), v.pipe(v.number(), v.integer(), v.minValue(1)))),
});

export type FrontMatter = v.InferOutput<typeof frontMatterSchema>;

/** Keys orch reads; an unknown key close to one of them is a likely typo. */
export const FRONT_MATTER_KEYS = Object.keys(frontMatterSchema.entries);
