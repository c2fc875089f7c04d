/* Plain-text tables and number formatting for the CLI's human output. */

/**
 * `text` with control characters escaped (\n, \r, \t, \xNN, \uNNNN for C1): a file name or label from a
 * hostile file must neither split a line nor send the terminal an escape sequence.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this escapes
  return text.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    const code = c.charCodeAt(0);
    const hex = code.toString(16);
    return named[c] ?? (code < 0x80 ? `\\x${hex.padStart(2, '0')}` : `\\u${hex.padStart(4, '0')}`);
  });
}

/** Columns are right-aligned when `right[i]` is true; cells are printable() (labels and file names come from files). */
export function table(header: string[], cells: string[][], right: boolean[], indent = '  '): string {
  const rows = cells.map((r) => r.map(printable));
  // A row shorter than the header has empty cells at the end.
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (c: string, i: number): string => (right[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0));
  const line = (cells: string[]): string => indent + cells.map(pad).join('  ').trimEnd();
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
