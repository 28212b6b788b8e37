import picomatch from 'picomatch';
import { didYouMean, OrchError, type CommandRegistry } from '@orch/engine';

/** `--projects` and `--exclude`: lists of patterns, each comma-separated. */
export interface ProjectFilterFlags {
  projects?: string[] | undefined;
  exclude?: string[] | undefined;
}

export interface ProjectFilter {
  keepProject(name: string): boolean;
  /** A package's task by its project; another command by its id. */
  keepTask(taskId: string): boolean;
}

/**
 * Which tasks `--projects`/`--exclude` keep. A pattern is a glob on a project's name or folder
 * (`web`, `@acme/*`, `packages/ui/**`), or `tag:<tag>` (`package.json#orch.tags`); a task that
 * is not a package's (a markdown or config command) is matched by its id. A plain name that
 * matches nothing is an error with "did you mean"; undefined when there is nothing to filter.
 */
export function projectFilter(registry: Pick<CommandRegistry, 'commands' | 'projects'>, flags: ProjectFilterFlags): ProjectFilter | undefined {
  const split = (values: string[] | undefined) => (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const include = split(flags.projects);
  const exclude = split(flags.exclude);
  if (include.length === 0 && exclude.length === 0) return undefined;
  const projects = [...registry.projects.values()];
  const candidates = [...projects.map((p) => p.name), ...[...registry.commands.values()].filter((c) => !c.project).map((c) => c.id)];
  const matcher = (pattern: string): ((name: string, root?: string, tags?: readonly string[]) => boolean) => {
    if (pattern.startsWith('tag:')) {
      const tag = pattern.slice(4);
      const tags = new Set(projects.flatMap((p) => p.tags));
      if (!tags.has(tag)) throw new OrchError('usage', `no project has the tag '${tag}'`, { hint: hintFor(tag, [...tags], 'tags') });
      return (_name, _root, projectTags) => projectTags?.includes(tag) ?? false;
    }
    const glob = picomatch(pattern, { dot: true });
    const test = (name: string, root?: string) => glob(name) || (root !== undefined && glob(root));
    if (!picomatch.scan(pattern).isGlob && !projects.some((p) => test(p.name, p.root)) && !candidates.includes(pattern)) {
      throw new OrchError('usage', `no project or command is named '${pattern}'`, { hint: hintFor(pattern, candidates, 'projects') });
    }
    return test;
  };
  const included = include.map(matcher);
  const excluded = exclude.map(matcher);
  type Matcher = (name: string, root?: string, tags?: readonly string[]) => boolean;
  const keeps = (matches: (m: Matcher) => boolean) => (included.length === 0 || included.some(matches)) && !excluded.some(matches);
  const keepProject = (name: string): boolean => {
    const project = registry.projects.get(name);
    return keeps((m) => (project ? m(project.name, project.root, project.tags) : m(name)));
  };
  return {
    keepProject,
    keepTask: (taskId) => {
      const project = registry.commands.get(taskId)?.project;
      return project ? keepProject(project) : keeps((m) => m(taskId));
    },
  };
}

function hintFor(name: string, known: string[], what: 'tags' | 'projects'): string {
  const close = didYouMean(name, known);
  if (close) return close;
  return what === 'tags' ? `tags come from package.json#orch.tags${known.length > 0 ? `; known: ${known.slice(0, 8).join(', ')}` : ''}` : '`orch list` shows the packages and commands';
}
