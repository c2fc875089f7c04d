/*
 * CLI error handling: a runtime failure prints exactly one line `error: <what> (<where>)` and exits 1; a usage
 * error prints the line plus a short usage and exits 2. No stack traces.
 */

import fs from 'node:fs';
import { printable } from './format';
import type { Io } from './io';

/** A runtime failure with a place (a file, a step). */
export class CliError extends Error {
  readonly what: string;
  readonly where: string;

  /** Control characters (a newline in a file name) are escaped: the error stays one line. */
  constructor(what: string, where: string) {
    super(`${printable(what)} (${printable(where)})`);
    this.what = printable(what);
    this.where = printable(where);
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
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(err);
  const step = typeof e.step === 'string' && e.step !== '' ? e.step : undefined;
  // A native message is one line by contract, unless a file name in it has a newline: keep it whole (escaped).
  let what = step !== undefined ? message : firstLine(message);
  const where: string[] = [];
  if (step !== undefined) {
    if (what.startsWith(`${step}: `)) what = what.slice(step.length + 2);
    where.push(step);
  }
  if (context !== '') where.push(context);
  return new CliError(what, where.join(', '));
}

/** The first line of a message, trimmed ('unknown error' when empty). */
export function firstLine(text: string): string {
  const [first = ''] = text.split('\n');
  const line = first.trim();
  return line === '' ? 'unknown error' : line;
}

/**
 * Writes a JSON document for `--json FILE`; a failure is a CliError naming the file. The file is opened without
 * blocking first, so a FIFO that nobody reads fails (ENXIO) instead of hanging; a FIFO or device that has a reader
 * (/dev/stdout, a process substitution) is then written with blocking writes.
 */
export function writeJsonFile(file: string, doc: unknown): void {
  const { O_WRONLY, O_CREAT, O_TRUNC, O_NONBLOCK, O_NOCTTY } = fs.constants;
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, O_WRONLY | O_CREAT | O_TRUNC | O_NONBLOCK | O_NOCTTY, 0o666);
    if (!fs.fstatSync(fd).isFile()) {
      // Blocking writes need a blocking descriptor: opened before the first one closes, so that a reader never
      // sees every writer gone (EOF) in between.
      const blocking = fs.openSync(file, O_WRONLY | O_NOCTTY);
      fs.closeSync(fd);
      fd = blocking;
    }
    fs.writeFileSync(fd, JSON.stringify(doc, null, 2) + '\n');
  } catch (err) {
    throw new CliError(`cannot write JSON: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, file);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** `--json FILE` after the human output: the document goes to FILE, and a line says so (nothing without a target). */
export function writeJsonTarget(target: string | undefined, doc: unknown, io: Io): void {
  if (target === undefined) return;
  writeJsonFile(target, doc);
  io.stdout.write(`JSON written to ${target}\n`);
}

/** A command's exit code: 0/1 from run, 2 with usage after a UsageError, 1 with one `error:` line otherwise. */
export async function exitCode(run: () => Promise<number>, usage: string, context: string, io: Io): Promise<number> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`error: ${printable(err.message)}\n${usage}`);
      return 2;
    }
    io.stderr.write(`error: ${toCliError(err, context).message}\n`);
    return 1;
  }
}
