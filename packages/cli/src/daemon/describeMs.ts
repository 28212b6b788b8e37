/** A duration for a person: `1.5 s`, `15 min`, `2.5 h`. */
export function describeMs(ms: number): string {
  return ms < 60_000 ? `${Math.round(ms / 100) / 10} s` : ms < 3_600_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 360_000) / 10} h`;
}
