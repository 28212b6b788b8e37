import { join } from 'node:path';
import { fileStamp } from './fileStamp.js';

/**
 * Git's settings and ignore rules outside the work tree (the user's and the system's config,
 * `core.excludesFile`, the default global ignore file), stamped when first looked at and compared
 * at each recall: a change means git may answer otherwise, so nothing kept is trusted again.
 */
export class OutsideRules {
  private readonly stamps = new Map<string, string>();

  /** `core.excludesFile`, as git resolves it when the watch starts (its setting changing ends all trust anyway). */
  constructor(private readonly excludesFile: string | undefined) {}

  changed(): boolean {
    const home = process.env.HOME ?? '';
    const config = process.env.XDG_CONFIG_HOME ?? join(home, '.config');
    const files = [join(home, '.gitconfig'), join(config, 'git', 'config'), join(config, 'git', 'ignore'), '/etc/gitconfig', ...(process.env.GIT_CONFIG_GLOBAL ? [process.env.GIT_CONFIG_GLOBAL] : []), ...(this.excludesFile ? [this.excludesFile] : [])];
    let changed = false;
    for (const file of files) {
      const now = fileStamp(file);
      const seen = this.stamps.get(file);
      if (seen !== undefined && seen !== now) changed = true;
      this.stamps.set(file, now);
    }
    return changed;
  }
}
