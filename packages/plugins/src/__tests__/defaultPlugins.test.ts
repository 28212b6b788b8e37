import { Engine, resolveConfig } from '@orch/engine';
import { describe, expect, it } from 'vitest';
import { defaultPlugins } from '../defaultPlugins.js';

describe('the built-in preset (issue 13: run-time plugins are lazy)', () => {
  it('every lazy built-in loads the plugin its name says', async () => {
    const lazy = defaultPlugins().filter((plugin) => plugin.load);
    expect(lazy.map((p) => p.name)).toContain('orch:cache-local');
    for (const plugin of lazy) expect((await plugin.load!()).name).toBe(plugin.name);
  });

  it('an engine that runs tasks has executors, cache and reporters; one that only inspects has none, but the same discovery-time taps', async () => {
    const config = resolveConfig({}, process.cwd());
    const running = new Engine({ config });
    await running.use(defaultPlugins());
    const inspecting = new Engine({ config, runTimePlugins: 'defer' });
    await inspecting.use(defaultPlugins());
    expect(running.hooks.execute.get('shell')?.taps.map((t) => t.name)).toContain('orch:shell');
    expect(running.hooks.deploy.taps.map((t) => t.name)).toContain('orch:cache-local');
    expect(inspecting.hooks.execute.get('shell')).toBeUndefined();
    expect(inspecting.hooks.deploy.taps.map((t) => t.name)).not.toContain('orch:cache-local');
    for (const hook of ['discover', 'discovered', 'metadata', 'resolve', 'preGates', 'postValidate', 'qaGates'] as const) {
      expect(inspecting.hooks[hook].taps.map((t) => t.name)).toEqual(running.hooks[hook].taps.map((t) => t.name));
    }
    expect(inspecting.plugins.map((p) => p.name)).toEqual(running.plugins.map((p) => p.name));
  });
});
