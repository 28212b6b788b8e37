import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineGate } from '@orch/engine';

/**
 * Post-execution: orch's state files still parse and agree with each other: the JSON files of
 * the state folder, and the completion markers of the task's dependencies name their task.
 */
export function stateConsistencyGate() {
  return defineGate({
    name: 'orch:state-consistency',
    stage: 'post',
    description: 'state files parse and agree',
    async check({ task }) {
      const stateDir = join(task.root, task.stateDir);
      const problems: string[] = [];
      const files = await readdir(stateDir).catch(() => [] as string[]);
      for (const file of files.filter((f) => f.endsWith('.json'))) {
        try {
          JSON.parse(await readFile(join(stateDir, file), 'utf8'));
        } catch (error) {
          problems.push(`${file} does not parse: ${(error as Error).message}`);
        }
      }
      for (const id of [...task.dependencies.keys(), ...task.outsideDependencies]) {
        const path = join(stateDir, 'completed', `${encodeURIComponent(id)}.json`);
        const text = await readFile(path, 'utf8').catch(() => undefined);
        if (text === undefined) continue;
        try {
          const marker = JSON.parse(text) as { id?: string };
          if (marker.id !== id) problems.push(`the completion marker of ${id} names ${marker.id}`);
        } catch {
          problems.push(`the completion marker of ${id} does not parse`);
        }
      }
      if (problems.length > 0) return { status: 'fail', message: problems.join('; ') };
      return { status: 'pass', message: 'state consistent' };
    },
  });
}
