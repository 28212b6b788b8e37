import { definePlugin } from '@orch/engine';
import { lineRenderer } from './lineRenderer.js';

const PLUGIN_NAME = 'orch:reporter-plain';

/**
 * Prefixed lines, for logs and CI: every output line as `task: line`, a line when each task
 * ends, and the summary (`lineRenderer`). Active when orch does not write to a terminal, or `CI` is set.
 */
export function plainReporterPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      if (engine.output.reporter !== 'plain') return;
      engine.hooks.event.tap(PLUGIN_NAME, lineRenderer(engine));
    },
  });
}
