/**
 * Seeded generators of bad input for the fuzz test: front matter and config files mutated in
 * the ways that crashed, hung or went unlocated before (issue 12, part 8), plus random edits of
 * valid files. Same seed, same files.
 */

/** mulberry32: a small, fast PRNG with a 32-bit state; plenty for choosing mutations. */
export function prng(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number): number => Math.floor(next() * max);
  return { next, int, pick: <T>(items: readonly T[]): T => items[int(items.length)]! };
}

export interface Random {
  next(): number;
  int(max: number): number;
  pick<T>(items: readonly T[]): T;
}

const VALID_FRONT_MATTER = [
  'description: Run the checks',
  'argument-hint: [path]',
  'allowed-tools: Bash(git status:*), Read',
  'complexity: medium',
  'dependencies: [ok]',
  'timeout: 5m',
  'inputs:\n  - src/**',
  'gates:\n  orch:safety: false',
  'retry: 2',
  'model: sonnet',
];

/** Names of Object.prototype's properties, and `__proto__`: a key or a name like any other. */
export const BUILT_IN_NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', 'prototype'];

const INDICATORS = ['[', ']', '{', '}', ':', ': ', '*', '&', '!', '|', '>', '%', '@', '`', '#', '"', "'", '-', '?', ',', '\t', '\0', '\uFEFF', '\\'];
const KEYS = ['description', 'argument-hint', 'dependencies', 'complexity', 'agents', 'allowed-tools', 'disallowed-tools', 'timeout', 'retry', 'run', 'gates', 'cache', 'effort', 'user-invocable', 'hooks', 'paths', 'when_to_use', 'name', 'inputs'];
const ODD_VALUES = ['{{NAME}}', '{{SUMMARY}}', '[a] [b]', '[pr-number] [priority]', 'a: b: c', '*nope', '&anchor', '!!js/function x', '!tag', '%YAML', '@file', '`cmd`', '#hash', '| text', '> folded', '~', 'null', '12', 'true', 'yes', '2024-01-02', '0x1F', '.inf', '[[[]]]', '{a: {b: {c: 1}}}', "'unclosed", '"unclosed', 'standard', '-1', '1e400'];

/** A front matter body (between the `---` lines) of 1–5 valid lines. */
function validLines(random: Random): string[] {
  const lines = new Set<string>();
  const count = 1 + random.int(5);
  for (let i = 0; i < count; i++) lines.add(random.pick(VALID_FRONT_MATTER));
  return [...lines];
}

function withFrontMatter(lines: readonly string[], body = 'Do the work.\n'): string {
  return `---\n${lines.join('\n')}\n---\n${body}`;
}

function deepFlow(depth: number): string {
  return `${'['.repeat(depth)}x${']'.repeat(depth)}`;
}

function deepBlock(depth: number): string {
  return Array.from({ length: depth }, (_, i) => `${'  '.repeat(i)}k${i}:`).join('\n') + ' leaf';
}

function aliasBomb(levels: number): string[] {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
  return lines;
}

