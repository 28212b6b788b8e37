import { configLocator, type CommandRegistry, type Diagnostic, type PathLocator, type ResolvedConfig } from '@orch/engine';
import { resolveInputGlob, type InputGlobProblem } from './TaskInputs.js';

/**
 * Errors for `inputs` globs orch cannot hash (docs/configuration.md#inputs): one that leaves the
 * workspace root (`../../../x/**` from a package two levels down), is absolute, or has `..`
 * after a wildcard. Each is located where it is written: a target's glob in the config (one
 * error per glob, naming the packages it leaves the workspace from; a config error, as a schema
 * error there is), a config command's in the config, a markdown command's in its front matter
 * (an error of that command only).
 */
export function inputGlobDiagnostics(registry: Pick<CommandRegistry, 'commands' | 'projects'>, config: Pick<ResolvedConfig, 'configFile'>): Diagnostic[] {
  // The config is read for locations only when there is a problem to locate.
  let locator: PathLocator | undefined;
  const locate = config.configFile ? (path: (string | number)[]) => (locator ??= configLocator(config.configFile!))(path) : undefined;
  const targets = new Map<string, { target: string; index: number; glob: string; problem: string; hint: string; packages: string[] }>();
  const diagnostics: Diagnostic[] = [];
  const known = new Map<string, InputGlobProblem | undefined>();
  for (const command of registry.commands.values()) {
    if (command.metadata.inputs === undefined) continue;
    // Package scripts read from their package; other commands (a package's skills too) from the root.
    const project = command.kind === 'script' && command.project ? registry.projects.get(command.project) : undefined;
    const folder = project && project.root !== '.' ? project.root : '';
    for (const found of inputGlobProblems(command.metadata.inputs, folder, known)) {
      const message = `inputs glob '${found.glob}' ${found.problem}`;
      if (command.kind === 'script' && command.target) {
        const key = `${command.target}\0${found.index}`;
        const entry = targets.get(key) ?? { target: command.target, ...found, packages: [] };
        entry.packages.push(project?.root ?? command.project ?? command.id);
        targets.set(key, entry);
      } else if (command.kind === 'markdown' && command.frontMatter) {
        const location = command.frontMatter.locate(['inputs', found.index]);
        diagnostics.push({ severity: 'error', code: 'inputs/invalid-glob', message: `${command.id}: ${message}`, location, hint: found.hint, owner: { kind: 'command', id: command.id } });
      } else if (locate) {
        const { location, sourceLine } = locate(['commands', command.id, 'inputs', found.index]);
        diagnostics.push({ severity: 'error', code: 'inputs/invalid-glob', message: `${command.id}: ${message}`, location, ...(sourceLine === undefined ? {} : { sourceLine }), hint: found.hint, owner: { kind: 'config' } });
      }
    }
  }
  for (const { target, index, glob, problem, hint, packages } of targets.values()) {
    const from = problem.startsWith('leaves') ? ` (from ${packages.slice(0, 3).join(', ')}${packages.length > 3 ? ` and ${packages.length - 3} more` : ''})` : '';
    const at = locate?.(['targets', target, 'inputs', index]);
    diagnostics.push({
      severity: 'error',
      code: 'inputs/invalid-glob',
      message: `targets.${target}.inputs: '${glob}' ${problem}${from}`,
      ...(at ? { location: at.location, ...(at.sourceLine === undefined ? {} : { sourceLine: at.sourceLine }) } : {}),
      hint,
      owner: { kind: 'config' },
    });
  }
  return diagnostics;
}

/**
 * The globs of `inputs` that `TaskInputs` would refuse, without compiling its matchers, each
 * glob judged once (`known`): a workspace of 500 packages checks 1,000 commands here on every
 * start-up, most of them with the same few globs.
 */
function inputGlobProblems(globs: readonly string[], folder: string, known: Map<string, InputGlobProblem | undefined>): InputGlobProblem[] {
  const problems: InputGlobProblem[] = [];
  for (const [index, glob] of globs.entries()) {
    // Only `..` makes a glob's problem depend on the folder it is written in.
    const key = glob.includes('..') ? `${folder}\0${glob}` : glob;
    if (!known.has(key)) {
      const resolved = resolveInputGlob(glob.startsWith('!') ? glob.slice(1) : glob, folder);
      known.set(key, 'problem' in resolved ? { glob, index, problem: resolved.problem, hint: resolved.hint } : undefined);
    }
    const found = known.get(key);
    if (found) problems.push({ ...found, index });
  }
  return problems;
}
