import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../lazyRequire.js';
import type { HashInputs } from './TaskHasher.js';

/** The hash inputs of each task's last successful run (`<stateDir>/hashes/<task>.json`), for `orch explain`. */
export class HashRecords {
  constructor(private readonly stateDir: string) {}

  private path(id: string): string {
    return join(this.stateDir, 'hashes', `${encodeURIComponent(id)}.json`);
  }

  async read(id: string): Promise<{ hash: string; inputs: HashInputs } | undefined> {
    try {
      return JSON.parse(await readFile(this.path(id), 'utf8')) as { hash: string; inputs: HashInputs };
    } catch {
      return undefined;
    }
  }

  async write(id: string, hash: string, inputs: HashInputs): Promise<void> {
    await mkdir(join(this.stateDir, 'hashes'), { recursive: true });
    await writeFileAtomic()(this.path(id), JSON.stringify({ hash, inputs }), { fsync: false });
  }
}
