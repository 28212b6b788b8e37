import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/loadConfig.js';
import { Engine } from '../Engine.js';
import type { OrchEvent } from '../events.js';
import { isOrchError } from '../OrchError.js';
import { defineGate } from '../plugin/defineGate.js';
import { definePlugin } from '../plugin/definePlugin.js';
import { lazyPlugin } from '../plugin/lazyPlugin.js';
import { resolvePlugins } from '../plugin/resolvePlugins.js';
import type { GateVerdict, TaskContext } from '../pipeline/TaskContext.js';

const engine = () => new Engine({ config: resolveConfig({}, '/repo') });

async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

describe('Engine', () => {
  it('has one frozen hooks object with the ten stages, recover and the event hook', () => {
    const e = engine();
    expect(Object.isFrozen(e.hooks)).toBe(true);
    expect(() => {
      (e.hooks as Record<string, unknown>).execute = null;
    }).toThrow(TypeError);
    for (const hook of ['resolve', 'metadata', 'triage', 'dependencies', 'preGates', 'deploy', 'execute', 'postValidate', 'qaGates', 'persist', 'recover', 'event', 'discover']) {
      expect(e.hooks).toHaveProperty(hook);
    }
  });

  it('names the plugin when its apply throws', async () => {
    const error = await failure(engine().use([definePlugin({ name: 'broken-plugin', apply: () => { throw new Error('boom'); } })]));
    expect(isOrchError(error, 'plugin-failed')).toBe(true);
    expect(error.message).toBe("plugin 'broken-plugin' failed in hook 'apply': boom");
  });

  it.each(['tap', 'tapPromise', 'tapAsync'] as const)('names the plugin and hook when a %s tap throws', async (kind) => {
    const e = engine();
    await e.use([
      definePlugin({
        name: 'faulty-source',
        apply(en) {
          const fail = () => {
            throw new Error('cannot read');
          };
          if (kind === 'tap') en.hooks.discover.tap('faulty-source', fail);
          else if (kind === 'tapPromise') en.hooks.discover.tapPromise('faulty-source', async () => fail());
          else en.hooks.discover.tapAsync('faulty-source', (_context, callback) => callback(new Error('cannot read')));
        },
      }),
    ]);
    const error = await failure(e.discover());
    expect(error.message).toBe("plugin 'faulty-source' failed in hook 'discover': cannot read");
  });

  it('wraps errors from executor taps with the executor key', async () => {
    const e = engine();
    e.hooks.execute.for('shell').tapPromise('my-shell', async () => {
      throw new Error('spawn failed');
    });
    const error = await failure(e.hooks.execute.for('shell').promise({} as TaskContext));
    expect(error.message).toBe("plugin 'my-shell' failed in hook 'execute.shell': spawn failed");
  });

  it('emits typed events to reporters and never prints', async () => {
    const events: OrchEvent[] = [];
    const e = engine();
    await e.use([definePlugin({ name: 'recorder', apply: (en) => en.hooks.event.tap('recorder', (event) => void events.push(event)) })]);
    await e.discover();
    expect(events.map((event) => event.type)).toEqual(['plugins-applied', 'discovery-started', 'discovery-finished']);
    expect(events[0]).toEqual({ type: 'plugins-applied', plugins: ['recorder'] });
  });

  it('runs the metadata stage as a waterfall over every discovered command', async () => {
    const e = engine();
    await e.use([
      definePlugin({
        name: 'source',
        apply: (en) =>
          en.hooks.discover.tap('source', ({ registry }) => {
            registry.addCommand({ id: 'a', kind: 'config', source: 'source', location: { file: 'x' }, dependencies: [], metadata: { agents: [], extra: {} }, steps: [] });
          }),
      }),
      definePlugin({ name: 'describe', apply: (en) => en.hooks.metadata.tap('describe', (command) => ({ ...command, metadata: { ...command.metadata, description: 'described' } })) }),
    ]);
    const registry = await e.discover();
    expect(registry.commands.get('a')!.metadata.description).toBe('described');
  });
});

