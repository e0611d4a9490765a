/** Human output for the server commands: aligned columns, and key/value blocks. */

/** Rows as aligned columns under a header; long cells are cut to keep one row a line. */
export function table(headers: string[], rows: (string | number | undefined)[][], maxCell = 80): string {
  const cells = rows.map((r) => r.map((c) => {
    const s = c === undefined ? '' : String(c);
    return s.length > maxCell ? `${s.slice(0, maxCell - 1)}…` : s;
  }));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

/** `key: value` lines, skipping what is absent; objects shown as JSON. */
export function keyValues(entries: [string, unknown][]): string {
  const shown = entries.filter(([, v]) => v !== undefined && v !== null);
  const w = Math.max(0, ...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${`${k}:`.padEnd(w + 1)} ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('\n');
}

/** Seconds between two ISO dates, as `1.2s`; '' when either is missing. */
export function duration(from?: string, to?: string): string {
  if (!from || !to) return '';
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)}s` : '';
}
