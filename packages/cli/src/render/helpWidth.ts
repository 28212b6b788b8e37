/**
 * The width help pages are laid out for: `COLUMNS` when set (as `ls` and `man` read it), else the
 * terminal's width, else 80 (piped). Commander alone reads only the terminal's, so a piped
 * `COLUMNS=120 orch run --help` was still cut at 80 (issue 15, finding 10).
 */
export function helpWidth(): number {
  const columns = Number(process.env.COLUMNS);
  if (Number.isInteger(columns) && columns > 0) return columns;
  return (process.stdout.isTTY && process.stdout.columns) || 80;
}