describe('lazy plugins (issue 13)', () => {
  const tapping = (name: string, order: string[]) => definePlugin({ name, apply: (e) => void e.hooks.triage.tap(name, () => void order.push(name)) });
  const task = { id: 't' } as unknown as TaskContext;

  it('an engine that runs tasks imports a lazy plugin and applies it in its place in the order', async () => {
    const order: string[] = [];
    let loads = 0;
    const e = engine();
    await e.use([tapping('first', order), lazyPlugin('lazy', async () => (loads++, tapping('lazy', order))), tapping('last', order)]);
    await e.hooks.triage.promise(task);
    expect(order).toEqual(['first', 'lazy', 'last']);
    expect(loads).toBe(1);
    expect(e.plugins.map((p) => p.name)).toEqual(['first', 'lazy', 'last']);
  });

  it("names the plugin when the loaded plugin's apply throws", async () => {
    const error = await failure(engine().use([lazyPlugin('lazy', async () => definePlugin({ name: 'lazy', apply: () => { throw new Error('boom'); } }))]));
    expect(error.message).toBe("plugin 'lazy' failed in hook 'apply': boom");
  });

  it("lists the loaded plugin, whose version task hashes record", async () => {
    const e = engine();
    await e.use([lazyPlugin('lazy', async () => definePlugin({ name: 'lazy', version: '2.1.0', apply: () => {} }))]);
    expect(e.plugins.map((p) => p.version)).toEqual(['2.1.0']);
  });

  it('an engine that runs no task never imports it, yet lists it by name', async () => {
    const order: string[] = [];
    let loads = 0;
    const e = new Engine({ config: resolveConfig({}, '/repo'), runTimePlugins: 'defer' });
    await e.use([tapping('first', order), lazyPlugin('lazy', async () => (loads++, tapping('lazy', order)))]);
    await e.hooks.triage.promise(task);
    expect(loads).toBe(0);
    expect(order).toEqual(['first']);
    expect(e.plugins.map((p) => p.name)).toEqual(['first', 'lazy']);
  });

  it('a lazy plugin that loads a plugin of another name is an error naming it', async () => {
    const error = await failure(engine().use([lazyPlugin('orch:shell', async () => tapping('orch:shel', []))]));
    expect(isOrchError(error, 'plugin-failed')).toBe(true);
    expect(error.message).toBe("plugin 'orch:shell' failed in hook 'load': it loaded a plugin named 'orch:shel'");
  });
});

describe('defineGate', () => {
  it('taps the hook of its stage and reports its verdict under its name', async () => {
    const e = engine();
    await e.use([defineGate({ name: 'has-description', stage: 'pre', check: ({ task }) => (task.command.metadata.description ? { status: 'pass', message: 'ok' } : { status: 'fail', message: 'no description' }) })]);
    const verdicts: GateVerdict[] = [];
    const task = { id: 't', args: [], signal: new AbortController().signal, command: { metadata: { agents: [], extra: {} } } } as unknown as TaskContext;
    await e.hooks.preGates.promise({ task, stage: 'preGates', metrics: new Map(), report: (v) => void verdicts.push(v) });
    expect(verdicts).toEqual([{ gate: 'has-description', status: 'fail', message: 'no description', durationMs: expect.any(Number) }]);
  });
});

describe('defineGate failures and settings', () => {
  const task = (gates?: Record<string, unknown>) =>
    ({ id: 't', args: [], signal: new AbortController().signal, command: { metadata: { agents: [], extra: {}, ...(gates ? { gates } : {}) } } }) as unknown as TaskContext;
  const verdictsOf = async (gate: Parameters<typeof defineGate>[0], config: Record<string, unknown> = {}, gates?: Record<string, unknown>) => {
    const e = new Engine({ config: { ...resolveConfig({}, '/repo'), gates: config as never } });
    await e.use([defineGate(gate)]);
    const verdicts: GateVerdict[] = [];
    await e.hooks.preGates.promise({ task: task(gates), stage: 'preGates', metrics: new Map(), report: (v) => void verdicts.push(v) });
    return verdicts.map(({ durationMs: _ms, ...v }) => v);
  };

  it('a gate that throws fails under its name', async () => {
    expect(await verdictsOf({ name: 'acme:flaky', stage: 'pre', check: () => { throw new Error('service unavailable'); } })).toEqual([{ gate: 'acme:flaky', status: 'fail', message: 'service unavailable' }]);
  });

  it('a gate that does not answer within its time limit fails under its name', async () => {
    expect(await verdictsOf({ name: 'acme:stuck', stage: 'pre', timeoutMs: 50, check: () => new Promise(() => {}) })).toEqual([{ gate: 'acme:stuck', status: 'fail', message: 'gate did not answer within 50 ms' }]);
  });

  it('config turns a gate off or to warn; front matter overrides the config', async () => {
    const failing = { name: 'acme:strict', stage: 'pre' as const, check: () => ({ status: 'fail' as const, message: 'nope' }) };
    expect(await verdictsOf(failing, { 'acme:strict': false })).toEqual([]);
    expect(await verdictsOf(failing, { 'acme:strict': { severity: 'warn' } })).toEqual([{ gate: 'acme:strict', status: 'warn', message: 'nope (severity: warn)' }]);
    expect(await verdictsOf(failing, { 'acme:strict': false }, { 'acme:strict': true })).toEqual([{ gate: 'acme:strict', status: 'fail', message: 'nope' }]);
  });
});

