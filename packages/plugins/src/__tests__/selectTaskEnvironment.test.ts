import { readFileSync } from 'node:fs';
import { isEnvPattern } from '@orch/engine';
import { describe, expect, it } from 'vitest';
import { agentCredentialEnv } from '../agents/agentCredentialEnv.js';
import { BASE_ENV, VOLATILE_ENV } from '../environment/baseEnvironment.js';
import { envPatternMatcher } from '../environment/envPatternMatcher.js';
import { envPolicy, selectTaskEnvironment, type EnvPolicy } from '../environment/selectTaskEnvironment.js';

/** A shell's environment as orch would inherit it, started by `npm run` in a terminal. */
const SOURCE = {
  PATH: '/usr/bin',
  HOME: '/home/me',
  LANG: 'en_GB.UTF-8',
  LC_ALL: 'C',
  TMPDIR: '/tmp',
  CI: '1',
  NODE_ENV: 'production',
  API_URL: 'https://api',
  MY_APP_COLOR: 'blue',
  MY_APP_SIZE: 'xl',
  MY_APP_SECRET: 'hunter2',
  SENTRY_TOKEN: 'sentry',
  BENCH_TASKLOG: '/tmp/log',
  AWS_SECRET_ACCESS_KEY: 'aws',
  PWD: '/repo',
  SHLVL: '2',
  TERM_SESSION_ID: 'w0t0p0:1234',
  npm_lifecycle_event: 'build',
  npm_config_registry: 'https://registry.npmjs.org/',
  ORCH_SESSION_ID: 'outer',
};

const policy = (fields: Partial<EnvPolicy> = {}): EnvPolicy => ({ mode: 'strict', env: [], passThroughEnv: [], globalEnv: [], globalPassThroughEnv: [], ...fields });

describe('selectTaskEnvironment, strict mode', () => {
  it('lets a task see only the base set when it declares nothing, and hashes none of it', () => {
    const selected = selectTaskEnvironment(SOURCE, policy());
    expect(Object.keys(selected.visible).sort()).toEqual(['CI', 'HOME', 'LANG', 'LC_ALL', 'PATH', 'TMPDIR', 'npm_config_registry']);
    expect(selected.visible).not.toHaveProperty('NODE_ENV');
    expect(selected.hashed).toEqual({});
    expect(selected.unhashed).toEqual(['CI', 'HOME', 'LANG', 'LC_ALL', 'PATH', 'TMPDIR', 'npm_config_registry']);
  });

  it('shows and hashes env and globalEnv; shows passThroughEnv and globalPassThroughEnv without hashing them', () => {
    const selected = selectTaskEnvironment(SOURCE, policy({ env: ['NODE_ENV'], globalEnv: ['API_URL'], passThroughEnv: ['SENTRY_TOKEN'], globalPassThroughEnv: ['BENCH_TASKLOG'] }));
    expect(selected.visible).toMatchObject({ NODE_ENV: 'production', API_URL: 'https://api', SENTRY_TOKEN: 'sentry', BENCH_TASKLOG: '/tmp/log' });
    expect(selected.hashed).toEqual({ NODE_ENV: 'production', API_URL: 'https://api' });
    expect(selected.unhashed).toContain('SENTRY_TOKEN');
    expect(selected.unhashed).toContain('BENCH_TASKLOG');
    expect(selected.passThroughEnv).toEqual(['BENCH_TASKLOG', 'SENTRY_TOKEN']);
    expect(selected.visible).not.toHaveProperty('AWS_SECRET_ACCESS_KEY');
  });

  it('hashes a declared name that is unset as null, so setting it later changes the hash', () => {
    const selected = selectTaskEnvironment(SOURCE, policy({ env: ['BUILD_MODE'], globalEnv: ['VERSION'] }));
    expect(selected.hashed).toEqual({ BUILD_MODE: null, VERSION: null });
    expect(selected.visible).not.toHaveProperty('BUILD_MODE');
  });

  it('expands wildcards and applies ! exclusions to what the same list matches', () => {
    const selected = selectTaskEnvironment(SOURCE, policy({ env: ['MY_APP_*', '!MY_APP_SECRET'] }));
    expect(selected.hashed).toEqual({ MY_APP_COLOR: 'blue', MY_APP_SIZE: 'xl' });
    expect(selected.visible).not.toHaveProperty('MY_APP_SECRET');
    const passed = selectTaskEnvironment(SOURCE, policy({ env: ['MY_APP_*', '!MY_APP_SECRET'], passThroughEnv: ['MY_APP_SECRET'] }));
    expect(passed.visible.MY_APP_SECRET).toBe('hunter2');
    expect(passed.hashed).not.toHaveProperty('MY_APP_SECRET');
  });

  it('hashes a base variable when a task declares it', () => {
    expect(selectTaskEnvironment(SOURCE, policy({ globalEnv: ['CI'] })).hashed).toEqual({ CI: '1' });
  });
});

