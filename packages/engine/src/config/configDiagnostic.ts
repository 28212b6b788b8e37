import type { Diagnostic } from '../diagnostics/Diagnostic.js';
import { configLocator } from './loadConfig.js';

/**
 * A diagnostic at the setting a key path names in the config file (`['plugins', 0]`), owned by
 * the config, for an error found after the config loaded (a plugin that is not installed, gate
 * options a gate refuses). None without a config file.
 */
export function configDiagnostics(configFile: string | undefined, path: readonly (string | number)[], message: string, hint?: string): Diagnostic[] {
  if (!configFile) return [];
  const { location, sourceLine } = configLocator(configFile)(path);
  return [{ severity: 'error', code: 'config/invalid', message, location, ...(sourceLine === undefined ? {} : { sourceLine }), ...(hint ? { hint } : {}), owner: { kind: 'config' } }];
}
