/**
 * Where tasks of a run wrote files (ran, or had outputs restored), in order, so a task hashed
 * after them is hashed from the files as they are when it starts, not as they were when the run
 * first read the repository (issue 13; Turborepo #8051 and #13918: a consumer of generated files
 * hashed at startup needs a second run to cache, or gets a stale hit). A folder is relative to
 * the workspace root, `/`-separated; '' is the root. Two folders touch when one holds the other.
 */
export class RunWrites {
  private readonly folders: string[] = [];

  /** How many writes were recorded: a generation to compare with later. */
  get count(): number {
    return this.folders.length;
  }

  add(folder: string): void {
    this.folders.push(folder);
  }

  /** Whether a write since `generation` touched `scope` (a folder, '' for the whole workspace). */
  touchedSince(generation: number, scope: string): boolean {
    for (let i = generation; i < this.folders.length; i++) if (touches(this.folders[i]!, scope)) return true;
    return false;
  }
}

function touches(a: string, b: string): boolean {
  return a === '' || b === '' || a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}
