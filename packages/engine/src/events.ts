import type { Diagnostic } from './diagnostics/Diagnostic.js';

/**
 * Everything the engine has to say. The engine never prints: it emits these, and reporter
 * plugins render them.
 */
export type OrchEvent =
  | { type: 'plugins-applied'; plugins: string[] }
  | { type: 'discovery-started'; root: string }
  | { type: 'discovery-finished'; commands: number; agents: number; projects: number; durationMs: number }
  | { type: 'diagnostic'; diagnostic: Diagnostic }
  | { type: 'warning'; message: string; source?: string };

export type OrchEventType = OrchEvent['type'];
