import { configDiagnostics } from '../config/configDiagnostic.js';
import { OrchError } from '../OrchError.js';
import type { GateSetting } from '../commands/CommandDefinition.js';
import type { GateContext, GateVerdict } from '../pipeline/TaskContext.js';
import type { Plugin } from './Plugin.js';
import type { Engine } from '../Engine.js';
import { withinLimit } from './withinLimit.js';

/** When a gate runs: before execution, after it (validation), or as quality assurance. */
export type GateStage = 'pre' | 'post' | 'qa';

/** Any Standard Schema (valibot, zod, arktype, …) for a gate's options. */
export interface OptionsSchema {
  readonly '~standard': {
    validate(value: unknown): { value?: unknown; issues?: readonly { message: string; path?: readonly (PropertyKey | { key: PropertyKey })[] }[] } | Promise<unknown>;
  };
}

/** What `check` receives: the stage's context, plus the gate's options for this task. */
export interface GateCheckContext<Options = Record<string, unknown>> extends GateContext {
  options: Options;
  /** The engine, to run executors or emit events. */
  engine: Engine;
}

export interface GateDefinition<Options = Record<string, unknown>> {
  name: string;
  stage: GateStage;
  /** One line for `orch show` and docs. */
  description?: string;
  /** Checks options from the config and front matter; invalid options fail loudly, naming the gate. */
  options?: OptionsSchema;
  /** Defaults, merged under the options from the config and the command. */
  defaults?: Partial<Options>;
  /** Time limit for `check` in ms. Default 30,000. */
  timeoutMs?: number;
  /** Off unless turned on in the config, target or front matter; or a test of the task for that. Default false (on). */
  optIn?: boolean | ((task: GateContext['task']) => boolean);
  /**
   * For a gate whose verdict follows from the task's definition alone (its steps, outputs,
   * metadata; never the machine, the session or the files): the parts of the definition it
   * reads, as a string. Verdicts are then kept by that key and the options for the life of the
   * process, so tasks defined alike (one target in 500 packages) are judged once (issue 13).
   */
  definitionKey?(task: GateContext['task']): string;
  /** The verdict; a thrown error or a time-out is a `fail` naming the gate. */
  check(context: GateCheckContext<Options>): Omit<GateVerdict, 'gate'> | undefined | Promise<Omit<GateVerdict, 'gate'> | undefined>;
}

const HOOK_OF_STAGE = { pre: 'preGates', post: 'postValidate', qa: 'qaGates' } as const;

/** A gate's setting for one task: the config's, then the command's front matter on top. */
export function gateSetting(...settings: (GateSetting | undefined)[]): { enabled: boolean | undefined; severity: 'error' | 'warn'; options: Record<string, unknown> } {
  let enabled: boolean | undefined;
  let severity: 'error' | 'warn' = 'error';
  let options: Record<string, unknown> = {};
  for (const setting of settings) {
    if (setting === undefined) continue;
    if (typeof setting === 'boolean') {
      enabled = setting;
      continue;
    }
    if (setting.enabled !== undefined) enabled = setting.enabled;
    else enabled ??= true;
    if (setting.severity) severity = setting.severity;
    if (setting.options) options = { ...options, ...setting.options };
  }
  return { enabled, severity, options };
}

/**
 * Typed helper for writing a gate: returns a plugin that taps the gate's stage. The gate runs
 * for every task unless turned off (`gates: { name: false }` in the config or front matter);
 * `severity: warn` turns its failures into warnings; options are validated with its schema.
 */
export function defineGate<Options = Record<string, unknown>>(gate: GateDefinition<Options>): Plugin & { gate: GateDefinition<Options> } {
  return {
    name: gate.name,
    gate,
    apply(engine) {
      const configured = engine.config.gates[gate.name];
      const judged = new Map<string, Omit<GateVerdict, 'gate'> | undefined>();
      if (configured !== undefined && typeof configured === 'object' && configured.options && gate.options) {
        const problem = validateOptions(gate, configured.options);
        if (problem) {
          const message = `gate '${gate.name}': invalid options in the config: ${problem}`;
          const hint = "see the gate's documentation for its options";
          throw new OrchError('plugin-invalid', message, { hint, diagnostics: configDiagnostics(engine.config.configFile, ['gates', gate.name, 'options'], message, hint) });
        }
      }
      // A task's setting, options and their problem follow from its command's setting for the
      // gate (most have none): worked out once per distinct setting, not per task.
      const resolved = new Map<GateSetting | undefined, { setting: ReturnType<typeof gateSetting>; options: Options; problem: string | undefined; optionsKey: string }>();
      const resolve = (own: GateSetting | undefined) => {
        let found = resolved.get(own);
        if (!found) {
          const setting = gateSetting(configured, own);
          const options = { ...(gate.defaults ?? {}), ...setting.options } as Options;
          found = { setting, options, problem: gate.options ? validateOptions(gate, options) : undefined, optionsKey: JSON.stringify(options) };
          resolved.set(own, found);
        }
        return found;
      };
      engine.hooks[HOOK_OF_STAGE[gate.stage]].tapPromise(gate.name, async (context) => {
        if (context.only && !context.only.has(gate.name)) return;
        const { setting, options, problem, optionsKey } = resolve(context.task.command.metadata.gates?.[gate.name]);
        if (!gateApplies(gate, context.task, setting.enabled)) return;
        const started = performance.now();
        let verdict: Omit<GateVerdict, 'gate'> | undefined;
        const key = gate.definitionKey && !problem ? `${optionsKey}\0${gate.definitionKey(context.task)}` : undefined;
        if (problem) verdict = { status: 'fail', message: `invalid options: ${problem}` };
        else if (key !== undefined && judged.has(key)) verdict = judged.get(key);
        else {
          try {
            const ms = gate.timeoutMs ?? 30_000;
            // Each check gets its own copy of the options: a gate may change what it is given.
            const checked = gate.check({ ...context, options: { ...options }, engine });
            // A check that answered at once has nothing left to time (most do: a full hit asks five a task).
            verdict = isPromiseLike(checked) ? await withinLimit(Promise.resolve(checked), ms, () => new Error(`gate did not answer within ${ms} ms`)) : checked;
          } catch (error) {
            verdict = { status: 'fail', message: error instanceof Error ? error.message : String(error) };
          }
          if (key !== undefined) judged.set(key, verdict);
        }
        if (!verdict) return;
        if (verdict.status === 'fail' && setting.severity === 'warn') verdict = { ...verdict, status: 'warn', message: `${verdict.message} (severity: warn)` };
        context.report({ gate: gate.name, ...verdict, durationMs: performance.now() - started });
      });
    },
  };
}

function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

/** Whether a gate runs for a task: its setting if any, else on unless the gate is opt-in (for that task). */
export function gateApplies(gate: Pick<GateDefinition<never>, 'optIn'>, task: GateContext['task'], enabled: boolean | undefined): boolean {
  if (enabled !== undefined) return enabled;
  const optIn = typeof gate.optIn === 'function' ? gate.optIn(task) : gate.optIn === true;
  return !optIn;
}

function validateOptions(gate: { options?: OptionsSchema }, options: unknown): string | undefined {
  const result = gate.options!['~standard'].validate(options);
  if (result instanceof Promise) return undefined;
  const issues = (result as { issues?: readonly { message: string; path?: readonly (PropertyKey | { key: PropertyKey })[] }[] }).issues;
  if (!issues || issues.length === 0) return undefined;
  return issues
    .map((issue) => {
      const path = (issue.path ?? []).map((p) => (typeof p === 'object' && p !== null && 'key' in p ? String(p.key) : String(p))).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
