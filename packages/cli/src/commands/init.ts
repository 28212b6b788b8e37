import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { ExitCode, OrchError, pathKindProblem } from '@orch/engine';
import writeFileAtomic from 'write-file-atomic';
import type { CliCommand } from '../CliCommand.js';
import { parseCommandLine } from '../parseCommandLine.js';

const CONFIG = `import type { OrchConfig } from '@orch/cli';

// orch configuration. Every key is optional; see docs/configuration.md.
export default {
  // Markdown commands live here: .claude/commands/<folder>/<name>.md
  commandsDir: '.claude/commands',
  // Defaults for package scripts of each name, in every workspace package.
  targets: {
    build: { dependsOn: ['^build'], outputs: ['dist/**'] },
    test: { dependsOn: ['build'] },
  },
} satisfies OrchConfig;
`;

const EXAMPLE_COMMAND = `---
description: Say hello (an example command written by orch init)
complexity: simple
run: echo "hello from orch"
---

An example command. \`orch show hello\` shows it; edit or delete it freely.
`;

export const initCommand: CliCommand = {
  name: 'init',
  usage: 'orch init [options]',
  description: 'Writes a starter orchestrator.config.ts and an example command (.claude/commands/hello.md). Existing files are left alone unless --force.',
  options: { force: { type: 'boolean', description: 'overwrite the files if they exist' } },
  examples: ['orch init', 'orch init --force'],
  async run(argv, io) {
    const { values } = parseCommandLine(argv, this.options, false);
    const files = [
      { path: join(io.cwd, 'orchestrator.config.ts'), text: CONFIG },
      { path: join(io.cwd, '.claude', 'commands', 'hello.md'), text: EXAMPLE_COMMAND },
    ];
    // What is on disk in the way (a folder named like the config, a dangling .claude link) is
    // found before anything is written: --force cannot fix it, and nothing is half-written.
    const blocked = files.map((f) => pathKindProblem(f.path, 'file', io.cwd)).filter((problem) => problem !== undefined);
    if (blocked.length > 0) throw new OrchError('usage', `${blocked.join('; ')}: nothing written`, { hint: 'remove or rename it, then run `orch init` again' });
    const existing = files.filter((f) => existsSync(f.path));
    if (existing.length > 0 && !values.force) {
      throw new OrchError('file-exists', `${existing.map((f) => relative(io.cwd, f.path)).join(' and ')} already exist${existing.length === 1 ? 's' : ''}; nothing written`, {
        hint: 'run `orch init --force` to overwrite',
      });
    }
    for (const file of files) {
      await mkdir(dirname(file.path), { recursive: true });
      await writeFileAtomic(file.path, file.text);
      io.stdout(`wrote ${relative(io.cwd, file.path)}\n`);
    }
    io.stdout('next: orch list, then orch show hello\n');
    return ExitCode.ok;
  },
};
