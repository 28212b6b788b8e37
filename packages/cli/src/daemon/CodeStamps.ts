import { join } from 'node:path';
import { fileStamp as stamp } from './fileStamp.js';

/** What says the packages a workspace installed changed: lockfiles and package managers' own records in node_modules. */
const INSTALL_RECORDS = ['pnpm-lock.yaml', 'package-lock.json', 'yarn.lock', 'bun.lock', 'bun.lockb', 'node_modules/.modules.yaml', 'node_modules/.package-lock.json', 'node_modules/.yarn-state.yml'];

/**
 * The code a daemon keeps loaded that can change under it: orch's own program and every file of
 * it and of installed packages (node_modules) it has loaded (`see`: plugin packages, libraries a
 * config imports), and the install records (lockfiles, the package manager's record in
 * node_modules). Each file's stat (size, mtime, inode) is taken when first seen; `changed` names
 * the first that differs, and the daemon then stops rather than run old code (docs/daemon.md).
 * Everything else a config loads is loaded anew at each invocation (`freshImports`).
 */
export class CodeStamps {
  private readonly stamps = new Map<string, string>();

  constructor(root: string, program: string) {
    for (const file of [program, ...INSTALL_RECORDS.map((name) => join(root, name))]) this.stamps.set(file, stamp(file));
  }

  /** Files loaded since: stamped as they are now. */
  see(files: Iterable<string>): void {
    for (const file of files) if (!this.stamps.has(file)) this.stamps.set(file, stamp(file));
  }

  /** The first file whose stat changed since it was first seen. */
  changed(): string | undefined {
    for (const [file, seen] of this.stamps) if (stamp(file) !== seen) return file;
    return undefined;
  }
}
