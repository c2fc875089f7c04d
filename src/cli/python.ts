/*
 * The CLI commands that are Python tools (tools/models: check, the per-layer verify) run through runPythonTool: one
 * place that finds the interpreter and the repository, checks that numpy and onnx import, streams the tool's output
 * and hands back its exit code.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { CliError } from './errors';
import type { Io } from './io';

/** What every tool imports; a missing one is reported before the tool runs. */
const REQUIRED_MODULES = ['numpy', 'onnx'];

/**
 * Run by `python -c`: imports the required modules (a missing one is written to fd 3, for runPythonTool to report,
 * exit 1), then runs the tool as `python <script> <args>` would (argv, the script's folder first on sys.path).
 */
const BOOTSTRAP = `
import os, sys
try:
    import ${REQUIRED_MODULES.join(', ')}
except ImportError as e:
    with open(3, "w") as f:
        f.write(e.name or str(e))
    sys.exit(1)
import runpy
sys.argv = sys.argv[1:]
sys.path[0] = os.path.dirname(os.path.abspath(sys.argv[0]))
runpy.run_path(sys.argv[0], run_name="__main__")
`;

/** The repository root: the first folder above this file with the npulens package.json (not the cwd). */
export function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'npulens') return dir;
    } catch {
      // No (readable) package.json here: look further up.
    }
    if (path.dirname(dir) === dir) throw new CliError('cannot find the npulens repository root', __dirname);
  }
}

/**
 * The interpreters to try: $NPULENS_PYTHON alone when set; else `python3` on PATH, then /usr/bin/python3 (the system
 * Python the setup installs numpy and onnx into, when PATH's python3 is another one without them).
 */
function interpreters(): string[] {
  const chosen = process.env.NPULENS_PYTHON;
  if (chosen !== undefined && chosen !== '') return [chosen];
  return ['python3', '/usr/bin/python3'];
}

interface Attempt {
  /** The process exit code; undefined when the tool did not run (interpreter missing or a module missing). */
  code?: number;
  /** Why the tool did not run with this interpreter. */
  problem?: string;
}

function runOnce(python: string, script: string, args: string[], io: Io): Promise<Attempt> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, ['-c', BOOTSTRAP, script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    });
    const stdout = new StringDecoder('utf8');
    const stderr = new StringDecoder('utf8');
    let missing = '';
    child.stdout?.on('data', (chunk: Buffer) => io.stdout.write(stdout.write(chunk)));
    child.stderr?.on('data', (chunk: Buffer) => io.stderr.write(stderr.write(chunk)));
    (child.stdio[3] as NodeJS.ReadableStream | null)?.on('data', (chunk: Buffer) => { missing += chunk.toString(); });
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'EACCES') resolve({ problem: `${python}: not found` });
      else reject(new CliError(`cannot start ${python}: ${err.code ?? err.message}`, script));
    });
    child.on('close', (code, signal) => {
      const tail = stdout.end();
      if (tail !== '') io.stdout.write(tail);
      const errTail = stderr.end();
      if (errTail !== '') io.stderr.write(errTail);
      if (missing !== '') resolve({ problem: `${python}: no module '${missing}'` });
      else if (signal !== null) reject(new CliError(`${script} was killed by ${signal}`, python));
      else resolve({ code: code ?? 1 });
    });
  });
}

/**
 * Runs `python tools/models/<script> ...args` of this repository, its stdout/stderr streamed to io, and returns its
 * exit code. No usable interpreter (none found, or numpy/onnx missing in each) is a one-line CliError (exit 1).
 */
export async function runPythonTool(script: string, args: string[], io: Io): Promise<number> {
  const file = path.join(repoRoot(), 'tools', 'models', script);
  if (!fs.existsSync(file)) throw new CliError('the Python tool is missing', file);
  const problems: string[] = [];
  for (const python of interpreters()) {
    const attempt = await runOnce(python, file, args, io);
    if (attempt.code !== undefined) return attempt.code;
    problems.push(attempt.problem ?? python);
  }
  throw new CliError(
    `no Python with ${REQUIRED_MODULES.join(' and ')} to run ${script}: ${problems.join('; ')}` +
      ' (install them, or set NPULENS_PYTHON to an interpreter that has them)',
    'python');
}
