import tapable from 'tapable';
import type { CommandDefinition } from './commands/CommandDefinition.js';
import { CommandRegistry } from './commands/CommandRegistry.js';
import type { Resolution } from './commands/resolveCommand.js';
import type { ResolvedConfig } from './config/OrchConfig.js';
import type { LogLevel, LogOrder, OutputLogs } from './config/outputLogs.js';
import type { OrchEvent, TaskOutcome } from './events.js';
import type { Plugin } from './plugin/Plugin.js';
import type { OrchError } from './OrchError.js';
import { pluginError } from './plugin/PluginError.js';
import { withinLimit } from './plugin/withinLimit.js';
import type { GateContext, TaskContext, ExecutionResult, FailureContext, RecoveryDecision, DeployResult } from './pipeline/TaskContext.js';

const { AsyncParallelHook, AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook, HookMap, SyncHook } = tapable;

/** The order of the ten pipeline stages, for events, metrics and recovery defaults. */
export const PIPELINE_STAGES = [
  'resolve',
  'metadata',
  'triage',
  'dependencies',
  'preGates',
  'deploy',
  'execute',
  'postValidate',
  'qaGates',
  'persist',
] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

/** Tap `stage` values: a plugin orders itself among others on the same hook with these. */
export const STAGE_ORDER = {
  /** Before the built-ins, e.g. to short-circuit resolution. */
  early: -100,
  builtin: 0,
  /** After the built-ins, e.g. to post-process what they produced. */
  late: 100,
} as const;

/** Given to `settle`: how every task of the run ended, and the order in which they did. */
export interface RunSettlement {
  outcomes: ReadonlyMap<string, TaskOutcome>;
  tasks: ReadonlyMap<string, TaskContext>;
  /** Task ids in the order they finished. */
  finished: readonly string[];
  signal: AbortSignal;
}

/** Input of the `resolve` stage. */
export interface ResolveRequest {
  name: string;
  registry: CommandRegistry;
}

/** Given to command sources: where to add what they find. */
export interface DiscoveryContext {
  root: string;
  config: ResolvedConfig;
  registry: CommandRegistry;
}

function createHooks() {
  return Object.freeze({
    /** After every plugin has been applied. */
    initialize: new AsyncSeriesHook<[Engine]>(['engine']),
    /** Command sources add commands, agents and projects. Sources run in parallel. */
    discover: new AsyncParallelHook<[DiscoveryContext]>(['context']),
    /** After discovery and the metadata stage: validators may add diagnostics. */
    discovered: new AsyncSeriesHook<[CommandRegistry]>(['registry']),
    /** Before the process exits: release resources (worker pools, child processes). */
    shutdown: new AsyncSeriesHook<[]>([]),

    /** Stage 1: map a typed name to commands. First answer wins. */
    resolve: new AsyncSeriesBailHook<[ResolveRequest], Resolution | undefined>(['request']),
    /** Stage 2: normalise a command's metadata (front matter) into orch's schema. */
    metadata: new AsyncSeriesWaterfallHook<[CommandDefinition, CommandRegistry]>(['command', 'registry']),
    /** Stage 3: complexity to a resource profile (timeout, weight, budget). */
    triage: new AsyncSeriesHook<[TaskContext]>(['task']),
    /** Stage 4: check each dependency exists and is satisfied. */
    dependencies: new AsyncSeriesHook<[TaskContext]>(['task']),
    /** Stage 5: gates before execution; all run, verdicts collected. */
    preGates: new AsyncParallelHook<[GateContext]>(['gate']),
    /** Stage 6: choose an executor and get it ready. First answer wins. */
    deploy: new AsyncSeriesBailHook<[TaskContext], DeployResult | undefined>(['task']),
    /** Stage 7: run the task, keyed by executor name (`shell`, `node`, `agent`). */
    execute: new HookMap((executor: string) => new AsyncSeriesBailHook<[TaskContext], ExecutionResult | undefined>(['task'], executor)),
    /** Stage 8: validations after execution; all run, verdicts collected. */
    postValidate: new AsyncParallelHook<[GateContext]>(['gate']),
    /** Stage 9: quality-assurance gates; all run, verdicts collected. */
    qaGates: new AsyncParallelHook<[GateContext]>(['gate']),
    /** Stage 10: cache, completion marker, checkpoint, metrics. */
    persist: new AsyncSeriesHook<[TaskContext]>(['task']),
    /** After a failure at any stage: choose a recovery strategy. First answer wins. */
    recover: new AsyncSeriesBailHook<[FailureContext], RecoveryDecision | undefined>(['failure']),
    /**
     * Make what was emitted so far durable (the session log): before a task executes (never for
     * a cache hit, which executes nothing), after each of its steps (stage `execute`), and when
     * it ends (stage `persist`; a hit's end need only be written, not synced).
     */
    checkpoint: new AsyncParallelHook<[TaskContext, PipelineStage]>(['task', 'stage']),
    /** After the last task of a run ended, before `run-finished`: compensations (saga), clean-up. */
    settle: new AsyncSeriesHook<[RunSettlement]>(['run']),

    /** Every event the engine emits; reporters tap here. */
    event: new SyncHook<[OrchEvent]>(['event']),
  });
}

