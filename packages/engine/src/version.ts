import { readFileSync } from 'node:fs';

/** orch's version (the engine package's), recorded in user agents and task hashes. */
export const ORCH_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
