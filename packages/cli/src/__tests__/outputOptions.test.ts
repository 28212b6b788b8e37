import { describe, expect, it } from 'vitest';
import { outputOptions } from '../outputOptions.js';

describe('outputOptions', () => {
  it.each([
    [{ CI: 'true' }, 'grouped'],
    [{ CI: '1' }, 'grouped'],
    [{ CI: 'woodpecker' }, 'grouped'],
    [{}, 'stream'],
    [{ CI: '' }, 'stream'],
    [{ CI: '0' }, 'stream'],
    [{ CI: 'false' }, 'stream'],
  ])('--log-order=auto with %j is %s (Turborepo: grouped in CI)', (env, order) => {
    expect(outputOptions({}, env).logOrder).toBe(order);
    expect(outputOptions({ 'log-order': 'auto' }, env).logOrder).toBe(order);
  });

  it('an order given is kept, in CI or not', () => {
    expect(outputOptions({ 'log-order': 'stream' }, { CI: 'true' }).logOrder).toBe('stream');
    expect(outputOptions({ 'log-order': 'grouped' }, {}).logOrder).toBe('grouped');
  });

  it('--verbose is debug; a --log-level beside it wins; neither leaves the level unset (info)', () => {
    expect(outputOptions({ verbose: true }, {}).logLevel).toBe('debug');
    expect(outputOptions({ verbose: true, 'log-level': 'warn' }, {}).logLevel).toBe('warn');
    expect(outputOptions({}, {}).logLevel).toBeUndefined();
    expect(outputOptions({ 'output-logs': 'new-only' }, {}).outputLogs).toBe('new-only');
  });
});
