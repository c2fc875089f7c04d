/*
 * Image decoding for the CLI: PNG and JPEG through sharp, EXIF orientation applied, raw RGBA out.
 *
 * Decoding at the size the model needs: the native pre-processing keeps a centred crop and resizes it to the model
 * input, so pixels beyond what that crop samples at 1:1 are decoded only to be averaged away. The classifier says
 * which size is enough (Classifier.decodeSize, the native DecodeSizeFor in cpp/core preprocess.h: the one definition,
 * the app's ImageKit desiredSize asks the same); a JPEG is decoded through libjpeg's DCT scaling (1/2, 1/4, 1/8:
 * sharp's shrink-on-load) and reduced to that size, never smaller, so the native resize still does the final step.
 * PNG has no shrink-on-load: it is decoded whole and the native pre-processing reduces it (a reduce in sharp after
 * the full decode measured no faster: README, End to end).
 */
import sharp from 'sharp';
import { DECODED_IMAGE_PIXELS_MAX } from '../api/limits.generated';
import { CliError, toCliError } from './errors';
import { IMAGE_FILE, readRegularFile } from './files';
import { ms } from './format';

export interface DecodedImage {
  /** RGBA, 4 bytes per pixel, rows packed (stride = width * 4). */
  pixels: ArrayBuffer;
  width: number;
  height: number;
  /** The picture's own size, EXIF orientation applied (width x height above when it was decoded whole). */
  sourceWidth: number;
  sourceHeight: number;
  decodeMs: number;
}

export interface Size {
  width: number;
  height: number;
}

/** What says the size to decode a picture at: a loaded Classifier (Classifier.decodeSize). */
export interface DecodeSizer {
  decodeSize(width: number, height: number): Size;
}

/**
 * Decodes `file` at the size every classifier in `sizers` needs, the larger on each axis (see the top of this file;
 * verify feeds one decoded image to two models), or whole when `sizers` is empty; every failure is a CliError naming
 * the file (missing, not a regular file, over the size limit, empty, not PNG/JPEG, corrupt, too many pixels).
 */
export async function decodeImage(file: string, sizers: readonly DecodeSizer[] = []): Promise<DecodedImage> {
  const start = performance.now();
  // Read here, from the descriptor we checked: sharp must never be handed /dev/zero, a FIFO or a directory.
  const bytes = readRegularFile(file, IMAGE_FILE);
  if (bytes.length === 0) throw new CliError('image file is empty', file);
  try {
    let pipeline = sharp(bytes, { failOn: 'warning', limitInputPixels: DECODED_IMAGE_PIXELS_MAX, sequentialRead: true });
    const meta = await pipeline.metadata();
    if (meta.format !== 'png' && meta.format !== 'jpeg') {
      throw new CliError(`unsupported image format '${meta.format ?? 'unknown'}' (PNG and JPEG only)`, file);
    }
    const { width: sourceWidth, height: sourceHeight } = meta.autoOrient;
    pipeline = pipeline.rotate();
    if (sizers.length > 0 && meta.format === 'jpeg') {
      const sizes = decodeSizes(sizers, sourceWidth, sourceHeight, file);
      const size = { width: Math.max(...sizes.map((z) => z.width)), height: Math.max(...sizes.map((z) => z.height)) };
      // Only a shrink of 2x or more lets libjpeg skip work; below that a reduce in sharp would only add one.
      if (size.width * 2 <= sourceWidth && size.height * 2 <= sourceHeight) {
        pipeline = pipeline.resize({ ...size, fit: 'fill', fastShrinkOnLoad: true });
      }
    }
    const { data, info } = await pipeline.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 4 || data.byteLength !== info.width * info.height * 4) {
      throw new CliError(`decoder returned ${info.channels} channels for ${info.width}x${info.height}`, file);
    }
    // Pass the decoder's own memory when it is a whole ArrayBuffer (the usual case); copy only a pooled slice.
    const pixels = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength
      ? data.buffer as ArrayBuffer
      : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
    return {
      pixels, width: info.width, height: info.height, sourceWidth, sourceHeight, decodeMs: performance.now() - start,
    };
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot decode image: ${decoderMessage(err)}`, file);
  }
}

/** Decodes in flight beyond the image being classified: enough to keep the classifier busy while libvips decodes
 *  (sharp runs each decode on a libuv worker), few enough that full-size decodes do not pile up in memory. */
export const DECODE_AHEAD = 3;

/**
 * Decodes `files` in input order, up to `ahead` of them in flight while the caller works on the one yielded. A file
 * that fails throws its CliError when its turn comes, after every earlier file was yielded; decodes still in flight
 * then finish unobserved (each has a handler, so none is an unhandled rejection).
 */
export async function* decodeInOrder(files: readonly string[], sizers: readonly DecodeSizer[],
  ahead = DECODE_AHEAD): AsyncGenerator<{ file: string; image: DecodedImage }> {
  const pending: Promise<DecodedImage>[] = [];
  let started = 0;
  const fill = (): void => {
    for (; started < files.length && pending.length < ahead; started++) {
      const decoding = decodeImage(files[started]!, sizers);
      decoding.catch(() => undefined);
      pending.push(decoding);
    }
  };
  for (const file of files) {
    fill();
    const image = await pending.shift()!;
    fill();
    yield { file, image };
  }
}

/** The throughput of a loop over images (classify, verify): wall time from the first decode to the last result. */
export interface Throughput {
  images: number;
  wallMs: number;
  imagesPerSec: number;
}

export function imagesPerSecond(images: number, wallMs: number): Throughput {
  return { images, wallMs, imagesPerSec: wallMs > 0 ? images / (wallMs / 1000) : 0 };
}

/** `3 images in 12.3 ms: 243.9 images/s` */
export function throughputLine(t: Throughput): string {
  return `${t.images} ${t.images === 1 ? 'image' : 'images'} in ${ms(t.wallMs)} ms: ${t.imagesPerSec.toFixed(1)} images/s`;
}

/** Each classifier's decode size; its error (not a decoder's) as the CliError of `file`. */
function decodeSizes(sizers: readonly DecodeSizer[], width: number, height: number, file: string): Size[] {
  try {
    return sizers.map((sizer) => sizer.decodeSize(width, height));
  } catch (err) {
    throw toCliError(err, file);
  }
}

function decoderMessage(err: unknown): string {
  const [first = ''] = (err instanceof Error ? err.message : String(err)).split('\n');
  const msg = first.trim();
  return msg.replace(/\s+/g, ' ') || 'unknown decoder error';
}
