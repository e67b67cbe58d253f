/** Durations read best in the two largest units: "3d 4h", "5h 12m", "42m", "30s". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const neg = seconds < 0;
  let s = Math.round(Math.abs(seconds));
  const units: [string, number][] = [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ];
  const parts: string[] = [];
  for (const [name, size] of units) {
    if (s >= size || (name === 's' && parts.length === 0)) {
      const n = Math.floor(s / size);
      s -= n * size;
      parts.push(`${n}${name}`);
    }
    if (parts.length === 2) break;
  }
  // "2d 0h" says less than "2d"
  const text = parts.filter((p, i) => i === 0 || !/^0/.test(p)).join(' ');
  return neg ? `−${text}` : text;
}

export function formatInstant(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-GB');
}