export type EngineHooks = ReturnType<typeof createHooks>;

/** Where and how reporters write. The engine itself never writes. */
export interface EngineOutput {
  /** The active reporter: `tty` (live view), `plain` (prefixed lines), `json` (NDJSON), `silent`. */
  reporter: 'tty' | 'plain' | 'json' | 'silent';
  write(stream: 'stdout' | 'stderr', text: string): void;
  /**
   * True while what was written is piling up (more than the bound, 1 MB, waiting for a slow reader
   * of orch's stdout or stderr, a pipe): task output producers then stop reading their tasks until
   * `drained` resolves, so a task's output never accumulates in orch's memory (FINDINGS-11, 2).
   * Absent: never (output captured in memory, tests).
   */
  congested?(): boolean;
  /** Resolves once the output is no longer congested (at once when it is not). */
  drained?(): Promise<void>;
  color: boolean;
  /** Terminal width, as it is now (it follows resizes). */
  readonly columns: number;
  /** Calls `listener` when the terminal is resized (SIGWINCH); returns what stops that. Absent: no terminal. */
  onResize?(listener: () => void): () => void;
  /**
   * Set when task output goes to a colour terminal: tasks get `FORCE_COLOR` at this level (1: 16
   * colours, 2: 256, 3: 16 million) and `COLUMNS`, since they never see the terminal themselves.
   */
  terminal?: { colorLevel: 1 | 2 | 3; columns: number };
  /** Colour was turned off by `NO_COLOR` or `--no-color`: tasks get `NO_COLOR` and no `FORCE_COLOR`. */
  noColor?: boolean;
  /** Working directory, for relative paths in messages. */
  cwd: string;
  /** `--output-logs`: over every task's `outputLogs` (default: the task's, else `full`). */
  outputLogs?: OutputLogs;
  /** `--log-order` as settled (`auto` decided): default `stream`. */
  logOrder?: LogOrder;
  /** `--log-level` (`--verbose`: `debug`): which of orch's own messages are shown. Default `info`. */
  logLevel?: LogLevel;
}

export interface EngineOptions {
  config: ResolvedConfig;
  output?: EngineOutput;
  /**
   * `load` (default): plugins with a `load` (run-time plugins, `lazyPlugin`) are imported and
   * applied in their place in the order. `defer`: for an engine that runs no task (listing,
   * validating, printing a graph), they are listed in `plugins` but neither imported nor
   * applied, so their hooks have no taps.
   */
  runTimePlugins?: 'load' | 'defer';
}

/**
 * The engine: one frozen set of hooks, and the plugins applied to it. It holds no behaviour
 * of its own beyond running hooks in order; every stage is a plugin.
 */
export class Engine {
  readonly hooks: EngineHooks = createHooks();
  readonly config: ResolvedConfig;
  readonly output: EngineOutput;
  private readonly applied: Plugin[] = [];
  private readonly runTimePlugins: 'load' | 'defer';
  private readonly backgroundWork: { plugin: string; work: () => Promise<void> | void }[] = [];

