/* Image decoding for the CLI: PNG and JPEG through sharp, EXIF orientation applied, raw RGBA out. */
import fs from 'node:fs';
import sharp from 'sharp';
import { CliError } from './errors';

/** Largest image we decode (pixels): 8192 x 8192 RGBA = 256 MiB of pixels. */
export const MAX_IMAGE_PIXELS = 8192 * 8192;

export interface DecodedImage {
  /** RGBA, 4 bytes per pixel, rows packed (stride = width * 4). */
  pixels: ArrayBuffer;
  width: number;
  height: number;
  decodeMs: number;
}

/** Decodes `file`; every failure is a CliError naming the file (missing, directory, not PNG/JPEG, corrupt, huge). */
export async function decodeImage(file: string): Promise<DecodedImage> {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(code === 'ENOENT' ? 'image not found' : `cannot read image: ${code ?? String(err)}`, file);
  }
  if (stat.isDirectory()) throw new CliError('image is a directory', file);
  if (!stat.isFile()) throw new CliError('image is not a regular file', file);
  if (stat.size === 0) throw new CliError('image file is empty', file);

  const start = performance.now();
  try {
    const input = sharp(file, { failOn: 'warning', limitInputPixels: MAX_IMAGE_PIXELS, sequentialRead: true });
    const meta = await input.metadata();
    if (meta.format !== 'png' && meta.format !== 'jpeg') {
      throw new CliError(`unsupported image format '${meta.format ?? 'unknown'}' (PNG and JPEG only)`, file);
    }
    const { data, info } = await input.rotate().ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 4 || data.byteLength !== info.width * info.height * 4) {
      throw new CliError(`decoder returned ${info.channels} channels for ${info.width}x${info.height}`, file);
    }
    // Pass the decoder's own memory when it is a whole ArrayBuffer (the usual case); copy only a pooled slice.
    const pixels = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength
      ? data.buffer as ArrayBuffer
      : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
    return { pixels, width: info.width, height: info.height, decodeMs: performance.now() - start };
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot decode image: ${decoderMessage(err)}`, file);
  }
}

function decoderMessage(err: unknown): string {
  const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0].trim();
  return msg.replace(/\s+/g, ' ') || 'unknown decoder error';
}
