/**
 * The root package.json fields that decide what the workspace's packages resolve: its own
 * dependencies (which every package can reach through hoisting or `node_modules/.bin`) and the
 * package managers' overrides. A change to one affects every package (`orch affected`, where the
 * lockfile does not say precisely whom), and each package script's hash includes them.
 */
export const ROOT_DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies', 'overrides', 'resolutions', 'pnpm'] as const;
