import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defineGate } from '@orch/engine';
import { TaskRecords } from '../state/TaskRecords.js';

/**
 * Post-execution: orch's state files still parse and agree with each other: the JSON files of
 * the state folder, and the completion markers of the task's dependencies name their task.
 */
export function stateConsistencyGate() {
  return defineGate({
    name: 'orch:state-consistency',
    stage: 'post',
    description: 'state files parse and agree',
    async check({ task, engine }) {
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
      const records = TaskRecords.of(engine);
      for (const id of [...task.dependencies.keys(), ...task.outsideDependencies]) {
        const marker = await records.get('completed', id);
        if (marker && marker.id !== id) problems.push(`the completion marker of ${id} names ${marker.id}`);
      }
      if (problems.length > 0) return { status: 'fail', message: problems.join('; ') };
      return { status: 'pass', message: 'state consistent' };
    },
  });
}
