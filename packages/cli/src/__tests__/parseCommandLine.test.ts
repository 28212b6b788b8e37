import { describe, expect, it } from 'vitest';
import { parseCommandLine, type CliOptions } from '../parseCommandLine.js';

const OPTIONS: CliOptions = {
  kind: { type: 'string', values: ['markdown', 'script'], description: 'a kind' },
  continue: { type: 'string', values: ['never', 'always'], bare: 'always', description: 'go on' },
  level: { type: 'string', valueName: 'n', description: 'a level', check: (value) => (/^\d+$/.test(value) ? undefined : 'a whole number'), example: '--level 3' },
  tag: { type: 'string', short: 't', multiple: true, description: 'tags' },
  json: { type: 'boolean', description: 'json' },
  mode: { type: 'string', values: ['fast', 'slow'], default: 'fast', description: 'a mode' },
  'no-cache': { type: 'boolean', description: 'no cache' },
};

describe('parseCommandLine', () => {
  it('reads values attached or apart, short and repeated options, and what follows --', () => {
    expect(parseCommandLine(['--kind', 'script', '-t', 'a', '--tag=b', 'name', '--', '--kind', 'x'], OPTIONS)).toEqual({
      values: { kind: 'script', tag: ['a', 'b'] },
      positionals: ['name'],
      passthrough: ['--kind', 'x'],
    });
  });

  it('gives a bare option its bare value, and takes the next argument only when it is one of its values', () => {
    expect(parseCommandLine(['--continue', 'build'], OPTIONS)).toMatchObject({ values: { continue: 'always' }, positionals: ['build'] });
    expect(parseCommandLine(['--continue', 'never', 'build'], OPTIONS)).toMatchObject({ values: { continue: 'never' }, positionals: ['build'] });
  });

  it('takes a value that starts with a dash as the value, and judges it', () => {
    expect(() => parseCommandLine(['--level', '-1'], OPTIONS)).toThrow('--level -1: expected a whole number');
    expect(parseCommandLine(['--level', '12'], OPTIONS).values.level).toBe('12');
  });

  it('refuses a value outside the declared ones, with did you mean', () => {
    expect(() => parseCommandLine(['--kind', 'scrpt'], OPTIONS)).toThrow(expect.objectContaining({ code: 'usage', message: '--kind scrpt: expected one of markdown or script', hint: "did you mean 'script'?" }));
  });

  it('refuses an option without its value, naming what it takes', () => {
    expect(() => parseCommandLine(['--level'], OPTIONS)).toThrow(expect.objectContaining({ message: '--level needs a value: <n>', hint: 'e.g. --level 3' }));
    expect(() => parseCommandLine(['--kind', '--json'], OPTIONS)).toThrow('--kind needs a value: one of markdown or script');
  });

  it('refuses an unknown option with did you mean, and a value given to a flag', () => {
    expect(() => parseCommandLine(['--jsno'], OPTIONS)).toThrow(expect.objectContaining({ message: "unknown option '--jsno'", hint: "did you mean '--json'?" }));
    expect(() => parseCommandLine(['--json=yes'], OPTIONS)).toThrow(expect.objectContaining({ message: '--json takes no value' }));
  });

  it('holds only the options given: a declared default is for help, and --no-x is the flag no-x', () => {
    expect(parseCommandLine(['build'], OPTIONS).values).toEqual({});
    expect(parseCommandLine(['--mode', 'slow', '--no-cache'], OPTIONS).values).toEqual({ mode: 'slow', 'no-cache': true });
  });

  it('refuses a name where the command takes none', () => {
    expect(() => parseCommandLine(['--json', 'extra'], OPTIONS, false)).toThrow(expect.objectContaining({ message: "unexpected argument 'extra'" }));
  });
});
