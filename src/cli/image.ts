/* Image decoding for the CLI: PNG and JPEG through sharp, EXIF orientation applied, raw RGBA out. */
import sharp from 'sharp';
import { DECODED_IMAGE_PIXELS_MAX } from '../api/limits.generated';
import { CliError } from './errors';
import { IMAGE_FILE, readRegularFile } from './files';

export interface DecodedImage {
  /** RGBA, 4 bytes per pixel, rows packed (stride = width * 4). */
  pixels: ArrayBuffer;
  width: number;
  height: number;
  decodeMs: number;
}

/**
 * Decodes `file`; every failure is a CliError naming the file (missing, not a regular file, over the size limit,
 * empty, not PNG/JPEG, corrupt, too many pixels).
 */
export async function decodeImage(file: string): Promise<DecodedImage> {
  const start = performance.now();
  // Read here, from the descriptor we checked: sharp must never be handed /dev/zero, a FIFO or a directory.
  const bytes = readRegularFile(file, IMAGE_FILE);
  if (bytes.length === 0) throw new CliError('image file is empty', file);
  try {
    const input = sharp(bytes, { failOn: 'warning', limitInputPixels: DECODED_IMAGE_PIXELS_MAX, sequentialRead: true });
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
  const [first = ''] = (err instanceof Error ? err.message : String(err)).split('\n');
  const msg = first.trim();
  return msg.replace(/\s+/g, ' ') || 'unknown decoder error';
}
