/** A duration for a person: `1.5 s`, `15 min`, `1 min 30 s`, `2.5 h`, `1 h 29 min`: whole minutes and seconds as they are, never rounded to another (90 s is not `2 min`). */
export function describeMs(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 100) / 10} s`;
  const seconds = Math.round(ms / 1000);
  if (ms < 3_600_000) return seconds % 60 === 0 ? `${seconds / 60} min` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  const minutes = Math.round(ms / 60_000);
  if (minutes % 6 === 0) return `${minutes / 60} h`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
