import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { Chalk } from 'chalk';
import { perInvocation, terminalText, type Diagnostic, type SourceLocation } from '@orch/engine';

export interface FormatOptions {
  cwd: string;
  color: boolean;
}

/**
 * Renders a diagnostic the way compilers do: `file:line:col: error: message [code]`, the
 * source line with a `~~~` underline, the hint, and each related place (every edge of a cycle).
 */
export function formatDiagnostic(diagnostic: Diagnostic, options: FormatOptions): string {
  const chalk = new Chalk({ level: options.color ? 1 : 0 });
  const label = diagnostic.severity === 'error' ? chalk.red.bold('error') : chalk.yellow.bold('warning');
  const lines: string[] = [];
  const where = diagnostic.location ? `${chalk.bold(formatLocation(diagnostic.location, options.cwd))}: ` : '';
  // Messages quote names and values from files: printed with their control characters escaped.
  lines.push(`${where}${label}: ${terminalText(diagnostic.message)} ${chalk.dim(`[${diagnostic.code}]`)}`);
  if (diagnostic.location) lines.push(...excerpt(diagnostic.location, diagnostic.sourceLine, chalk));
  if (diagnostic.hint) lines.push(`  ${chalk.cyan('hint:')} ${terminalText(diagnostic.hint)}`);
  for (const related of diagnostic.related ?? []) {
    lines.push(`  ${chalk.dim('-')} ${formatLocation(related.location, options.cwd)}: ${terminalText(related.message)}`);
    lines.push(...excerpt(related.location, related.sourceLine, chalk).map((line) => `  ${line}`));
  }
  return `${lines.join('\n')}\n`;
}

export function formatLocation(location: SourceLocation, cwd: string): string {
  const file = terminalText(relative(cwd, location.file) || location.file, { oneLine: true });
  if (location.line === undefined) return file;
  return `${file}:${location.line}${location.column === undefined ? '' : `:${location.column}`}`;
}

const fileCache = new Map<string, string[] | undefined>();
perInvocation(() => fileCache.clear());

function readLine(file: string, line: number): string | undefined {
  if (!fileCache.has(file)) {
    try {
      fileCache.set(file, readFileSync(file, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/));
    } catch {
      fileCache.set(file, undefined);
    }
  }
  return fileCache.get(file)?.[line - 1];
}

function excerpt(location: SourceLocation, known: string | undefined, chalk: InstanceType<typeof Chalk>): string[] {
  if (location.line === undefined) return [];
  const text = known ?? readLine(location.file, location.line);
  if (text === undefined || text.trim() === '') return [];
  const gutter = String(location.line);
  // Control characters (a NUL, ESC) shown as one-column symbols, so the underline stays aligned
  // and the terminal acts on none: C0 as their control pictures, the others as U+FFFD.
  const visible = text
    .replace(/[\u0000-\u0008\u000b-\u001f]/g, (c) => String.fromCharCode(0x2400 + c.charCodeAt(0)))
    .replace(/\u007f/g, '\u2421')
    .replace(/[\u0080-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '\ufffd');
  const shown = visible.length > 160 ? `${visible.slice(0, 157)}...` : visible;
  const out = [`  ${chalk.dim(`${gutter} |`)} ${shown}`];
  if (location.column !== undefined) {
    const start = Math.min(location.column, shown.length + 1);
    const end = Math.max(start, Math.min(location.endColumn ?? location.column, shown.length));
    out.push(`  ${' '.repeat(gutter.length)} ${chalk.dim('|')} ${' '.repeat(start - 1)}${chalk.red('~'.repeat(end - start + 1))}`);
  }
  return out;
}