  constructor(options: EngineOptions) {
    this.config = options.config;
    this.runTimePlugins = options.runTimePlugins ?? 'load';
    this.output = options.output ?? {
      reporter: 'silent',
      write: (stream, text) => void process[stream].write(text),
      color: false,
      columns: 80,
      cwd: process.cwd(),
    };
    for (const [name, hook] of Object.entries(this.hooks)) {
      // Executors have the task's own timeout; every other tap gets the plugin time limit.
      const limit = name === 'execute' || name === 'event' ? undefined : this.config.pluginTimeout;
      if (hook instanceof HookMap) hook.intercept({ factory: (key, created) => wrapTaps(created, `${name}.${String(key)}`, limit) });
      else wrapTaps(hook as AnyHook, name, limit);
    }
  }

  /** Applies plugins in order; a plugin whose `apply` throws is named in the error. */
  async use(plugins: readonly Plugin[]): Promise<void> {
    for (const plugin of plugins) {
      if (plugin.load && this.runTimePlugins === 'defer') {
        this.applied.push(plugin);
        continue;
      }
      let loaded = plugin;
      if (plugin.load) {
        try {
          loaded = await plugin.load();
          if (loaded.name !== plugin.name) throw new Error(`it loaded a plugin named '${loaded.name}'`);
        } catch (error) {
          throw pluginError(plugin.name, 'load', error);
        }
      }
      try {
        await loaded.apply(this);
      } catch (error) {
        throw pluginError(plugin.name, 'apply', error);
      }
      // The loaded plugin, with its own `version` (recorded in task hashes).
      this.applied.push(loaded);
    }
    await this.hooks.initialize.promise(this);
    this.emit({ type: 'plugins-applied', plugins: this.applied.map((p) => p.name) });
  }

  get plugins(): readonly Plugin[] {
    return this.applied;
  }

  emit(event: OrchEvent): void {
    this.hooks.event.call(event);
  }

  /** Runs every command source, then the metadata stage over each command found. */
  async discover(): Promise<CommandRegistry> {
    const started = performance.now();
    const registry = new CommandRegistry();
    this.emit({ type: 'discovery-started', root: this.config.root });
    await this.hooks.discover.promise({ root: this.config.root, config: this.config, registry });
    const normalised = await Promise.all([...registry.commands.values()].map((command) => this.hooks.metadata.promise(command, registry)));
    for (const command of normalised) registry.commands.set(command.id, command);
    await this.hooks.discovered.promise(registry);
    this.emit({
      type: 'discovery-finished',
      commands: registry.commands.size,
      agents: registry.agents.size,
      projects: registry.projects.size,
      durationMs: performance.now() - started,
    });
    return registry;
  }

  /** Stage 1 through the hook, so plugins may add resolution rules. */
  async resolve(name: string, registry: CommandRegistry): Promise<Resolution> {
    const result = await this.hooks.resolve.promise({ name, registry });
    return result ?? { kind: 'not-found', name, suggestions: [], folderCommands: [] };
  }

  /**
   * Ends the invocation: the `shutdown` hook (what the run's result depends on: its session log
   * closed and durable, its records written, claims released), then the background work
   * (`background`), unless `deferBackground`: a daemon sends the client its exit code first and
   * then calls `finishBackground` (docs/daemon.md). The background work is done even when a
   * `shutdown` tap threw, whose error is then the one thrown; a failure of background work is a
   * `warning` event, not an error (session 23's tester: alone it was exit 70 and hid the tap's).
   */
  async close(options: { deferBackground?: boolean; signal?: AbortSignal } = {}): Promise<void> {
    try {
      await this.hooks.shutdown.promise();
    } finally {
      if (!options.deferBackground) for (const failure of await this.finishBackground(options.signal)) this.emit({ type: 'warning', message: failure.message, source: 'orch:background' });
    }
  }

  /**
   * Work a plugin's shutdown leaves for after the run's result is out, which nothing the run
   * reports depends on: a session's snapshot, pruning old sessions, the duration history and the
   * metrics lines (issue 13: off the critical path of a served full hit). Done in the order given;
   * a failure is named after `plugin` (docs/plugins.md "Background work").
   */
  background(plugin: string, work: () => Promise<void> | void): void {
    this.backgroundWork.push({ plugin, work });
  }

