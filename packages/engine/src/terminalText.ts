/**
 * Control characters a terminal acts on: C0 (ESC starts colour, cursor and title sequences; CR
 * and backspace overwrite), DEL, C1 (0x9b is a one-byte CSI), and the Unicode bidirectional
 * overrides and isolates that reorder what is shown.
 */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const CONTROL_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from files or arguments (a description, a command id from a file name, a message that
 * quotes either) made safe to print on a terminal: every control character is shown as an escape
 * (`\x1b`, `\x00`, `\u202e`), so a file can never move the cursor, recolour or clear the screen,
 * or set the window title (issue 12 findings, #14). Line feeds and tabs are kept when the text is
 * printed as lines (a prompt, a message); `oneLine` escapes them too (a list row, an id).
 * orch's own colours are added after this, never passed through it.
 */
export function terminalText(text: string, options: { oneLine?: boolean } = {}): string {
  return text.replace(options.oneLine ? CONTROL_IN_LINE : CONTROL, escape);
}

/**
 * `JSON.stringify(value, null, 2)` with the characters JSON leaves raw but a terminal acts on
 * (DEL, C1, bidirectional controls) written as `\u` escapes: still the same JSON.
 */
export function terminalJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function escape(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
