import type { Project, TargetConfig } from '@orch/engine';

/**
 * Where a framework's build writes, by the framework slug discovery infers (Turborepo's
 * framework inference); any other package is taken to build into `dist/`. The `!` exclusion
 * keeps Next.js's own build cache out of orch's, as Turborepo's `create-turbo` config does.
 */
const FRAMEWORK_OUTPUTS: Record<string, readonly string[]> = {
  nextjs: ['.next/**', '!.next/cache/**'],
  blitzjs: ['.next/**', '!.next/cache/**'],
  nuxtjs: ['.output/**', '.nuxt/**'],
  remix: ['build/**'],
  'create-react-app': ['build/**'],
  sveltekit: ['.svelte-kit/**', 'build/**'],
};
const DEFAULT_OUTPUTS = ['dist/**'];

/** Scripts that type-check or lint against what their dependencies built. */
const CHECKS = new Set(['typecheck', 'type-check', 'check-types', 'lint']);
/** Long-running scripts (servers, watchers): persistent, nothing to cache (create-turbo's `dev`). */
const SERVERS = new Set(['dev', 'start', 'serve', 'watch']);

export interface StarterTarget {
  name: string;
  config: TargetConfig;
  /** How many packages have the script. */
  packages: number;
}

/**
 * Target defaults for the scripts the workspace packages have, as `orch init` writes them:
 * `build` depends on its dependencies' builds (`^build`) with outputs guessed from each
 * package's framework; `test` on its own package's build; type checks and lint on the
 * dependencies' builds; dev servers and watchers `persistent: true` (docs/watch.md) and uncached. Other scripts run with orch's defaults and are
 * not listed. In `build`, `test`, checks, servers order.
 */
export function starterTargets(projects: readonly Project[]): StarterTarget[] {
  const counts = new Map<string, number>();
  for (const project of projects) for (const script of Object.keys(project.scripts)) counts.set(script, (counts.get(script) ?? 0) + 1);
  const targets: StarterTarget[] = [];
  const add = (name: string, config: TargetConfig): void => {
    const packages = counts.get(name);
    if (packages) targets.push({ name, config, packages });
  };
  const builds = projects.filter((project) => project.scripts.build !== undefined);
  add('build', { dependsOn: ['^build'], outputs: [...new Set(builds.flatMap((project) => FRAMEWORK_OUTPUTS[project.framework ?? ''] ?? DEFAULT_OUTPUTS))] });
  const built = counts.has('build');
  add('test', built ? { dependsOn: ['build'] } : {});
  for (const name of [...counts.keys()].sort()) if (CHECKS.has(name)) add(name, built ? { dependsOn: ['^build'] } : {});
  for (const name of [...counts.keys()].sort()) if (SERVERS.has(name)) add(name, { persistent: true, cache: false });
  return targets;
}
