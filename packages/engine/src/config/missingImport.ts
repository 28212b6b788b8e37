import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceLocation } from '../diagnostics/Diagnostic.js';
import { SourceFile } from '../diagnostics/SourceFile.js';

/** A specifier in an `import … from '…'`, `import('…')`, `export … from '…'` or `require('…')`. */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)(['"])([^'"\n]+)\1/g;

/**
 * Where a config file, or a file it imports, imports what Node or jiti could not find (`Cannot
 * find module '…'` or `Cannot find package '…'`), with what to do: the import's string in that
 * file, so the error is located at that line (not at the config's default export) with a hint to
 * create the file or install the package. Undefined when the error is not a missing module, or
 * the import is not found.
 */
export function missingImport(file: string, error: unknown): { location: SourceLocation; hint: string } | undefined {
  if (!(error instanceof Error)) return undefined;
  const missing = /Cannot find (?:module|package) '([^']+)'/.exec(error.message)?.[1];
  if (missing === undefined) return undefined;
  // The file whose import failed: Node names it (`imported from …`), jiti's require stack starts with it.
  const named = /imported from (\S+)/.exec(error.message)?.[1] ?? /Require stack:\n- (\S+)/.exec(error.message)?.[1];
  const importer = named === undefined ? file : named.startsWith('file:') ? fileURLToPath(named) : named;
  let source: SourceFile;
  try {
    source = SourceFile.read(importer);
  } catch {
    return undefined;
  }
  const folder = dirname(importer);
  const withoutExtension = (path: string): string => path.replace(/\.[cm]?[jt]sx?$/, '');
  for (const match of source.text.matchAll(SPECIFIER)) {
    const specifier = match[2]!;
    const local = specifier.startsWith('.') || isAbsolute(specifier);
    const names = local ? resolve(folder, specifier) === missing || withoutExtension(resolve(folder, specifier)) === withoutExtension(missing) || specifier === missing : specifier === missing || specifier.startsWith(`${missing}/`);
    if (!names) continue;
    const { line, column } = source.position(match.index! + match[0].indexOf(match[1]!));
    const packageName = specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
    const named = relative(process.cwd(), resolve(folder, specifier)) || specifier;
    const hint = local ? `create ${named}${/\.[a-z]+$/i.test(specifier) ? '' : ' (with its extension: .ts, .js, .mjs...)'}, or import a file that exists` : `install ${packageName} (npm install ${packageName}), or remove the import`;
    return { location: { file: importer, line, column }, hint };
  }
  return undefined;
}