describe('resolvePlugins', () => {
  const builtins = [definePlugin({ name: 'orch:a', apply() {} }), definePlugin({ name: 'orch:b', apply() {} })];
  const base = { defaults: builtins, preset: true, disable: [] as string[], fromDir: '/repo', specs: [] };

  it('applies the preset, then config plugins; a plugin of the same name replaces a built-in in place', async () => {
    const replacement = definePlugin({ name: 'orch:a', version: '2', apply() {} });
    const extra = definePlugin({ name: 'mine', apply() {} });
    const plugins = await resolvePlugins({ ...base, specs: [extra, replacement, false] });
    expect(plugins.map((p) => p.name)).toEqual(['orch:a', 'orch:b', 'mine']);
    expect(plugins[0]).toBe(replacement);
  });

  it('turns off built-ins by name, or the whole preset', async () => {
    expect((await resolvePlugins({ ...base, disable: ['orch:b'] })).map((p) => p.name)).toEqual(['orch:a']);
    expect(await resolvePlugins({ ...base, preset: false })).toEqual([]);
  });

  it('says which name was meant when disabling an unknown plugin', async () => {
    const error = await failure(resolvePlugins({ ...base, disable: ['orch:c'] }));
    expect(error.message).toBe("disablePlugins names 'orch:c', which is not a plugin");
    expect((error as { hint?: string }).hint).toContain("did you mean 'orch:a' or 'orch:b'?");
  });

  it('refuses an object that is not a plugin', async () => {
    const error = await failure(resolvePlugins({ ...base, specs: [{ name: 'x' } as never] }));
    expect(error.message).toBe('config plugins[0] is not a plugin');
  });
});

describe('Engine background work (issue 13: after the result is out)', () => {
  it('is done by close(), after every shutdown tap, in the order given', async () => {
    const e = engine();
    const done: string[] = [];
    e.hooks.shutdown.tap('a', () => {
      done.push('shutdown a');
      e.background('a', async () => void done.push('snapshot'));
    });
    e.hooks.shutdown.tap('b', () => {
      done.push('shutdown b');
      e.background('b', () => void done.push('metrics'));
    });
    await e.close();
    expect(done).toEqual(['shutdown a', 'shutdown b', 'snapshot', 'metrics']);
  });

  it('deferred, waits for finishBackground, which does all of it and returns each failure named after its plugin', async () => {
    const e = engine();
    const done: string[] = [];
    e.hooks.shutdown.tap('a', () => {
      e.background('snapshots', () => {
        throw new Error('first');
      });
      e.background('history', async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        done.push('second');
      });
      e.background('metrics', () => Promise.reject(new Error('third')));
    });
    await e.close({ deferBackground: true });
    expect(done).toEqual([]);
    const failures = await e.finishBackground();
    expect(failures.map((failure) => [failure.code, failure.message])).toEqual([
      ['plugin-failed', "plugin 'snapshots' failed in hook 'background': first"],
      ['plugin-failed', "plugin 'metrics' failed in hook 'background': third"],
    ]);
    expect(done).toEqual(['second']);
    // Taken once: nothing is left to do.
    await expect(e.finishBackground()).resolves.toEqual([]);
  });

  it('takes work that never settles as a failure once the plugin time limit has passed', async () => {
    const e = new Engine({ config: { ...engine().config, pluginTimeout: 50 } });
    const done: string[] = [];
    e.hooks.shutdown.tap('a', () => {
      e.background('stuck', () => new Promise(() => undefined));
      e.background('after', () => void done.push('after'));
    });
    await e.close({ deferBackground: true });
    const failures = await e.finishBackground();
    expect(failures.map((failure) => failure.message)).toEqual(["plugin 'stuck' failed in hook 'background': did not answer within 50 ms (pluginTimeout)"]);
    expect(done).toEqual(['after']);
  });

  it('gives up the work left once its signal aborts (a stop signal after the run ended)', async () => {
    const e = engine();
    const done: string[] = [];
    e.hooks.shutdown.tap('a', () => {
      e.background('stuck', () => new Promise(() => undefined));
      e.background('after', () => void done.push('after'));
    });
    await e.close({ deferBackground: true });
    const stop = new AbortController();
    setTimeout(() => stop.abort(new Error('SIGTERM')), 20);
    const failures = await e.finishBackground(stop.signal);
    expect(failures.map((failure) => failure.message)).toEqual([
      "plugin 'stuck' failed in hook 'background': given up, unfinished (SIGTERM)",
      "plugin 'after' failed in hook 'background': given up, unfinished (SIGTERM)",
    ]);
    expect(done).toEqual([]);
  });

  // Session 23's tester: alone, a background failure was an internal error (exit 70) thrown from
  // close(), and it replaced the error of a shutdown tap that failed first.
  it('in close(), a background failure is a warning, and a shutdown tap\'s own error is the one thrown', async () => {
    const e = engine();
    const warnings: string[] = [];
    e.hooks.event.tap('test', (event) => void (event.type === 'warning' && warnings.push(event.message)));
    e.hooks.shutdown.tap('records', () => {
      e.background('records', () => {
        throw new Error('disk full');
      });
      throw new Error('records not written');
    });
    await expect(e.close()).rejects.toThrow("plugin 'records' failed in hook 'shutdown': records not written");
    expect(warnings).toEqual(["plugin 'records' failed in hook 'background': disk full"]);

    const calm = engine();
    const seen: string[] = [];
    calm.hooks.event.tap('test', (event) => void (event.type === 'warning' && seen.push(event.message)));
    calm.hooks.shutdown.tap('metrics', () => calm.background('metrics', () => Promise.reject(new Error('EACCES'))));
    await expect(calm.close()).resolves.toBeUndefined();
    expect(seen).toEqual(["plugin 'metrics' failed in hook 'background': EACCES"]);
  });
});
