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
import { UsageError, exitCode } from './errors';
import { SHORT_USAGE, help } from './help';
import type { Io } from './io';
import type { Backend } from './model';
import { models } from './models';
import { runVerify } from './verify';

export type { Io, Output } from './io';

/** Runs one CLI invocation and returns the exit code; never throws. */
export async function runCli(argv: string[], io: Io = process, backend: Backend = api): Promise<number> {
  const [command, ...rest] = argv;
  // A runtime error without a place of its own is placed in the command (verify places its own; an unknown
  // command is a usage error, which names no place).
  return exitCode(async () => {
    switch (command) {
      case 'classify': return classify(rest, io, backend);
      case 'bench': return bench(rest, io, backend);
      case 'verify': return runVerify(rest, io);
      case 'check': return check(rest, io, backend);
      case 'devices': return devices(rest, io, backend);
      case 'models': return models(rest, io, backend);
      case 'help': case '--help': case '-h': return help(io);
      case undefined: throw new UsageError('missing command');
      default: throw new UsageError(`unknown command '${command}'`);
    }
  }, SHORT_USAGE, command ?? '', io);
}