/** Front-matter mutations, each a whole command file. */
export const FRONT_MATTER_MUTATORS: Record<string, (random: Random) => string | Buffer> = {
  'alias bomb': (random) => withFrontMatter(aliasBomb(4 + random.int(6))),
  '101 aliases': () => withFrontMatter(['base: &v text', ...Array.from({ length: 101 }, (_, i) => `k${i}: *v`)]),
  // Nested, where Claude Code's quote-and-retry does not reach: an error (a top-level `key: *nope` is read as text).
  'undefined alias': (random) => withFrontMatter([...validLines(random), `${random.pick(KEYS)}:`, `  - *nope${random.int(9)}`]),
  'undefined alias as a value': (random) => withFrontMatter([...validLines(random), `${random.pick(KEYS)}: *nope${random.int(9)}`]),
  // Keys and names that are Object.prototype's properties (issue 12 findings, #3): read as any other.
  'built-in property names': (random) => {
    const name = random.pick(BUILT_IN_NAMES);
    return withFrontMatter([...validLines(random), random.pick([`${name}: x`, `gates:\n  ${name}: false`, `resources:\n  ${name}: 1`, `hooks:\n  ${name}: []`, `dependencies: [${name}]`, `agents: [${name}]`, `env: [${name}]`])]);
  },
  'recursive alias': () => withFrontMatter(['a: &x [1, *x]']),
  'NUL in the opening line': (random) => `---${'\0'.repeat(1 + random.int(3))}\n${validLines(random).join('\n')}\n---\nbody\n`,
  'NUL in front matter': (random) => {
    const text = withFrontMatter(validLines(random));
    const at = 4 + random.int(text.indexOf('\n---', 4) - 4);
    return `${text.slice(0, at)}\0${text.slice(at)}`;
  },
  'opener with a language': (random) => `---${random.pick(['js', 'json', 'yaml', 'coffee', ' x'])}\n${validLines(random).join('\n')}\n---\nbody\n`,
  'unclosed': (random) => `---\n${validLines(random).join('\n')}\n# no closing line\n`,
  'deep flow nesting': (random) => withFrontMatter([`description: ${deepFlow(65 + random.int(2000))}`]),
  'deep block nesting': (random) => withFrontMatter([deepBlock(65 + random.int(300))]),
  'template placeholder': (random) => withFrontMatter([...validLines(random), `${random.pick(KEYS)}: {{${random.pick(['NAME', 'SUMMARY', 'HINT'])}}}`]),
  'unquoted indicator': (random) => withFrontMatter([...validLines(random), `${random.pick(KEYS)}: ${random.pick(ODD_VALUES)}`]),
  'wrong type': (random) => withFrontMatter([`${random.pick(KEYS)}: ${random.pick(['{a: 1}', '[1, 2]', '12', 'true', '~', '[{x: y}]', '-5', '""'])}`, ...validLines(random)]),
  'duplicate key': (random) => {
    const lines = validLines(random);
    return withFrontMatter([...lines, lines[0]!]);
  },
  'unknown tag': (random) => withFrontMatter([`${random.pick(KEYS)}: ${random.pick(['!!js/function "x"', '!!binary aGk=', '!custom x', '!!set {a}', '!!omap [a: 1]'])}`]),
  'tab indentation': () => withFrontMatter(['gates:\n\torch:safety: false']),
  'control characters': (random) => withFrontMatter([`description: ${Array.from({ length: 8 }, () => String.fromCharCode(random.int(32))).join('')}`]),
  'invalid UTF-8': (random) => {
    const bytes = Buffer.from(withFrontMatter(validLines(random)));
    bytes[4 + random.int(bytes.length - 8)] = random.pick([0xc3, 0xe9, 0xff, 0x80, 0xf5]);
    return bytes;
  },
  'byte flips': (random) => {
    const bytes = Buffer.from(withFrontMatter(validLines(random)));
    for (let i = 0; i < 1 + random.int(4); i++) bytes[random.int(bytes.length)] = random.int(256);
    return bytes;
  },
  'indicator inserted': (random) => {
    let text = withFrontMatter(validLines(random));
    for (let i = 0; i < 1 + random.int(3); i++) {
      const at = 4 + random.int(Math.max(1, text.indexOf('\n---', 4) - 4));
      text = `${text.slice(0, at)}${random.pick(INDICATORS)}${text.slice(at)}`;
    }
    return text;
  },
  'character deleted': (random) => {
    let text = withFrontMatter(validLines(random));
    for (let i = 0; i < 1 + random.int(3); i++) {
      const at = random.int(text.length);
      text = text.slice(0, at) + text.slice(at + 1);
    }
    return text;
  },
  'truncated': (random) => {
    const text = withFrontMatter(validLines(random));
    return text.slice(0, random.int(text.length));
  },
  'long line': (random) => withFrontMatter([`description: ${'x'.repeat(10_000 + random.int(100_000))}`]),
  'many documents': () => withFrontMatter(['a: 1', '...', '---', 'b: 2']),
  'empty or blank': (random) => random.pick(['', '\n\n', '---\n---\n', '---\n\n---\n', '   ', '---']),
  'CRLF and BOM': (random) => `\uFEFF${withFrontMatter(validLines(random)).replace(/\n/g, '\r\n')}`,
};

/** A config file: its name and content. */
export interface ConfigFile {
  file: string;
  content: string;
}

const CONFIG = {
  commands: { build: { description: 'Build', run: 'echo build', dependencies: [] as string[] }, test: { run: 'echo test', dependencies: ['build'] } },
  targets: { build: { dependsOn: ['^build'], outputs: ['dist/**'] } },
  gates: { 'orch:safety': false },
};