  /**
   * Does the background work queued so far, all of it, each within `pluginTimeout` (given up, with
   * the rest, once `signal` aborts: a stop signal after the run ended), and returns
   * the failures, each naming its plugin (`plugin 'x' failed in hook 'background': ...`, `did not
   * answer within 60000 ms`), in the order the work was queued.
   * Never throws: the run's result is out, or about to be, without it.
   */
  async finishBackground(signal?: AbortSignal): Promise<OrchError[]> {
    const failures: OrchError[] = [];
    const limit = this.config.pluginTimeout;
    for (const { plugin, work } of this.backgroundWork.splice(0)) {
      try {
        if (signal?.aborted) throw givenUp(signal);
        // Within the plugin time limit, as every hook tap: work that never settles is a warning
        // after it, not a process that waits for good (session 24's tester: exit 70 alone, a daemon busy for good).
        const done = Promise.resolve().then(work);
        const limited = limit === undefined || !Number.isFinite(limit) ? done : withinLimit(done, limit, () => hangError(limit));
        await (signal ? Promise.race([limited, new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(givenUp(signal)), { once: true }))]) : limited);
      } catch (error) {
        failures.push(pluginError(plugin, 'background', error));
      }
    }
    return failures;
  }
}

interface AnyTap {
  name: string;
  type: 'sync' | 'async' | 'promise';
  fn: (...args: unknown[]) => unknown;
}
interface AnyHook {
  intercept(interceptor: { register?: (tap: AnyTap) => AnyTap }): void;
}

/** Wraps every tap so a throw, a rejection or a hang past `limitMs` names the plugin and the hook. */
function wrapTaps<H>(hook: H, hookName: string, limitMs?: number): H {
  (hook as unknown as AnyHook).intercept({
    register(tap) {
      const original = tap.fn;
      switch (tap.type) {
        case 'sync':
          return {
            ...tap,
            fn: (...args: unknown[]) => {
              try {
                return original(...args);
              } catch (error) {
                throw pluginError(tap.name, hookName, error);
              }
            },
          };
        case 'promise': {
          // Called tens of thousands of times by a full hit: one promise per call (the limit's,
          // which names the plugin), not an async wrapper's besides.
          const named = (error: unknown): Error => pluginError(tap.name, hookName, error);
          return {
            ...tap,
            fn: (...args: unknown[]) => {
              let work: unknown;
              try {
                work = original(...args);
              } catch (error) {
                return Promise.reject(named(error));
              }
              return withinPluginLimit(Promise.resolve(work), limitMs, named);
            },
          };
        }
        case 'async':
          return {
            ...tap,
            fn: (...args: unknown[]) => {
              const callback = args.pop() as (error?: unknown, result?: unknown) => void;
              let settled = false;
              const done = (error?: unknown, result?: unknown): void => {
                if (settled) return;
                settled = true;
                clearTimeout(timer);
                if (error) callback(pluginError(tap.name, hookName, error));
                else callback(undefined, result);
              };
              const timer = limitMs === undefined ? undefined : setTimeout(() => done(hangError(limitMs)), limitMs);
              try {
                original(...args, done);
              } catch (error) {
                done(error);
              }
            },
          };
      }
    },
  });
  return hook;
}

/** Background work left undone because the process was told to stop (`finishBackground`'s signal). */
function givenUp(signal: AbortSignal): Error {
  const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason);
  return new Error(`given up, unfinished (${reason})`);
}

function hangError(limitMs: number): Error {
  return new Error(`did not answer within ${limitMs} ms (pluginTimeout)`);
}

/** `work` under the plugin time limit (none for `undefined` or infinite); its failure or hang as `named` makes it. */
function withinPluginLimit<T>(work: Promise<T>, limitMs: number | undefined, named: (error: unknown) => Error): Promise<T> {
  if (limitMs === undefined || !Number.isFinite(limitMs)) return work.then(undefined, (error: unknown) => Promise.reject(named(error)));
  return withinLimit(work, limitMs, () => hangError(limitMs), named);
}
