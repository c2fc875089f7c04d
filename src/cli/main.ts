/*
 * The `npulens` host CLI: one file per command beside this dispatcher (classify, bench, verify, check, devices,
 * models, help), the helpers they share in args, errors, files, format, image, io and model.
 * Exit codes: 0 success; 1 runtime error (one line `error: <what> (<where>)` on stderr); 2 usage error.
 */
import * as api from '../api';
import { bench } from './bench';
import { check } from './check';
import { classify } from './classify';
import { devices } from './devices';
import { UsageError, toCliError } from './errors';
import { printable } from './format';
import { SHORT_USAGE, help } from './help';
import type { Io } from './io';
import type { Backend } from './model';
import { models } from './models';
import { runVerify } from './verify';

export type { Io, Output } from './io';

/** Runs one CLI invocation and returns the exit code; never throws. */
export async function runCli(argv: string[], io: Io = process, backend: Backend = api): Promise<number> {
  let context = '';
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case 'classify': context = 'classify'; return await classify(rest, io, backend);
      case 'bench': context = 'bench'; return await bench(rest, io, backend);
      case 'verify': return await runVerify(rest, io);
      case 'check': context = 'check'; return await check(rest, io, backend);
      case 'devices': context = 'devices'; return devices(rest, io, backend);
      case 'models': context = 'models'; return models(rest, io, backend);
      case 'help': case '--help': case '-h': return help(io);
      case undefined: throw new UsageError('missing command');
      default: throw new UsageError(`unknown command '${command}'`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`error: ${printable(err.message)}\n${SHORT_USAGE}`);
      return 2;
    }
    io.stderr.write(`error: ${toCliError(err, context).message}\n`);
    return 1;
  }
}
