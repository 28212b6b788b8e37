import { statSync } from 'node:fs';
import { join } from 'node:path';
import { importedPluginFiles } from '@orch/engine';

/** What says the packages a workspace installed changed: lockfiles and package managers' own records in node_modules. */
const INSTALL_RECORDS = ['pnpm-lock.yaml', 'package-lock.json', 'yarn.lock', 'bun.lock', 'bun.lockb', 'node_modules/.modules.yaml', 'node_modules/.package-lock.json', 'node_modules/.yarn-state.yml'];

/**
 * The code a daemon keeps loaded that the workspace can change under it: orch's own program,
 * the plugin packages it imported (Node keeps an imported module for the life of the process),
 * and what the config may import from node_modules (through the install records). Each file's
 * stat (size, mtime, inode) is taken when first seen; `changed` names the first that differs,
 * and the daemon then stops rather than run old code (docs/daemon.md). Configs themselves, and
 * the files they import from the workspace, are evaluated anew at each invocation (`configModules`).
 */
export class CodeStamps {
  private readonly stamps = new Map<string, string>();

  constructor(root: string, program: string) {
    for (const file of [program, ...INSTALL_RECORDS.map((name) => join(root, name))]) this.stamps.set(file, stamp(file));
  }

  /** The first file whose stat changed since it was first seen, after taking plugin files imported since. */
  changed(): string | undefined {
    for (const file of importedPluginFiles) if (!this.stamps.has(file)) this.stamps.set(file, stamp(file));
    for (const [file, seen] of this.stamps) if (stamp(file) !== seen) return file;
    return undefined;
  }
}

function stamp(file: string): string {
  try {
    const { size, mtimeMs, ino } = statSync(file);
    return `${size}:${mtimeMs}:${ino}`;
  } catch {
    return 'none';
  }
}
