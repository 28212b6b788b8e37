/**
 * Bytes one argument may hold: Linux's `MAX_ARG_STRLEN` (32 pages of 4 KiB) less its NUL. A
 * longer one fails `execve` with E2BIG.
 */
export const MAX_ARGUMENT_BYTES = 128 * 1024 - 1;
/**
 * Bytes the arguments and the environment may hold together, with their pointers: Linux's
 * usual `ARG_MAX` of 2 MiB (a quarter of an 8 MiB stack) less room for the kernel's own.
 */
export const MAX_COMMAND_LINE_BYTES = 2 * 1024 * 1024 - 64 * 1024;

/** Why `execve` would refuse to start a program with these arguments: which one, and why. */
export interface CommandLineProblem {
  /** Index in `args`, or -1 when the arguments and environment are too large together. */
  index: number;
  why: string;
}

/**
 * Whether a program can be started with these arguments and this environment: no argument
 * over `MAX_ARGUMENT_BYTES`, none holding a NUL, and all of it under `MAX_COMMAND_LINE_BYTES`.
 * Checked before spawning, so the error can name what is too long instead of Node's bare
 * `spawn E2BIG`.
 */
export function commandLineProblem(args: readonly string[], env: Readonly<Record<string, string>>): CommandLineProblem | undefined {
  let total = 0;
  for (const [index, arg] of args.entries()) {
    const bytes = Buffer.byteLength(arg);
    if (arg.includes('\0')) return { index, why: 'holds a NUL character, which no argument can' };
    if (bytes > MAX_ARGUMENT_BYTES) return { index, why: `is ${bytes} bytes; one argument holds at most ${MAX_ARGUMENT_BYTES} (128 KiB)` };
    total += bytes + 1 + 8;
  }
  for (const [name, value] of Object.entries(env)) total += Buffer.byteLength(name) + Buffer.byteLength(value) + 2 + 8;
  if (total > MAX_COMMAND_LINE_BYTES) return { index: -1, why: `the arguments and environment are ${total} bytes together; a program can be given at most ${MAX_COMMAND_LINE_BYTES}` };
  return undefined;
}
