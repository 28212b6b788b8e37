import { configLocator, type CommandDefinition, type CommandRegistry, type Diagnostic, type PathLocator, type ResolvedConfig } from '@orch/engine';
import picomatch from 'picomatch';
import { OutputMatcher } from './OutputMatcher.js';
import { trackedFiles } from './trackedFiles.js';

/**
 * Warnings for `outputs` globs that match files git tracks (`outputs: ["**"]`, `src/**\/*.d.ts`
 * beside a hand-written one; FINDINGS-R2 #9): those files stay inputs and a restore never
 * deletes or overwrites them (docs/caching.md#outputs-that-cover-sources), so the glob says more
 * than the task makes. Located where written: a target's glob in the config (one warning per
 * glob, naming a few of the files), a config command's in the config, a markdown command's in
 * its front matter. One `git ls-files` names only the globs' fixed folders (its answer cached by
 * the index's content: `trackedFiles`); outside git, none.
 */
export function outputGlobDiagnostics(registry: Pick<CommandRegistry, 'commands' | 'projects'>, config: Pick<ResolvedConfig, 'configFile' | 'root' | 'stateDir'>): Diagnostic[] {
  const globs: OutputGlob[] = [];
  for (const command of registry.commands.values()) {
    const project = command.kind === 'script' && command.project ? registry.projects.get(command.project) : undefined;
    const prefix = project && project.root !== '.' ? `${project.root}/` : '';
    (command.metadata.outputs ?? []).forEach((glob, index) => {
      if (!glob.startsWith('!') && OutputMatcher.of([glob]).include.length > 0) globs.push({ command, index, glob, prefix });
    });
  }
  if (globs.length === 0) return [];
  const pathspecs = [...new Set(globs.map(({ glob, prefix }) => `${prefix}${picomatch.scan(glob.replace(/^\.\//, '')).base}`.replace(/\/$/, '') || '.'))];
  let tracked: string[];
  try {
    tracked = trackedFiles(config.root, config.stateDir, pathspecs);
  } catch {
    return [];
  }
  if (tracked.length === 0) return [];
  const found = new Map<string, { glob: OutputGlob; files: string[] }>();
  for (const glob of globs) {
    const matcher = OutputMatcher.of([glob.glob]);
    const files = tracked.filter((path) => path.startsWith(glob.prefix) && matcher.matches(path.slice(glob.prefix.length)));
    if (files.length === 0) continue;
    // A target's glob is written once for all its packages: one warning.
    const key = glob.command.kind === 'script' && glob.command.target ? `${glob.command.target}\0${glob.index}` : glob.command.id;
    found.set(key, { glob: found.get(key)?.glob ?? glob, files: [...(found.get(key)?.files ?? []), ...files] });
  }
  let locator: PathLocator | undefined;
  const locate = (path: (string | number)[]) => (config.configFile ? (locator ??= configLocator(config.configFile))(path) : undefined);
  return [...found.values()].map(({ glob: { command, index, glob, prefix }, files }): Diagnostic => {
    const what = `'${glob}' matches files git tracks (${files.slice(0, 3).join(', ')}${files.length > 3 ? ', ...' : ''}): they stay inputs, and a restore never deletes or overwrites them`;
    const hint = `name only what the task makes (e.g. dist/**), or exclude the sources ('!${files[0]!.slice(prefix.length)}')`;
    const base = { severity: 'warning' as const, code: 'outputs/covers-sources', hint };
    if (command.kind === 'markdown' && command.frontMatter) return { ...base, message: `${command.id}: outputs ${what}`, location: command.frontMatter.locate(['outputs', index]), owner: { kind: 'command', id: command.id } };
    const target = command.kind === 'script' ? command.target : undefined;
    const at = locate(target ? ['targets', target, 'outputs', index] : ['commands', command.id, 'outputs', index]);
    return { ...base, message: `${target ? `targets.${target}.outputs:` : `${command.id}: outputs`} ${what}`, ...(at ? { location: at.location, ...(at.sourceLine === undefined ? {} : { sourceLine: at.sourceLine }) } : {}), owner: { kind: 'config' } };
  });
}

interface OutputGlob {
  command: CommandDefinition;
  index: number;
  glob: string;
  /** The command's folder, `folder/` ('' for the root). */
  prefix: string;
}
