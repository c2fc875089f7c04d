#!/usr/bin/env node
/*
 * Mutation fuzzer for the CLI's image decoding (decodeImage in src/cli/image.ts, run from dist/): PNG/JPEG bytes →
 * sharp/libvips → RGBA. That path is TypeScript + a prebuilt libvips, which a libFuzzer target cannot reach, so this
 * harness mutates seed images itself (deterministic PRNG, fixed seed) and checks every result:
 *   resolves → width, height > 0, width × height ≤ DECODED_IMAGE_PIXELS_MAX, pixels.byteLength = width × height × 4;
 *   rejects  → a CliError whose place is the file (the CLI's one-line error), nothing else;
 *   neither within 10 s → a hang. A crash of the process (native fault in libvips) ends the run non-zero and leaves
 *   the input in <out>/current-input.
 * Usage: node decode_image_mutate.js <out dir> <seconds> [seed]   (findings are written to <out dir>/findings/)
 * Coverage: sharp's PNG (libspng) and JPEG (mozjpeg) decoders, metadata, EXIF rotation, alpha, the pixel limit and
 * our error mapping. Not coverage-guided (no instrumentation of libvips): it finds what random mutation of valid
 * files finds, not deep decoder states.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const repo = path.resolve(__dirname, '../..');
const { decodeImage } = require(path.join(repo, 'dist/cli/image.js'));
const { DECODED_IMAGE_PIXELS_MAX } = require(path.join(repo, 'dist/api/limits.generated.js'));
// A renamed limit must stop the harness, not turn every decode into a finding (or none).
if (!Number.isSafeInteger(DECODED_IMAGE_PIXELS_MAX)) {
  throw new Error('DECODED_IMAGE_PIXELS_MAX is missing from dist/api/limits.generated.js');
}
const { CliError } = require(path.join(repo, 'dist/cli/errors.js'));
const sharp = require('sharp');

const [outDir, secondsArg, seedArg] = process.argv.slice(2);
if (!outDir || !secondsArg) {
  console.error('usage: node decode_image_mutate.js <out dir> <seconds> [seed]');
  process.exit(2);
}
const seconds = Number(secondsArg);
let state = (Number(seedArg ?? 20261130) >>> 0) || 1;
function rand() {  // xorshift32: the same mutations for the same seed
  state ^= state << 13; state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5; state >>>= 0;
  return state;
}
const below = (n) => rand() % n;

const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0xfe, 0x10, 0x40];
function mutate(seeds) {
  let b = Buffer.from(seeds[below(seeds.length)]);
  const steps = 1 + below(6);
  for (let s = 0; s < steps && b.length > 0; ++s) {
    const at = below(b.length);
    switch (below(8)) {
      case 0: b[at] ^= 1 << below(8); break;
      case 1: b[at] = INTERESTING[below(INTERESTING.length)]; break;
      case 2: b[at] = below(256); break;
      case 3: {  // a 16/32-bit big-endian field (PNG IHDR, JPEG SOF sizes are big-endian)
        if (at + 4 <= b.length) b.writeUInt32BE([0, 1, 0xffff, 0x7fffffff, 0xffffffff, 65500, 1 << 24][below(7)] >>> 0, at);
        break;
      }
      case 4: b = b.subarray(0, at); break;  // truncate
      case 5: {  // delete a chunk
        const len = 1 + below(Math.min(64, b.length - at));
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
        break;
      }
      case 6: {  // duplicate a chunk
        const len = 1 + below(Math.min(64, b.length - at));
        b = Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]);
        break;
      }
      default: {  // splice the tail of another seed
        const other = seeds[below(seeds.length)];
        b = Buffer.concat([b.subarray(0, at), other.subarray(below(other.length))]);
      }
    }
  }
  return b;
}

function withTimeout(promise, ms) {
  let timer;
  return Promise.race([promise, new Promise((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer in ${ms} ms`), { hang: true })), ms);
  })]).finally(() => clearTimeout(timer));
}

async function makeSeeds() {
  const samples = path.join(repo, 'entry/src/main/resources/rawfile/samples');
  const seeds = [];
  // Small sample files as they are; large ones re-encoded small (same format, EXIF orientation kept).
  for (const name of fs.readdirSync(samples).sort()) {
    if (!/\.(png|jpg)$/.test(name)) continue;
    const bytes = fs.readFileSync(path.join(samples, name));
    if (bytes.length <= 8 * 1024) { seeds.push(bytes); continue; }
    const img = sharp(bytes).resize(48, 48, { fit: 'inside' }).withMetadata();
    seeds.push(await (name.endsWith('.png') ? img.png() : img.jpeg({ quality: 80 })).toBuffer());
  }
  // Formats the samples lack: progressive JPEG, 16-bit / palette / grey PNG, interlaced PNG.
  const base = sharp(seeds[0]).resize(24, 16);
  seeds.push(await base.clone().jpeg({ progressive: true }).toBuffer());
  seeds.push(await base.clone().png({ palette: true }).toBuffer());
  seeds.push(await base.clone().greyscale().png({ progressive: true }).toBuffer());
  seeds.push(await base.clone().toColourspace('rgb16').png().toBuffer());
  return seeds;
}

async function main() {
  fs.mkdirSync(path.join(outDir, 'findings'), { recursive: true });
  const seeds = await makeSeeds();
  const file = path.join(outDir, 'current-input');
  const end = Date.now() + seconds * 1000;
  let runs = 0, decoded = 0, rejected = 0, findings = 0;
  sharp.cache(false);
  while (Date.now() < end) {
    const bytes = mutate(seeds);
    fs.writeFileSync(file, bytes);
    ++runs;
    let problem = null;
    try {
      // Every other run decodes at a model's size (JPEG shrink-on-load, a reduce in sharp), the path classify takes.
      const img = await withTimeout(decodeImage(file, runs % 2 === 0 ? [] : [{ width: 224, height: 224, centerCrop: 0.875 }]), 10000);
      ++decoded;
      if (!(img.width > 0 && img.height > 0 && img.width * img.height <= DECODED_IMAGE_PIXELS_MAX &&
            img.pixels.byteLength === img.width * img.height * 4)) {
        problem = `bad result ${img.width}x${img.height}, ${img.pixels.byteLength} bytes`;
      }
    } catch (err) {
      ++rejected;
      if (err && err.hang) problem = err.message;
      else if (!(err instanceof CliError) || err.where !== file || !err.what) problem = `not a CliError for the file: ${err && err.stack}`;
    }
    if (process.memoryUsage().rss > 2048 * 1024 * 1024) problem = `RSS ${process.memoryUsage().rss >> 20} MiB`;
    if (problem) {
      ++findings;
      const keep = path.join(outDir, 'findings', `finding-${runs}`);
      fs.copyFileSync(file, keep);
      console.error(`decode_image: finding at run ${runs}: ${problem} (input: ${keep})`);
    }
  }
  console.log(`decode_image: ${runs} runs (${decoded} decoded, ${rejected} rejected), ${findings} findings, ${seeds.length} seeds`);
  process.exit(findings ? 1 : 0);
}

main().catch((err) => { console.error(err); process.exit(1); });
