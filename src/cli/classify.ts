/* `npulens classify <image...>`: top-K classes and timings per image, as a table or one JSON document. */
import { UsageError, toCliError } from './errors';
import { enumFlag, intFlag, parse } from './args';
import { ms, percent, printable, table } from './format';
import { decodeInOrder, imagesPerSecond, throughputLine } from './image';
import type { Io } from './io';
import { DEVICE_POLICIES, MODEL_FLAGS, chooseModel, withClassifier, type Backend } from './model';

export async function classify(args: string[], io: Io, backend: Backend): Promise<number> {
  const { values, positionals } = parse(args, { ...MODEL_FLAGS, top: { type: 'string' }, json: { type: 'boolean' } }, true);
  if (positionals.length === 0) throw new UsageError('classify needs at least one image');
  const top = intFlag(values, 'top', 1, 1000);
  const device = enumFlag(values, 'device', DEVICE_POLICIES);
  const choice = chooseModel(values, backend, device);
  const json = values.json === true;

  return withClassifier(choice, backend, async (classifier) => {
    const info = classifier.info;
    const results = [];
    // Decoding runs ahead on libuv workers while the classifier runs on its own: the wall time below is what a
    // folder takes, less than the sum of the per-image times.
    const start = performance.now();
    for await (const { file: image, image: decoded } of decodeInOrder(positionals, [classifier])) {
      let result;
      try {
        // --top above the class count shows every class; without --top the native default (5) applies.
        const topK = top === undefined ? undefined : Math.min(top, info.classes);
        result = await classifier.classify(decoded.pixels, decoded.width, decoded.height, 'RGBA', undefined, topK);
      } catch (err) {
        throw toCliError(err, image);
      }
      const t = result.timings;
      const entry = {
        image,
        top: result.top.map((e) => ({ rank: e.rank, index: e.index, label: e.label, score: e.score })),
        timings: {
          decodeMs: decoded.decodeMs,
          preprocessMs: t.preprocessMs,
          inferenceMs: t.inferenceMs,
          postprocessMs: t.postprocessMs,
          totalMs: decoded.decodeMs + t.totalMs,
        },
      };
      results.push(entry);
      if (!json) {
        const decodedAt = decoded.width === decoded.sourceWidth && decoded.height === decoded.sourceHeight ? ''
          : `, decoded at ${decoded.width}x${decoded.height}`;
        io.stdout.write(`${printable(image)}  (${decoded.sourceWidth}x${decoded.sourceHeight}${decodedAt})\n`);
        io.stdout.write(table(['rank', 'label', 'score'],
          entry.top.map((e) => [String(e.rank), e.label, percent(e.score)]), [true, false, true]));
        const tm = entry.timings;
        io.stdout.write(`  time (ms): decode ${ms(tm.decodeMs)}, preprocess ${ms(tm.preprocessMs)}, ` +
          `inference ${ms(tm.inferenceMs)}, postprocess ${ms(tm.postprocessMs)}, total ${ms(tm.totalMs)}\n\n`);
      }
    }
    const throughput = imagesPerSecond(results.length, performance.now() - start);
    const model = { id: choice.id, path: choice.path, precision: choice.precision };
    if (json) {
      io.stdout.write(JSON.stringify({ model, device: { name: info.device.name, type: info.device.type }, results,
        throughput }, null, 2) + '\n');
    } else {
      io.stdout.write(`model: ${model.id} (${model.precision}, ${printable(model.path)})\n`);
      io.stdout.write(`device: ${info.device.name} (${info.device.type}) — ${info.selection}\n`);
      io.stdout.write(`${throughputLine(throughput)}\n`);
    }
    return 0;
  });
}
