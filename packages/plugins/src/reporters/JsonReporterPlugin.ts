import { definePlugin } from '@orch/engine';

const PLUGIN_NAME = 'orch:reporter-json';

/** `--json`: every event as one JSON line on stdout (NDJSON), for machines. */
export function jsonReporterPlugin() {
  return definePlugin({
    name: PLUGIN_NAME,
    apply(engine) {
      if (engine.output.reporter !== 'json') return;
      engine.hooks.event.tap(PLUGIN_NAME, (event) => engine.output.write('stdout', `${JSON.stringify({ time: Date.now(), ...event })}\n`));
    },
  });
}
