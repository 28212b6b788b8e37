import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../lazyRequire.js';

/** An upload to the remote cache that has not been confirmed yet. */
export interface PendingUpload {
  hash: string;
  taskId: string;
  queuedAt: string;
}

const HASH = /^[0-9a-f]{64}$/;

/**
 * Remote uploads not yet confirmed, one file per hash under `dir` (`<stateDir>/remote-uploads/`;
 * issue 11, part 11b). A record is written before the upload starts and removed once the server
 * has the artifact, so an upload cut short by a crash, a server fault or an open circuit is
 * retried by the next run. One file per hash: two processes never write the same file, and a
 * record is whole or absent (atomic write).
 */
export class UploadQueue {
  private ready: Promise<unknown> | undefined;

  constructor(readonly dir: string) {}

  async add(hash: string, taskId: string): Promise<void> {
    this.ready ??= mkdir(this.dir, { recursive: true });
    await this.ready;
    const record: PendingUpload = { hash, taskId, queuedAt: new Date().toISOString() };
    await writeFileAtomic()(join(this.dir, `${hash}.json`), `${JSON.stringify(record)}\n`, { fsync: false });
  }

  /** The upload is done (or there is nothing left to upload). */
  async done(hash: string): Promise<void> {
    await rm(join(this.dir, `${hash}.json`), { force: true });
  }

  /** Every pending upload, oldest first; a torn or foreign file is skipped. */
  async pending(): Promise<PendingUpload[]> {
    const records: PendingUpload[] = [];
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      const hash = name.replace(/\.json$/, '');
      if (!HASH.test(hash) || !name.endsWith('.json')) continue;
      const record = await readFile(join(this.dir, name), 'utf8')
        .then((text) => JSON.parse(text) as PendingUpload)
        .catch(() => undefined);
      if (record?.hash === hash) records.push(record);
    }
    return records.sort((a, b) => a.queuedAt.localeCompare(b.queuedAt));
  }
}
