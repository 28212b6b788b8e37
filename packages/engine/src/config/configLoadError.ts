import type { Diagnostic, SourceLocation } from '../diagnostics/Diagnostic.js';
import { SourceFile } from '../diagnostics/SourceFile.js';
import { OrchError } from '../OrchError.js';

/**
 * `OrchError('config-load-failed')` for a config that cannot be loaded, with one diagnostic at
 * the place (`file:line:col` and the source line: in the config, or in a file it imports), owned
 * by the config: every command stops on it. `details.configFile` names the config.
 */
export function configLoadError(file: string, location: SourceLocation, message: string, hint: string, cause?: unknown): OrchError {
  let sourceLine: string | undefined;
  try {
    sourceLine = location.line === undefined ? undefined : SourceFile.read(location.file ?? file).lineText(location.line);
  } catch {
    // the file is gone or unreadable: the diagnostic goes without its source line
  }
  const diagnostic: Diagnostic = { severity: 'error', code: 'config/load-failed', message, location, ...(sourceLine === undefined ? {} : { sourceLine }), hint, owner: { kind: 'config' } };
  return new OrchError('config-load-failed', `could not load ${file}: ${message}`, { diagnostics: [diagnostic], details: { configFile: file }, ...(cause === undefined ? {} : { cause }) });
}
