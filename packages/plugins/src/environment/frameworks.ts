/**
 * A framework whose build reads variables by prefix (`NEXT_PUBLIC_*` are baked into a Next.js
 * bundle), so that a package depending on it has those variables in its tasks' environment and
 * hash without declaring them: Turborepo's framework inference
 * (turborepo.com/docs/crafting-your-repository/using-environment-variables#framework-inference).
 */
export interface Framework {
  slug: string;
  name: string;
  /** Variable patterns its build reads. */
  env: readonly string[];
  /** Variables read only when another has a value: `[when, value, variable]`. */
  conditional?: readonly (readonly [string, string, string])[];
  /** The packages that show a package uses it: `all` of them, or `some`. */
  match: 'all' | 'some';
  dependencies: readonly string[];
}

const HOSTING_ENV = ['SERVER_*', 'AWS_APP_ID', 'INPUT_AZURE_STATIC_WEB_APPS_API_TOKEN', 'CLEAVR', 'CF_PAGES', 'FIREBASE_APP_HOSTING', 'NETLIFY', 'STORMKIT', 'NOW_BUILDER', 'ZEABUR', 'RENDER'];

/** Turborepo's frameworks, in its order (the first that matches a package is the one). */
export const FRAMEWORKS: readonly Framework[] = [
  { slug: 'astro', name: 'Astro', env: ['PUBLIC_*'], match: 'all', dependencies: ['astro'] },
  { slug: 'blitzjs', name: 'Blitz', env: ['NEXT_PUBLIC_*'], match: 'all', dependencies: ['blitz'] },
  { slug: 'create-react-app', name: 'Create React App', env: ['REACT_APP_*'], match: 'some', dependencies: ['react-scripts', 'react-dev-utils'] },
  { slug: 'expo', name: 'Expo', env: ['EXPO_PUBLIC_*'], match: 'all', dependencies: ['expo'] },
  { slug: 'gatsby', name: 'Gatsby', env: ['GATSBY_*'], match: 'all', dependencies: ['gatsby'] },
  { slug: 'nextjs', name: 'Next.js', env: ['NEXT_PUBLIC_*'], conditional: [['VERCEL_SKEW_PROTECTION_ENABLED', '1', 'VERCEL_DEPLOYMENT_ID']], match: 'all', dependencies: ['next'] },
  { slug: 'nitro', name: 'Nitro', env: ['NITRO_*', ...HOSTING_ENV], match: 'some', dependencies: ['nitropack', 'nitropack-nightly', 'nitro', 'nitro-nightly'] },
  { slug: 'nuxtjs', name: 'Nuxt.js', env: ['NUXT_*', 'NUXT_ENV_*', 'NITRO_*', ...HOSTING_ENV, 'LAUNCH_EDITOR'], match: 'some', dependencies: ['nuxt', 'nuxt-edge', 'nuxt3', 'nuxt3-edge'] },
  { slug: 'redwoodjs', name: 'RedwoodJS', env: ['REDWOOD_ENV_*'], match: 'all', dependencies: ['@redwoodjs/core'] },
  { slug: 'remix', name: 'Remix', env: ['REMIX_*'], match: 'some', dependencies: ['@remix-run/dev', '@remix-run/react', '@remix-run/serve', '@react-router/dev'] },
  { slug: 'sanity', name: 'Sanity Studio', env: ['SANITY_STUDIO_*'], match: 'all', dependencies: ['@sanity/cli'] },
  { slug: 'solidstart', name: 'Solid', env: ['VITE_*'], match: 'all', dependencies: ['solid-js', 'solid-start'] },
  { slug: 'sveltekit', name: 'SvelteKit', env: ['VITE_*', 'PUBLIC_*'], match: 'all', dependencies: ['@sveltejs/kit'] },
  { slug: 'vite', name: 'Vite', env: ['VITE_*'], match: 'all', dependencies: ['vite'] },
  { slug: 'vue', name: 'Vue', env: ['VUE_APP_*', 'LAUNCH_EDITOR'], match: 'all', dependencies: ['@vue/cli-service'] },
];

/** The framework a package uses, by the names of its dependencies (every kind), or undefined. */
export function detectFramework(dependencies: ReadonlySet<string>): Framework | undefined {
  return FRAMEWORKS.find((framework) => (framework.match === 'all' ? framework.dependencies.every((name) => dependencies.has(name)) : framework.dependencies.some((name) => dependencies.has(name))));
}

/** A framework by its slug. */
export function frameworkBySlug(slug: string | undefined): Framework | undefined {
  return slug === undefined ? undefined : FRAMEWORKS.find((framework) => framework.slug === slug);
}

/** The variable patterns a framework's build reads in this environment (its conditionals decided by `source`). */
export function frameworkEnv(framework: Framework, source: Readonly<Record<string, string | undefined>>): string[] {
  return [...framework.env, ...(framework.conditional ?? []).filter(([when, value]) => source[when] === value).map(([, , variable]) => variable)];
}
