import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ExitCode, OrchError, parseDuration } from '@orch/engine';
import type { CliCommand } from '../CliCommand.js';
import { openWorkspace } from '../openWorkspace.js';
import { parseCommandLine } from '../parseCommandLine.js';
import { workspaceCache } from '../taskHasher.js';
import { pluginsModule } from '../lazyModules.js';

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;

export const cacheCommand: CliCommand = {
  name: 'cache',
  usage: 'orch cache stats [--json] | orch cache clean [--older-than <age>]',
  description:
    'Shows the local cache (entries, size, bound, hit rate from the metrics) and the remote one (status, whether downloads are verified, pending uploads), or removes local entries: all, or those not used for a while.',
  options: {
    json: { type: 'boolean', description: 'stats: print them as JSON' },
    'older-than': { type: 'string', valueName: 'age', description: 'clean: only the entries not used for this long', default: 'any age: every entry', check: (value) => (parseDuration(value) === undefined ? 'a duration such as 7d, 12h or 30m' : undefined), example: '--older-than 7d' },
  },
  operands: ['stats', 'clean'],
  examples: ['orch cache stats', 'orch cache clean --older-than 7d', 'orch cache clean'],
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, this.options);
    const [action] = positionals;
    if (action !== 'stats' && action !== 'clean') throw new OrchError('usage', `orch cache ${action ?? ''}: expected stats or clean`.trim(), { hint: 'orch cache stats, or orch cache clean [--older-than 7d]' });
    const workspace = await openWorkspace(io.cwd);
    const { cache } = await workspaceCache(workspace);
    if (action === 'clean') {
      const olderThan = values['older-than'] as string | undefined;
      const age = olderThan === undefined ? undefined : parseDuration(olderThan);
      const { removed, freedBytes } = await cache.clean(age === undefined ? undefined : Date.now() - age);
      io.stdout(`removed ${removed} entr${removed === 1 ? 'y' : 'ies'}, freed ${mb(freedBytes)}\n`);
      return ExitCode.ok;
    }
    const entries = await cache.list();
    const bytes = entries.reduce((sum, e) => sum + e.bytes, 0);
    const { hits, runs } = await hitRate(resolve(workspace.config.root, workspace.config.stateDir, 'metrics'));
    const { remoteCacheClient, remoteCacheTrust, uploadQueueFor } = await pluginsModule();
    const settings = workspace.config.cache;
    const remote = remoteCacheClient(settings);
    const remoteStatus = remote ? await remote.status().catch((error: Error) => `unreachable (${error.message})`) : null;
    const trust = settings.remote ? remoteCacheTrust(settings.remote) : undefined;
    const pendingUploads = settings.remote ? (await uploadQueueFor(workspace.config.root, workspace.config.stateDir).pending()).length : 0;
    const stats = {
      dir: cache.dir,
      entries: entries.length,
      bytes,
      maxBytes: workspace.config.cache.maxBytes,
      oldestUse: entries.length > 0 ? new Date(entries.reduce((oldest, e) => Math.min(oldest, e.usedAt), Infinity)).toISOString() : null,
      newestUse: entries.length > 0 ? new Date(entries.reduce((newest, e) => Math.max(newest, e.usedAt), -Infinity)).toISOString() : null,
      taskRuns: runs,
      cacheHits: hits,
      hitRate: runs > 0 ? hits / runs : null,
      remote: settings.remote && trust ? { url: settings.remote.url, status: remoteStatus, reads: trust.reads, pendingUploads } : null,
    };
    if (values.json) io.stdout(`${JSON.stringify(stats, null, 2)}\n`);
    else {
      io.stdout(
        [
          `cache:     ${stats.dir}`,
          `entries:   ${stats.entries}, ${mb(bytes)} of ${mb(stats.maxBytes)}`,
          ...(stats.oldestUse ? [`used:      ${stats.oldestUse} … ${stats.newestUse}`] : []),
          `hit rate:  ${stats.hitRate === null ? 'no runs recorded' : `${(stats.hitRate * 100).toFixed(1)}% (${hits} of ${runs} task runs)`}`,
          ...(stats.remote && trust
            ? [
                `remote:    ${stats.remote.url} (${stats.remote.status})`,
                `  reads:   ${trust.describe}`,
                ...(pendingUploads > 0 ? [`  uploads: ${pendingUploads} pending, retried by the next run`] : []),
              ]
            : []),
          '',
        ].join('\n'),
      );
    }
    return ExitCode.ok;
  },
};

/** Cache hits among task runs, from the metrics files. */
async function hitRate(dir: string): Promise<{ hits: number; runs: number }> {
  let hits = 0;
  let runs = 0;
  for (const file of await readdir(dir).catch(() => [] as string[])) {
    for (const line of (await readFile(join(dir, file), 'utf8').catch(() => '')).split('\n')) {
      if (!line.trim()) continue;
      try {
        const entry = JSON.parse(line) as { status?: string; cached?: string };
        if (entry.status !== 'completed') continue;
        runs++;
        if (entry.cached) hits++;
      } catch {
        // a torn line
      }
    }
  }
  return { hits, runs };
}
