import { createHash } from 'node:crypto';
import { dependencyClosure, type EngineOutput, type TaskGraph } from '@orch/engine';
import type { CliIO } from '../CliCommand.js';
import { filterRoots } from '../filterRoots.js';
import { openWorkspace, type OpenWorkspace } from '../openWorkspace.js';
import { resolveNames } from '../resolveNames.js';
import { runnableGraph } from '../runnableGraph.js';
import { runSettings, type RunSettings } from '../runOptions.js';
import { workspaceCache } from '../taskHasher.js';

/** What `orch watch` was asked to run: the names, the run options given, the arguments after `--`, the command line. */
export interface WatchRequest {
  names: readonly string[];
  values: Record<string, unknown>;
  args: readonly string[];
  /** As typed after `orch` (`watch web#dev`, `run build --watch`): recorded in the session, for people. */
  argv: readonly string[];
}

/** The workspace as it is now, and the hash of every task the request runs. */
export interface Survey {
  workspace: OpenWorkspace;
  settings: RunSettings;
  graph: TaskGraph;
  /** Task id → the name the user typed for it. */
  roots: Map<string, string>;
  /** The requested tasks and all they depend on, in dependency order. */
  tasks: string[];
  /**
   * Task id → its hash, from the hasher `orch run` uses (a prompt's `!`cmd`` lines not run),
   * joined with its definition as discovery read it: the hasher reads a command file again,
   * later, so a save in between would otherwise leave a new hash on a run of the old definition.
   */
  hashes: Map<string, string>;
  /**
   * Persistent task id → the hash of its own inputs: its hash without its dependencies'
   * hashes, so a rebuilt dependency does not restart a dev server, an edit of its own files does.
   */
  ownHashes: Map<string, string>;
  /** Every input file of those tasks (`/`-separated, relative to the root): what a change line names. */
  inputs: Set<string>;
}

/**
 * Opens the workspace afresh (config, command files and packages read again) and hashes the
 * tasks of the request with `orch run`'s `TaskHasher`: comparing two surveys tells which tasks'
 * inputs changed. Throws as `orch run` does for a config or graph error in what the request
 * needs (printed through `io`, located).
 */
export async function surveyWorkspace(request: WatchRequest, io: CliIO, output: EngineOutput): Promise<Survey> {
  const workspace = await openWorkspace(io.cwd, output);
  try {
    const settings = runSettings(request.values, workspace.config);
    const roots = new Map<string, string>();
    for (const name of request.names) for (const id of await resolveNames(workspace, [name], io)) if (!roots.has(id)) roots.set(id, name);
    await filterRoots(workspace, roots, request.values, io);
    const graph = await runnableGraph(workspace, [...roots.keys()], { only: false }, io);
    const closure = dependencyClosure(graph, [...roots.keys()]);
    const tasks = graph.order.filter((id) => closure.has(id));
    const { hasher } = await workspaceCache(workspace);
    if (request.args.length > 0) for (const id of roots.keys()) hasher.args.set(id, request.args);
    const hashes = new Map<string, string>();
    const ownHashes = new Map<string, string>();
    const files = new Set<string>();
    for (const id of tasks) {
      const { hash, inputs } = await hasher.hash(id);
      const { metadata, steps, dependencies } = workspace.registry.commands.get(id)!;
      hashes.set(id, digest({ hash, metadata, steps, dependencies: dependencies.map((dependency) => dependency.spec) }));
      for (const file of Object.keys(inputs.files)) files.add(file);
      if (metadata.persistent) ownHashes.set(id, digest({ ...inputs, dependencies: {}, metadata, steps }));
    }
    return { workspace, settings, graph, roots, tasks, hashes, ownHashes, inputs: files };
  } catch (error) {
    await workspace.engine.close();
    throw error;
  }
}

function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}
