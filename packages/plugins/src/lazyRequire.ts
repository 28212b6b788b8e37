import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A CommonJS dependency loaded on first use, not when orch starts: `orch list` or
 * `orch affected --list` never pay for the lock, atomic-write or front-matter libraries.
 */
export function lazyRequire<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(id) as T);
}

/** write-file-atomic (temp file, optional fsync, rename), loaded on the first write. */
export const writeFileAtomic = lazyRequire<typeof import('write-file-atomic')>('write-file-atomic');
