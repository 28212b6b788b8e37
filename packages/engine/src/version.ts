import { readFileSync } from 'node:fs';

/** Set by the bundler when it builds the `orch` binary (scripts/setup.mjs): no package.json next to a bundled chunk to read. */
declare const __ORCH_VERSION__: string | undefined;

/** orch's version (the engine package's), recorded in user agents and task hashes. */
export const ORCH_VERSION: string =
  typeof __ORCH_VERSION__ === 'string' ? __ORCH_VERSION__ : (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
