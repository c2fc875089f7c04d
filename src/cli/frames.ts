/*
 * Raw frame files for `classify --frame` and `verify --aipp --frame`: a file of N back-to-back frames of one format
 * and size (e.g. a camera clip dumped as NV21, `ffmpeg -i clip.mp4 -pix_fmt nv21 -f rawvideo clip.yuv`), rows
 * packed (stride = the row's bytes). Frames are read one at a time (a clip of 1080p frames is 3 MB each and may be
 * far larger than an image file may be), from a descriptor judged by fstat as a regular file.
 */
import fs from 'node:fs';
import type { PixelFormat } from '../api';
import { IMAGE_SIDE_MAX } from '../api/limits.generated';
import { CliError, UsageError } from './errors';
import { formatByteSize } from './files';

export interface FrameSpec {
  format: PixelFormat;
  width: number;
  height: number;
  /** Bytes of one frame: width × height × 3 / 2 (NV21, NV12), × 4 (RGBA, BGRA), × 3 (RGB). */
  bytes: number;
}

const FORMATS: Record<string, PixelFormat> = { nv21: 'NV21', nv12: 'NV12', rgba: 'RGBA', bgra: 'BGRA', rgb: 'RGB' };

const isYuv = (f: PixelFormat): boolean => f === 'NV21' || f === 'NV12';

/** `nv21:1920x1080` → the frame format and size; a UsageError naming the flag otherwise. */
export function parseFrameSpec(flag: string, value: string): FrameSpec {
  const m = /^([a-z0-9]+):(\d{1,6})x(\d{1,6})$/i.exec(value.trim());
  const format = m ? FORMATS[m[1]!.toLowerCase()] : undefined;
  const width = m ? Number(m[2]) : 0;
  const height = m ? Number(m[3]) : 0;
  if (!m || format === undefined) {
    throw new UsageError(`--${flag} must be <format>:<W>x<H> with format ${Object.keys(FORMATS).join('|')}, ` +
      `e.g. nv21:1920x1080, got '${value}'`);
  }
  if (width < 1 || height < 1 || width > IMAGE_SIDE_MAX || height > IMAGE_SIDE_MAX) {
    throw new UsageError(`--${flag}: sides must be in [1, ${IMAGE_SIDE_MAX}], got ${width}x${height}`);
  }
  if (isYuv(format) && (width % 2 !== 0 || height % 2 !== 0)) {
    throw new UsageError(`--${flag}: ${format} frames have even sides (one chroma sample per 2x2 block), ` +
      `got ${width}x${height}`);
  }
  const bytes = isYuv(format) ? width * height * 3 / 2 : width * height * (format === 'RGB' ? 3 : 4);
  return { format, width, height, bytes };
}

/** One frame of a file: its bytes (a view of a buffer the next frame reuses) and where it came from. */
export interface Frame {
  file: string;
  /** 0-based index in its file. */
  index: number;
  /** The whole ArrayBuffer holds exactly this frame (the API copies it during the call, so it may be reused). */
  pixels: ArrayBuffer;
  readMs: number;
}

/**
 * The frames of `files` in order. Each file must be a regular file holding a whole, non-zero number of frames; every
 * failure is a CliError naming the file (missing, not a regular file, empty, a size that is not a multiple of the
 * frame size, a read error, or a file that shrinks while it is read).
 */
export function* readFrames(files: readonly string[], spec: FrameSpec): Generator<Frame> {
  const buffer = new ArrayBuffer(spec.bytes);
  const view = new Uint8Array(buffer);
  for (const file of files) {
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOCTTY);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new CliError(code === 'ENOENT' ? 'frame file not found' : `cannot read frame file: ${code ?? String(err)}`,
        file);
    }
    try {
      const stat = fs.fstatSync(fd);
      if (!stat.isFile()) throw new CliError('frame file is not a regular file', file);
      const what = `${spec.width}x${spec.height} ${spec.format} frames (${spec.bytes} bytes each)`;
      if (stat.size === 0) throw new CliError(`frame file is empty; expected ${what}`, file);
      if (stat.size % spec.bytes !== 0) {
        throw new CliError(`frame file holds ${formatByteSize(stat.size)} (${stat.size} bytes), not a whole number ` +
          `of ${what}: ${Math.floor(stat.size / spec.bytes)} frames and ${stat.size % spec.bytes} bytes over`, file);
      }
      const count = stat.size / spec.bytes;
      for (let index = 0; index < count; index++) {
        const start = performance.now();
        let done = 0;
        while (done < spec.bytes) {
          const n = fs.readSync(fd, view, done, spec.bytes - done, index * spec.bytes + done);
          if (n === 0) throw new CliError(`frame file ended inside frame ${index} (it got shorter)`, file);
          done += n;
        }
        yield { file, index, pixels: buffer, readMs: performance.now() - start };
      }
    } catch (err) {
      if (err instanceof CliError) throw err;
      throw new CliError(`cannot read frame file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, file);
    } finally {
      fs.closeSync(fd);
    }
  }
}
