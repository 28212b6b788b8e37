import type { CliIO } from '../CliCommand.js';
import { main } from '../main.js';
import { fullCacheHit } from './fullCacheHit.js';
import { enterInvocation } from './invocationContext.js';

/** The invocation that started a daemon: what its warm-up runs (`__daemon`'s last argument, JSON). */
export interface WarmUpRequest {
  argv: string[];
  cwd: string;
}

/** `__daemon`'s last argument: the invocation to warm up with, or none if it is missing or not one. */
export function warmUpRequest(text: string | undefined): WarmUpRequest | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<WarmUpRequest>;
    if (Array.isArray(value.argv) && value.argv.every((arg) => typeof arg === 'string') && typeof value.cwd === 'string') return { argv: value.argv, cwd: value.cwd };
  } catch {
    // Not JSON: no warm-up.
  }
  return undefined;
}

/**
 * How many times the warm-up runs the invocation, at most: V8 optimises a function once it has
 * run it enough, and what runs once per invocation (loading the config, discovery, the graph,
 * the check's own loop) needs about twenty invocations. Measured on the 100-package tree
 * workspace (session 26), the median reply to a daemon's first twelve full hits went from
 * 111-161 ms after 2 rounds to 73-89 ms after 20 (four A/B pairs; 8 and 12 rounds were between).
 */
const ROUNDS = 20;
/** The warm-up stops after the round that passes this (ms from its start): a large workspace's rounds are long, and its loops warm faster. */
const BUDGET_MS = 5_000;

/**
 * Warms a daemon that has just started (docs/daemon.md): runs the invocation that started it,
 * with the daemon's environment (the starter's), its output dropped, up to `ROUNDS` times or
 * `BUDGET_MS`, or until a client asks for one (`stop()` is true). A run (`run`, `affected`, a
 * target) is never admitted: it goes as far as its full-hit check (`fullCacheHit`: the config,
 * the workspace, the graph, the plan, every task's hash and cache entry) and no further, so
 * nothing is started, restored or recorded; `list`, `validate` and `affected --list` only read
 * (`warmsUp`: nothing else warms up; `show` may run a prompt's lines). The first invocations a
 * client sends then find orch's modules loaded and its code compiled and optimised. Nothing it
 * did is kept: every invocation reads the files again (`freshImports`). `around` runs each round
 * as the daemon runs an invocation (its module generation, its work-tree sync). Never throws:
 * whatever goes wrong is the first real invocation's to say.
 */
export async function warmUp(request: WarmUpRequest, daemon: { program: string; root: string }, around: (round: () => Promise<void>) => Promise<void>, stop: () => boolean): Promise<number> {
  const began = performance.now();
  let rounds = 0;
  while (rounds < ROUNDS && performance.now() - began < BUDGET_MS && !stop()) {
    rounds++;
    await around(() => warmUpOnce(request, daemon)).catch(() => undefined);
  }
  return rounds;
}

async function warmUpOnce(request: WarmUpRequest, daemon: { program: string; root: string }): Promise<void> {
  const drop = (): void => {};
  const context = enterInvocation({ argv: request.argv, program: daemon.program, home: daemon.root, env: { ...process.env } as Record<string, string>, cwd: request.cwd, umask: process.umask(), stdout: { tty: false }, stderr: { tty: false }, write: drop });
  const io: CliIO = {
    stdout: drop,
    stderr: drop,
    cwd: request.cwd,
    color: false,
    outputClosed: new AbortController().signal,
    admitRun: async (run) => {
      await fullCacheHit(run as Parameters<typeof fullCacheHit>[0]);
      throw new Error('warm-up: never admitted');
    },
  };
  try {
    await main(request.argv, io);
  } catch {
    // The run was not admitted, as meant.
  } finally {
    context.leave();
  }
}
