/*
 * Whole-file reads for the CLI and verify, of regular files only and capped by what the file is for (the twin of
 * cpp/core's ReadFileBytes). The file is opened without blocking (a FIFO with no writer must not hang) and judged
 * by fstat on the opened descriptor, so a symlink to /dev/zero, or a path swapped after a check, is judged by what
 * was opened; reading stops after the limit + 1 bytes even if the file grows meanwhile.
 */
import fs from 'node:fs';
import {
  IMAGE_FILE_MAX_BYTES, IMAGE_LIST_FILE_MAX_BYTES, LABELS_FILE_MAX_BYTES, MANIFEST_FILE_MAX_BYTES, MODEL_FILE_MAX_BYTES,
} from '../api/limits.generated';
import { CliError } from './errors';

/** What a file is for: named in errors ("labels file") and the most bytes we read of it. */
export interface FileKind {
  name: string;
  maxBytes: number;
}

/** The caps, the same as cpp/core's (file_io.h); why each is what it is: tools/contract/limits.json. */
export const MODEL_FILE: FileKind = { name: 'model file', maxBytes: MODEL_FILE_MAX_BYTES };
export const LABELS_FILE: FileKind = { name: 'labels file', maxBytes: LABELS_FILE_MAX_BYTES };
export const MANIFEST_FILE: FileKind = { name: 'manifest', maxBytes: MANIFEST_FILE_MAX_BYTES };
export const LIST_FILE: FileKind = { name: 'image list', maxBytes: IMAGE_LIST_FILE_MAX_BYTES };
export const IMAGE_FILE: FileKind = { name: 'image', maxBytes: IMAGE_FILE_MAX_BYTES };

/** Reads all of `file`; every failure is a CliError naming the file: missing, not a regular file, over the limit. */
export function readRegularFile(file: string, kind: FileKind): Buffer {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
  } catch (err) {
    throw ioError(err, kind, file);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) {
      throw new CliError(stat.isDirectory() ? `${kind.name} is a directory`
        : `${kind.name} is ${notRegular(stat)}, not a regular file`, file);
    }
    if (stat.size > kind.maxBytes) {
      throw new CliError(`${kind.name} is ${formatByteSize(stat.size)} (${stat.size} bytes); ` +
        `the limit for ${article(kind.name)} ${kind.name} is ${formatByteSize(kind.maxBytes)}`, file);
    }
    // The size is a hint only (the file may grow or shrink, /proc files say 0): read to EOF, at most maxBytes + 1.
    // Once the buffer is full, reads go to a small probe first, so a file of exactly its fstat size (the usual case)
    // is read into one buffer of its size, never copied into a bigger one just to see EOF.
    let data = Buffer.allocUnsafe(stat.size);
    const probe = Buffer.allocUnsafe(65536);
    let total = 0;
    for (;;) {
      const full = total === data.length;
      const n = full ? fs.readSync(fd, probe, 0, Math.min(probe.length, kind.maxBytes + 1 - total), null)
        : fs.readSync(fd, data, total, data.length - total, null);
      if (n === 0) break;
      if (full) {
        if (total + n > kind.maxBytes) {
          throw new CliError(`${kind.name} passed ${formatByteSize(kind.maxBytes)} while being read; ` +
            `the limit for ${article(kind.name)} ${kind.name} is ${formatByteSize(kind.maxBytes)}`, file);
        }
        const grown = Buffer.allocUnsafe(Math.min(Math.max(total * 2, total + n), kind.maxBytes));
        data.copy(grown, 0, 0, total);
        probe.copy(grown, total, 0, n);
        data = grown;
      }
      total += n;
    }
    return data.subarray(0, total);
  } catch (err) {
    throw err instanceof CliError ? err : ioError(err, kind, file);
  } finally {
    fs.closeSync(fd);
  }
}

/** "512 bytes", "4 MiB", "3.1 GiB" (cpp/core's FormatByteSize). */
export function formatByteSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit + 1 < units.length) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

function ioError(err: unknown, kind: FileKind, file: string): CliError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new CliError(`${kind.name} not found`, file);
  return new CliError(`cannot read ${kind.name}: ${code ?? String(err)}`, file);
}

function notRegular(stat: fs.Stats): string {
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isSocket()) return 'a socket';
  return 'of an unknown kind';
}

function article(name: string): string {
  return /^[aeiou]/i.test(name) ? 'an' : 'a';
}
