/*
 * The images `npulens verify` compares on: folders (their PNG/JPEG files by extension, sorted, not recursive),
 * image files named directly (decoded whatever their name; decodeImage rejects what is not PNG/JPEG), and list
 * files (--list: one image path per line, relative to the list's folder; blank lines and # comments ignored).
 */
import fs from 'node:fs';
import path from 'node:path';
import { CliError } from '../errors';
import { LIST_FILE, readRegularFile } from '../files';

const IMAGE_EXTENSION = /\.(png|jpe?g)$/i;

export interface ImageSet {
  files: string[];
  /** Files inside the folders that were left out for not being PNG/JPEG by name. */
  skipped: string[];
}

export function collectImages(sources: string[], lists: string[]): ImageSet {
  const files: string[] = [];
  const skipped: string[] = [];
  for (const source of sources) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(source);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new CliError(code === 'ENOENT' ? 'no such image or folder' : `cannot read: ${code ?? String(err)}`, source);
    }
    if (!stat.isDirectory()) {
      files.push(source);
      continue;
    }
    let names: string[];
    try {
      names = fs.readdirSync(source).sort();
    } catch (err) {
      throw new CliError(`cannot list folder: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, source);
    }
    const before = files.length;
    for (const name of names) {
      const file = path.join(source, name);
      if (IMAGE_EXTENSION.test(name) && isFile(file)) files.push(file);
      else skipped.push(file);
    }
    if (files.length === before) {
      throw new CliError(`no PNG/JPEG images in folder${names.length > 0 ? ` (${names.length} other entries)` : ' (empty)'}`,
        source);
    }
  }
  for (const list of lists) {
    const text = readRegularFile(list, LIST_FILE).toString('utf8');
    const entries = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    if (entries.length === 0) throw new CliError('image list names no image', list);
    for (const entry of entries) files.push(path.isAbsolute(entry) ? entry : path.join(path.dirname(list), entry));
  }
  return { files, skipped };
}

function isFile(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
