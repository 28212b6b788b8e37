import { WriteStream } from 'node:tty';
import { beginInvocation } from '@orch/engine';
import type { StreamShape } from './daemonProtocol.js';

/** One invocation the daemon serves, as the client's process has it. */
export interface Invocation {
  /** orch's arguments, as `process.argv` shows them: after Node's path and the program's. */
  argv: readonly string[];
  program: string;
  /** Where the daemon goes back to between invocations (its root). */
  home: string;
  env: Record<string, string>;
  cwd: string;
  /** The client's file mode creation mask: files the invocation makes get the client's modes. */
  umask: number;
  stdout: StreamShape;
  stderr: StreamShape;
  /** Text that orch, a plugin or a config writes to the process's stdout (`o`) or stderr (`e`). */
  write(stream: 'o' | 'e', text: string): void;
}

/**
 * Makes the daemon's process look, for the length of one invocation, like the client's: its
 * environment, folder, and stdout/stderr (TTY or not, columns, colour depth, and writes, which go
 * to the client; `console.log` included). Forgets what modules kept from the invocation before
 * (`perInvocation`). Returns what puts the daemon's own back, and a `resize` for the client's
 * terminal resizes (emitted as Node emits them for a TTY: a `resize` event on the stream).
 */
export function enterInvocation(invocation: Invocation): { leave(): void; resize(columns: { stdout?: number; stderr?: number }): void } {
  const env = process.env;
  const argv = process.argv;
  process.env = { ...invocation.env };
  process.argv = [process.execPath, invocation.program, ...invocation.argv];
  process.chdir(invocation.cwd);
  const umask = process.umask(invocation.umask);
  beginInvocation();
  const streams = [standIn(process.stdout, invocation.stdout, (text) => invocation.write('o', text)), standIn(process.stderr, invocation.stderr, (text) => invocation.write('e', text))];
  return {
    leave() {
      for (const stream of streams) stream.leave();
      // Never the folder it was in: that may have been removed meanwhile (uv_cwd fails then).
      try {
        process.chdir(invocation.home);
      } catch {
        process.chdir('/');
      }
      process.umask(umask);
      process.argv = argv;
      process.env = env;
    },
    resize(columns) {
      if (columns.stdout) streams[0]!.resize(columns.stdout);
      if (columns.stderr) streams[1]!.resize(columns.stderr);
    },
  };
}

const KEYS = ['isTTY', 'columns', 'write', 'getColorDepth', 'hasColors'] as const;

function standIn(stream: NodeJS.WriteStream, shape: StreamShape, write: (text: string) => void): { leave(): void; resize(columns: number): void } {
  const saved = new Map(KEYS.map((key) => [key, Object.getOwnPropertyDescriptor(stream, key)]));
  let columns = shape.columns;
  const define = (key: (typeof KEYS)[number], descriptor: PropertyDescriptor) => Object.defineProperty(stream, key, { configurable: true, ...descriptor });
  // As Node has it: true on a terminal, and not there at all otherwise.
  define('isTTY', { value: shape.tty ? true : undefined, writable: true });
  define('columns', { get: () => columns });
  define('write', {
    writable: true,
    value: (chunk: string | Uint8Array, encoding?: BufferEncoding | ((error?: Error | null) => void), done?: (error?: Error | null) => void) => {
      write(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString(typeof encoding === 'string' ? encoding : 'utf8'));
      const callback = typeof encoding === 'function' ? encoding : done;
      if (callback) process.nextTick(callback);
      return true;
    },
  });
  // Node's colour depth depends on the environment alone (TERM, COLORTERM, FORCE_COLOR, CI...): the client's now.
  define('getColorDepth', { writable: true, value: shape.tty ? (env?: object) => WriteStream.prototype.getColorDepth.call(stream, env) : undefined });
  define('hasColors', { writable: true, value: shape.tty ? (count?: number, env?: object) => WriteStream.prototype.hasColors.call(stream, count as number, env) : undefined });
  return {
    leave() {
      for (const [key, descriptor] of saved) {
        if (descriptor) Object.defineProperty(stream, key, descriptor);
        else delete (stream as unknown as Record<string, unknown>)[key];
      }
    },
    resize(next) {
      columns = next;
      stream.emit('resize');
    },
  };
}
