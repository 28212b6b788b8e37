import { dirname, isAbsolute, relative, resolve } from 'node:path';
import type { SourceLocation } from '../diagnostics/Diagnostic.js';
import { SourceFile } from '../diagnostics/SourceFile.js';

/** A specifier in an `import … from '…'`, `import('…')`, `export … from '…'` or `require('…')`. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)(['"])([^'"\n]+)\1/g;

/**
 * Where a config file imports what Node or jiti could not find (`Cannot find module '…'` or
 * `Cannot find package '…'`), with what to do: the import's string in the file, so the error is
 * located at that line (not at the default export) with a hint to create the file or install the
 * package. Undefined when the error is not a missing module, or the import is not in this file.
 */
export function missingImport(file: string, error: unknown): { location: SourceLocation; hint: string } | undefined {
  if (!(error instanceof Error)) return undefined;
  const missing = /Cannot find (?:module|package) '([^']+)'/.exec(error.message)?.[1];
  if (missing === undefined) return undefined;
  let source: SourceFile;
  try {
    source = SourceFile.read(file);
  } catch {
    return undefined;
  }
  const folder = dirname(file);
  const withoutExtension = (path: string): string => path.replace(/\.[cm]?[jt]sx?$/, '');
  for (const match of source.text.matchAll(SPECIFIER)) {
    const specifier = match[2]!;
    const local = specifier.startsWith('.') || isAbsolute(specifier);
    const names = local ? resolve(folder, specifier) === missing || withoutExtension(resolve(folder, specifier)) === withoutExtension(missing) || specifier === missing : specifier === missing || specifier.startsWith(`${missing}/`);
    if (!names) continue;
    const { line, column } = source.position(match.index! + match[0].indexOf(match[1]!));
    const named = relative(process.cwd(), resolve(folder, specifier)) || specifier;
    const hint = local ? `create ${named}${/\.[a-z]+$/i.test(specifier) ? '' : ' (with its extension: .ts, .js, .mjs...)'}, or import a file that exists` : `install ${missing} (npm install ${missing}), or remove the import`;
    return { location: { file, line, column }, hint };
  }
  return undefined;
}