describe('selectTaskEnvironment, loose mode', () => {
  it('lets a task see everything and hashes all but volatile, pass-through and excluded variables', () => {
    const selected = selectTaskEnvironment(SOURCE, policy({ mode: 'loose', env: ['NODE_ENV', 'BUILD_MODE', '!MY_APP_SECRET'], globalPassThroughEnv: ['BENCH_TASKLOG'], passThroughEnv: ['SENTRY_*'] }));
    expect(selected.visible).toEqual(SOURCE);
    expect(Object.keys(selected.hashed).sort()).toEqual(['API_URL', 'AWS_SECRET_ACCESS_KEY', 'BUILD_MODE', 'CI', 'HOME', 'LANG', 'LC_ALL', 'MY_APP_COLOR', 'MY_APP_SIZE', 'NODE_ENV', 'PATH', 'TMPDIR']);
    expect(selected.hashed.BUILD_MODE).toBeNull();
    expect(selected.unhashed).toEqual(['BENCH_TASKLOG', 'MY_APP_SECRET', 'ORCH_SESSION_ID', 'PWD', 'SENTRY_TOKEN', 'SHLVL', 'TERM_SESSION_ID', 'npm_config_registry', 'npm_lifecycle_event']);
  });
});

describe('envPolicy', () => {
  const settings = { envMode: 'strict' as const, globalEnv: ['A'], globalPassThroughEnv: ['B'] };

  it('takes --env-mode over the task, and the task over the config', () => {
    expect(envPolicy({}, settings).mode).toBe('strict');
    expect(envPolicy({ envMode: 'loose' }, settings).mode).toBe('loose');
    expect(envPolicy({ envMode: 'loose' }, { ...settings, envModeOverride: 'strict' }).mode).toBe('strict');
  });

  it("adds an executor's pass-through patterns to the task's", () => {
    expect(envPolicy({ env: ['X'], passThroughEnv: ['Y'] }, settings, ['ANTHROPIC_*'])).toEqual({ mode: 'strict', env: ['X'], passThroughEnv: ['Y', 'ANTHROPIC_*'], globalEnv: ['A'], globalPassThroughEnv: ['B'] });
  });
});

describe('environment variable patterns', () => {
  it('match whole names, with * anywhere and other characters literal', () => {
    const matcher = envPatternMatcher(['NEXT_*_URL', 'PROGRAMFILES(X86)', 'A.B']);
    expect(matcher.matches('NEXT_PUBLIC_URL')).toBe(true);
    expect(matcher.matches('NEXT_PUBLIC_URLS')).toBe(false);
    expect(matcher.matches('PROGRAMFILES(X86)')).toBe(true);
    expect(matcher.matches('AxB')).toBe(false);
    expect(matcher.names).toEqual(['PROGRAMFILES(X86)', 'A.B']);
  });

  it('are validated as Turborepo writes them', () => {
    for (const good of ['NODE_ENV', 'MY_APP_*', '!MY_APP_SECRET', '*', 'PROGRAMFILES(X86)', 'npm_config_*']) expect(isEnvPattern(good), good).toBe(true);
    for (const bad of ['', '$NODE_ENV', '!$X', 'A=B', 'A B', 'A!B', '!', '!!A']) expect(isEnvPattern(bad), bad).toBe(false);
  });
});

describe('agentCredentialEnv', () => {
  it("gives Claude Code its own variables, and cloud credentials only when it is told to use that cloud", () => {
    expect(agentCredentialEnv({ adapter: 'claude' }, {})).toEqual(['ANTHROPIC_*', 'CLAUDE_*', 'DISABLE_*', 'MCP_*']);
    expect(agentCredentialEnv({}, { CLAUDE_CODE_USE_BEDROCK: '1' })).toContain('AWS_*');
    expect(agentCredentialEnv({ adapter: 'codex' }, {})).toEqual(['OPENAI_*', 'CODEX_*', 'AZURE_OPENAI_*']);
    expect(agentCredentialEnv({ adapter: 'generic' }, { CLAUDE_CODE_USE_BEDROCK: '1' })).toEqual([]);
  });
});

describe('the documented lists', () => {
  const docs = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');
  /** The paragraph that starts with `title`. */
  const section = (title: string) => {
    const start = docs.indexOf(title);
    expect(start, title).toBeGreaterThan(0);
    return docs.slice(start, docs.indexOf('\n\n', start));
  };

  it('name every base and volatile variable, as the code has them', () => {
    const base = section('**Base set**');
    for (const name of BASE_ENV) expect(base, name).toContain(`\`${name}\``);
    const volatile = section('**Volatile**');
    for (const name of VOLATILE_ENV) expect(volatile, name).toContain(`\`${name}\``);
  });
});
