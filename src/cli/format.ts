/* Plain-text tables and number formatting for the CLI's human output. */

/** Columns are right-aligned when `right[i]` is true. */
export function table(header: string[], rows: string[][], right: boolean[], indent = '  '): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    indent + cells.map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export function ms(value: number): string {
  return value >= 100 ? value.toFixed(1) : value >= 10 ? value.toFixed(2) : value.toFixed(3);
}

export function percent(score: number): string {
  return `${(score * 100).toFixed(2)}%`;
}

/** A one-line progress bar: `[#####.....] 50/100  3.21 ms`. */
export function progressBar(done: number, total: number, lastMs: number, width = 30): string {
  const frac = total > 0 ? Math.min(1, done / total) : 0;
  const filled = Math.round(frac * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}  ${ms(lastMs)} ms`;
}
