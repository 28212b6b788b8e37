/**
 * The description Claude Code shows for a command without `description`: the first line of its
 * body that has text, heading marks (`# `) removed. Undefined for an empty body.
 */
export function bodyDescription(body: string | undefined): string | undefined {
  for (const line of (body ?? '').split('\n')) {
    const text = line.replace(/^\s*#{1,6}\s+/, '').trim();
    if (text !== '' && !/^#{1,6}$/.test(text)) return text;
  }
  return undefined;
}
