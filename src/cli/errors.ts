/*
 * CLI error handling: a runtime failure prints exactly one line `error: <what> (<where>)` and exits 1; a usage
 * error prints the line plus a short usage and exits 2. No stack traces.
 */

import fs from 'node:fs';

/** A runtime failure with a place (a file, a step). */
export class CliError extends Error {
  constructor(readonly what: string, readonly where: string) {
    super(`${what} (${where})`);
  }
}

/** Bad flags or arguments. */
export class UsageError extends Error {}

interface CodedError {
  message: string;
  code?: unknown;
  step?: unknown;
}

/**
 * Turns any thrown value into a CliError. Native errors carry `.step` and a message starting with `<step>: `;
 * the step moves into the place, next to `context` (e.g. the image or model file). A CliError passes unchanged.
 */
export function toCliError(err: unknown, context: string): CliError {
  if (err instanceof CliError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as CodedError;
  let what = firstLine(typeof e.message === 'string' && e.message !== '' ? e.message : String(err));
  const where: string[] = [];
  if (typeof e.step === 'string' && e.step !== '') {
    if (what.startsWith(`${e.step}: `)) what = what.slice(e.step.length + 2);
    where.push(e.step);
  }
  if (context !== '') where.push(context);
  return new CliError(what, where.join(', '));
}

function firstLine(text: string): string {
  const line = text.split('\n')[0].trim();
  return line === '' ? 'unknown error' : line;
}

/** Writes a JSON document for `--json FILE`; a failure is a CliError naming the file. */
export function writeJsonFile(file: string, doc: unknown): void {
  try {
    fs.writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
  } catch (err) {
    throw new CliError(`cannot write JSON: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, file);
  }
}
