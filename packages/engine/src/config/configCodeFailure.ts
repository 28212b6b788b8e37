import { pathToFileURL } from 'node:url';
import { INVOCATION_QUERY } from '../process/invocationState.js';
import type { SourceLocation } from '../diagnostics/Diagnostic.js';
import { SourceFile } from '../diagnostics/SourceFile.js';
import { textLocator } from '../diagnostics/yamlLocator.js';
import type { OrchError } from '../OrchError.js';
import { configLoadError } from './configLoadError.js';
import { DEFAULT_CONFIG_TIMEOUT_MS } from './configTimeout.js';
import { missingImport } from './missingImport.js';

/** What config code did, besides throwing, that stops it from being a configuration. */
export type ConfigCodeProblem =
  /** Its promise did not settle within the limit. */
  | { kind: 'pending'; limitMs: number }
  /** It still held the thread after the limit: `stack`, when known, is where the watchdog found it. */
  | { kind: 'loop'; limitMs: number; stack?: string }
  /** It called `process.exit()`. */
  | { kind: 'exit'; code: unknown; stack: string | undefined }
  /** A promise it made was rejected and nothing handled the rejection. */
  | { kind: 'unhandled-rejection'; reason: unknown }
  /** A callback it scheduled (a timer, an event) threw. */
  | { kind: 'uncaught-exception'; error: unknown };

/** Carries a `ConfigCodeProblem` out of the config code to `configCodeFailure`. */
export class ConfigCodeFailure extends Error {
  constructor(readonly problem: ConfigCodeProblem) {
    super(problem.kind);
  }
}

const RAISE_LIMIT = `raise ORCH_CONFIG_TIMEOUT (default ${DEFAULT_CONFIG_TIMEOUT_MS / 1000}s)`;
const LOAD_HINT = 'fix the config file so it loads with `node`, and export the configuration as the default export';

/**
 * The located `OrchError('config-load-failed')` for anything config code threw or did: the
 * place is the first stack frame in the config file (source-mapped for TypeScript), else its
 * default export.
 */
export function configCodeFailure(file: string, error: unknown): OrchError {
  if (!(error instanceof ConfigCodeFailure)) {
    const missing = missingImport(file, error);
    return configLoadError(file, thrownAt(file, error) ?? missing?.location ?? exportLocation(file), describeThrown(error), missing?.hint ?? LOAD_HINT, error);
  }
  const { problem } = error;
  switch (problem.kind) {
    case 'pending':
      return configLoadError(file, exportLocation(file), `the config did not finish loading within ${problem.limitMs} ms (a promise that never settles)`, `make the exported promise settle, or ${RAISE_LIMIT}`);
    case 'loop': {
      const place = problem.stack === undefined ? undefined : stackPlace(file, problem.stack);
      const elsewhere = place === undefined || place.inFile ? '' : ` (it was running ${place.frame})`;
      return configLoadError(file, place?.location ?? exportLocation(file), `the config was still running after ${problem.limitMs} ms: a loop that never ends?${elsewhere}`, `make the config's code finish, or ${RAISE_LIMIT}`);
    }
    case 'exit':
      return configLoadError(
        file,
        (problem.stack === undefined ? undefined : stackPlace(file, problem.stack).inFileLocation) ?? exportLocation(file),
        `the config called process.exit(${problem.code === undefined ? '' : String(problem.code)}) while orch loaded it`,
        'a config only exports settings: throw an Error to stop with a message, instead of ending the process',
      );
    case 'unhandled-rejection':
      return configLoadError(file, thrownAt(file, problem.reason) ?? exportLocation(file), `a promise of the config was rejected and nothing handled it: ${describeThrown(problem.reason)}`, 'await the promise, or handle its rejection with .catch()', problem.reason);
    case 'uncaught-exception':
      return configLoadError(file, thrownAt(file, problem.error) ?? exportLocation(file), `a callback of the config threw: ${describeThrown(problem.error)}`, LOAD_HINT, problem.error);
  }
}

function describeThrown(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0]!.replace(/^ParseError: /, 'syntax error: ').trim();
  return `it threw ${typeof error === 'string' ? `'${error}'` : String(error)}`;
}

/** Where in the config file an error was thrown: the first stack frame (or syntax error position) in it. */
export function thrownAt(file: string, error: unknown): SourceLocation | undefined {
  if (!(error instanceof Error)) return undefined;
  // jiti's syntax errors count columns from 0, stack frames from 1.
  return stackPlace(file, `${error.message}\n${error.stack ?? ''}`, /ParseError/.test(error.message) ? 1 : 0).inFileLocation;
}

/**
 * The first place a stack names in the config file, and otherwise the first frame below orch's
 * watchdog hook (`at f (helper.mjs:3:3)`), for a message.
 */
function stackPlace(file: string, rawStack: string, columnShift = 0): { inFile: boolean; location: SourceLocation; inFileLocation: SourceLocation | undefined; frame: string } {
  const stack = rawStack.replace(INVOCATION_QUERY, '');
  const places = [file, pathToFileURL(file).href].map((place) => place.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const match = new RegExp(`(?:${places.join('|')}):(\\d+)(?::(\\d+))?`).exec(stack);
  const frames = stack.split('\n').filter((line) => line.trimStart().startsWith('at ')).slice(2);
  const frame = frames[0]?.trim() ?? 'outside any file';
  if (!match) return { inFile: false, location: exportLocation(file), inFileLocation: undefined, frame };
  const line = Number(match[1]);
  let column = Number(match[2] ?? 1) + columnShift;
  // A frame on a line jiti prefixed with its own code may keep the generated column: past the
  // end of the line, the line's first character stands for it.
  const written = lineOf(file, line);
  if (written !== undefined && column > written.length + 1) column = written.search(/\S|$/) + 1;
  const location = { file, line, column: Math.max(1, column) };
  return { inFile: true, location, inFileLocation: location, frame };
}

function lineOf(file: string, line: number): string | undefined {
  try {
    return SourceFile.read(file).lineText(line);
  } catch {
    return undefined;
  }
}

/** The `export default` (or `module.exports`) statement, else the first line. */
export function exportLocation(file: string): SourceLocation {
  try {
    return textLocator(SourceFile.read(file))([]).location;
  } catch {
    return { file, line: 1, column: 1 };
  }
}