function json(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

function yaml(value: unknown, indent = ''): string {
  if (Array.isArray(value)) return value.length === 0 ? '[]' : value.map((item) => `\n${indent}- ${yaml(item, `${indent}  `).trimStart()}`).join('');
  if (value && typeof value === 'object') return Object.entries(value).map(([key, item]) => `\n${indent}${JSON.stringify(key)}: ${yaml(item, `${indent}  `)}`).join('');
  return JSON.stringify(value);
}

function deepJson(depth: number): string {
  return `{"commands":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;
}

const TS_BODIES = [
  'throw new Error("boom");\nexport default {};\n',
  'throw "a string";\n',
  'throw undefined;\n',
  'export default Promise.reject(new Error("rejected"));\n',
  'export default async () => { throw new Error("async boom"); };\n',
  'export default new Promise(() => {});\n',
  'export default () => new Promise(() => {});\n',
  'await new Promise(() => {});\nexport default {};\n',
  'export default null;\n',
  'export default 42;\n',
  'export default "config";\n',
  'export default [];\n',
  'export default () => null;\n',
  'const a: Record<string, unknown> = {};\na.self = a;\nexport default { commands: { x: { run: "echo", env: a } } };\n',
  'let v: unknown = 1;\nfor (let i = 0; i < 10000; i++) v = { a: v };\nexport default { commands: v };\n',
  'export default { get commands() { throw new Error("getter"); } };\n',
  'export default new Proxy({}, { ownKeys() { throw new Error("proxy"); } });\n',
  'export default { targets: [] };\n',
  'export default { commands: { "../../x": { run: "echo" }, "": { run: "echo" } } };\n',
  'export default { gates: { "orch:saftey": false, nope: true } };\n',
  'export default { commands: { a: { run: "echo", cache: false } } };\n',
  'export default { plugins: ["orch-plugin-that-is-not-installed"] };\n',
  'export default { plugins: [42] };\n',
  'export default { disablePlugins: ["orch:nope"] };\n',
  'export default { stateDri: ".state", concurrency: "lots" };\n',
  'import missing from "./missing-module.js";\nexport default { commands: { a: { run: String(missing) } } };\n',
];

/** Config mutations, each a config file of one kind. */
export const CONFIG_MUTATORS: Record<string, (random: Random) => ConfigFile> = {
  'JSON truncated': (random) => {
    const text = json(CONFIG);
    return { file: 'orchestrator.config.json', content: text.slice(0, 1 + random.int(text.length - 2)) };
  },
  'JSON edited': (random) => {
    let text = json(CONFIG);
    for (let i = 0; i < 1 + random.int(3); i++) {
      const at = random.int(text.length);
      text = random.next() < 0.5 ? text.slice(0, at) + text.slice(at + 1) : `${text.slice(0, at)}${random.pick(['{', '}', '[', ']', ',', ':', '"', 'x', '\0', '\\'])}${text.slice(at)}`;
    }
    return { file: random.pick(['orchestrator.config.json', '.orchrc.json']), content: text };
  },
  'JSON nested deep': (random) => ({ file: 'orchestrator.config.json', content: deepJson(65 + random.int(3000)) }),
  'JSON not an object': (random) => ({ file: '.orchrc.json', content: random.pick(['null', '[]', '"text"', '42', 'true', '{}}', '', '\uFEFF{}']) }),
  // With names of Object.prototype's properties (issue 12 findings, #3): commands, targets, gates, resources named so.
  'JSON odd keys': (random) => ({ file: 'orchestrator.config.json', content: random.pick([
    ...BUILT_IN_NAMES.map((name) => json({ commands: { [name]: { run: 'echo x' }, b: { run: 'echo b', dependencies: [name] } }, targets: { [name]: { dependsOn: [] } }, resources: { [name]: 1 }, circuitBreakers: { [name]: false } })),
    ...['{"__proto__": {"x": 1}}', '{"commands": {"a": {"run": "x"}, "a": {"run": "y"}}}', '{"targets": []}', '{"commands": {"": {"run": "x"}}}', '{"commands": {"a/../../b": {"run": "x"}}}', '{"gates": {"orch:nope": false}}'],
  ]) }),
  'package.json key': (random) => ({ file: 'package.json', content: random.pick(['{"name": "x", "orch": null}', '{"name": "x", "orch": []}', '{"name": "x", "orch": {"stateDir": 5}}', '{"name": "x", "orch": {"targets": {"build": {"dependsOn": "^build"}}}}', '{"name": "x", "orch": ']) }),
  'YAML edited': (random) => {
    let text = yaml(CONFIG).trimStart();
    for (let i = 0; i < 1 + random.int(3); i++) {
      const at = random.int(text.length);
      text = `${text.slice(0, at)}${random.pick(INDICATORS)}${text.slice(at)}`;
    }
    return { file: random.pick(['.orchrc.yaml', '.orchrc', 'orchestrator.config.yml']), content: text };
  },
  'YAML aliases': (random) => ({ file: '.orchrc.yaml', content: `${random.pick([aliasBomb(8).join('\n'), ['x: &v 1', ...Array.from({ length: 101 }, (_, i) => `k${i}: *v`)].join('\n'), 'stateDir: *nope', 'a: &x [*x]'])}\n` }),
  'YAML nested deep': (random) => ({ file: '.orchrc.yaml', content: random.next() < 0.5 ? `commands: ${deepFlow(65 + random.int(3000))}\n` : `${deepBlock(65 + random.int(400))}\n` }),
  'YAML wrong types': (random) => ({ file: '.orchrc.yaml', content: `${random.pick(['targets: []', 'commands: 5', 'concurrency: lots', 'cache: {maxSize: huge}', 'workflows: {ci: {steps: 5}}', 'prompt: {positionalBase: 7}', 'commands: {"..": {run: x}}'])}\n` }),
  'module config': (random) => {
    const body = random.pick(TS_BODIES);
    return { file: random.pick(['orchestrator.config.ts', 'orchestrator.config.mts', 'orchestrator.config.mjs']), content: body };
  },
  'module syntax error': (random) => {
    const text = `export default ${json(CONFIG)};\n`;
    return { file: random.pick(['orchestrator.config.ts', 'orchestrator.config.mjs', 'orchestrator.config.cjs']), content: text.slice(0, 16 + random.int(text.length - 20)) };
  },
};
