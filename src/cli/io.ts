/* Where a CLI command writes: process.stdout/stderr from bin/npulens.js, string sinks in tests. */

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Io {
  stdout: Output;
  stderr: Output;
}
