import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let loaded: typeof import('yaml') | undefined;

/**
 * The `yaml` package, loaded when YAML is first parsed or located, not when orch starts: a
 * command on a workspace whose YAML files are all in the workspace cache never loads it (~28 ms
 * of CPU, issue 13). Its Node entry is CommonJS, so this is the instance an `import` would give.
 */
export function yaml(): typeof import('yaml') {
  return (loaded ??= require('yaml') as typeof import('yaml'));
}
