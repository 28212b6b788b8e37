import { closestMatches, listNames, type Diagnostic, type PathLocator, type Project, type ResolvedConfig } from '@orch/engine';

/**
 * Warnings for `targets` keys that apply to nothing, each at its key with "did you mean": a
 * `pkg#target` whose package does not exist or has no such script, and a target that no package
 * has a script for (issue 11, findings #10). Only when the workspace has packages: without any,
 * `targets` has nothing to apply to yet. A `pkg#prebuild` of a package with `build` says to
 * configure `pkg#build`, which runs it as a step.
 */
export function targetKeyWarnings(config: ResolvedConfig, projects: readonly Project[], locate: PathLocator): Diagnostic[] {
  if (projects.length === 0) return [];
  const byName = new Map(projects.map((project) => [project.name, project]));
  const scripts = new Set(projects.flatMap((project) => Object.keys(project.scripts)));
  const warnings: Diagnostic[] = [];
  for (const key of Object.keys(config.targets)) {
    const problem = keyProblem(key, byName, scripts);
    if (!problem) continue;
    const { location, sourceLine } = locate(['targets', key], { key: true });
    warnings.push({ severity: 'warning', code: 'config/unused-target', message: `targets.${key}: ${problem.message}; it applies to no task`, location, ...(sourceLine === undefined ? {} : { sourceLine }), hint: problem.hint, owner: { kind: 'config' } });
  }
  return warnings;
}

function keyProblem(key: string, projects: ReadonlyMap<string, Project>, scripts: ReadonlySet<string>): { message: string; hint: string } | undefined {
  const hash = key.indexOf('#');
  if (hash < 0) return scripts.has(key) ? undefined : { message: `no package has a '${key}' script`, hint: suggest(key, scripts, `the scripts: ${listNames([...scripts])}`) };
  const [name, script] = [key.slice(0, hash), key.slice(hash + 1)];
  const project = projects.get(name);
  if (!project) return { message: `no workspace package is named '${name}'`, hint: suggest(name, projects.keys(), `the packages: ${listNames([...projects.keys()])}`, (close) => `${close}#${script}`) };
  const lifecycle = /^(pre|post)(.+)$/.exec(script);
  if (project.scripts[script] !== undefined && lifecycle && project.scripts[lifecycle[2]!] !== undefined) {
    return { message: `'${script}' runs as a step of ${name}#${lifecycle[2]}`, hint: `configure '${name}#${lifecycle[2]}' instead` };
  }
  if (project.scripts[script] !== undefined) return undefined;
  return { message: `package '${name}' has no '${script}' script`, hint: suggest(script, Object.keys(project.scripts), `its scripts: ${listNames(Object.keys(project.scripts))}`, (close) => `${name}#${close}`) };
}

/** `did you mean 'x'?` over the candidates (shown through `as`), or the fallback. */
function suggest(input: string, candidates: Iterable<string>, fallback: string, as: (candidate: string) => string = (candidate) => candidate): string {
  const close = closestMatches(input, candidates, 3).map((candidate) => `'${as(candidate)}'`);
  return close.length === 0 ? fallback : `did you mean ${close.length === 1 ? close[0] : `${close.slice(0, -1).join(', ')} or ${close.at(-1)}`}?`;
}
