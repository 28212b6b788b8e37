import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AgentConfig, CommandDefinition, CommandMetadata, TaskGraph } from '@orch/engine';
import { commitAll, tempRepo } from '../../../../test/helpers/tempRepo.js';
import { canonicalJson, sha256 } from '../cache/canonicalJson.js';
import { TaskHasher } from '../cache/TaskHasher.js';

/** A config command that runs `run`, with these metadata (its `env` settings). */
function command(dir: string, id: string, metadata: Partial<CommandMetadata>): CommandDefinition {
  return { id, kind: 'config', source: 'test', location: { file: join(dir, 'orchestrator.config.json'), line: 1, column: 1 }, dependencies: [], metadata: metadata as CommandMetadata, steps: [{ run: `echo ${id}` }] } as unknown as CommandDefinition;
}

function hasher(dir: string, commands: CommandDefinition[], envSource: Record<string, string>, globalInputs?: string[]): TaskHasher {
  const graph = { nodes: new Map(commands.map((c) => [c.id, { dependencies: [] }])) } as unknown as TaskGraph;
  return new TaskHasher({
    root: dir,
    stateDir: '.orch',
    commands: new Map(commands.map((c) => [c.id, c])),
    graph,
    agent: {} as AgentConfig,
    plugins: { 'orch:workspace': '0.1.0', 'orch:cache-local': '0.1.0', 'a-plugin': '2.0.0' },
    env: { envMode: 'strict', globalEnv: ['SHARED'], globalPassThroughEnv: [] },
    envSource,
    ...(globalInputs ? { globalInputs } : {}),
  });
}

describe('TaskHasher: the environment part of a hash', () => {
  it('gives each task the variables its own env settings declare, however many tasks of the run share settings', async () => {
    const dir = commitAll(tempRepo({ 'orchestrator.config.json': '{}\n' }));
    const commands = [
      command(dir, 'a', { env: ['API_URL'] }),
      command(dir, 'b', { env: ['API_URL'] }),
      command(dir, 'c', { env: ['NODE_ENV'], passThroughEnv: ['TOKEN'] }),
      command(dir, 'd', { envMode: 'loose' }),
      command(dir, 'e', {}),
    ];
    const source = { API_URL: 'https://x', NODE_ENV: 'production', SHARED: 's', TOKEN: 't', OTHER: 'o' };
    const h = hasher(dir, commands, source);
    const [a, b, c, d, e] = await Promise.all(commands.map((c) => h.hash(c.id)));
    const hashed = (...names: (keyof typeof source)[]) => Object.fromEntries(names.map((name) => [name, sha256(source[name])]));
    expect(a!.inputs.env).toEqual(hashed('API_URL', 'SHARED'));
    expect(b!.inputs.env).toEqual(a!.inputs.env);
    // Each task's inputs are its own: what one task's record holds is not another's.
    expect(b!.inputs.env).not.toBe(a!.inputs.env);
    expect(c!.inputs.env).toEqual(hashed('NODE_ENV', 'SHARED'));
    expect(c!.inputs.passThroughEnv).toEqual(['TOKEN']);
    expect(d!.inputs.envMode).toBe('loose');
    expect(d!.inputs.env).toEqual(hashed('API_URL', 'NODE_ENV', 'OTHER', 'SHARED', 'TOKEN'));
    expect(e!.inputs.env).toEqual(hashed('SHARED'));
    // Hashes are what a hasher of each task alone gives.
    for (const [i, one] of [a, b, c, d, e].entries()) expect(one!.hash).toBe((await hasher(dir, [commands[i]!], source).hash(commands[i]!.id)).hash);
  });
});

describe('TaskHasher: the hash', () => {
  it('is the SHA-256 of the canonical JSON of its inputs, for every task of a hasher (their shared parts written once)', async () => {
    const dir = commitAll(tempRepo({ 'orchestrator.config.json': '{}\n', 'a.txt': 'a\n' }));
    const commands = ['a', 'b', 'c'].map((id) => command(dir, id, { inputs: ['*.txt'] }));
    const h = hasher(dir, commands, {});
    for (const one of await Promise.all(commands.map((c) => h.hash(c.id)))) {
      expect(one.hash).toBe(sha256(canonicalJson(one.inputs)));
    }
  });
});

describe('TaskHasher: the global inputs', () => {
  it('takes the files they name at the root only, and those their globs match anywhere (names are looked up, globs matched)', async () => {
    const dir = commitAll(tempRepo({ 'orchestrator.config.json': '{}\n', 'tsconfig.base.json': '{}\n', 'pkg/tsconfig.base.json': '{}\n', '.env': 'X=1\n', 'ci/env.sh': 'x\n', 'ci/sub/.npmrc': 'y\n' }));
    const commands = [command(dir, 'a', { inputs: [] })];
    const files = async (globalInputs?: string[]) => Object.keys((await hasher(dir, commands, {}, globalInputs).hash('a')).inputs.files).sort();
    expect(await files()).toEqual(['tsconfig.base.json']);
    expect(await files(['.env'])).toEqual(['.env', 'tsconfig.base.json']);
    expect(await files(['ci/**'])).toEqual(['ci/env.sh', 'ci/sub/.npmrc', 'tsconfig.base.json']);
  });
});
