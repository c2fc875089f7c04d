/* `npulens help`, and the usage text it prints (the short usage follows a usage error). */
import type { Io } from './io';

export const USAGE = `usage: npulens <command> [options]

commands:
  classify <image...>  classify PNG/JPEG images
      --model <id|file.onnx>  manifest model id (default: the manifest's default model) or an ONNX file
      --labels <file>         labels for a model file, one per line (required with a file)
      --size WxH              input size of a model file (required with a file)
      --mean r,g,b            mean in pixel units for a model file (default 0,0,0)
      --std r,g,b             std in pixel units for a model file (default 1,1,1)
      --bgr                   the model file expects BGR channel order
      --top K                 entries to show (default 5, at most the class count)
      --device auto|npu|cpu   device policy (default auto; this host has no NPU)
      --preprocessing auto|cpu|aipp  who converts the pixels: our CPU code, or the runtime's dynamic AIPP (the
                              model target must declare it); auto = aipp when it does (default auto)
      --frame FMT:WxH         the files are raw frames back to back (FMT nv21|nv12|rgba|bgra|rgb, rows packed, e.g.
                              nv21:1920x1080): per-frame latency and top-1, sustained fps
      --store memory|fd       with --frame: hand each frame over as an ArrayBuffer (default) or in a shrink-sealed
                              memfd through classifyFd (the AIPP path then reads it with no CPU copy)
      --rotate 0|90|180|270   turn each image or frame clockwise before classifying it (a camera frame in the
                              sensor's orientation; default 0)
      --batch N               load for batch size N (one of the model's batchSizes) and classify N images per
                              inference (classifyBatch); each image's timings are its group's
      --tuning off|auto|heter CANN online tuning (HMS_HiAIOptions_SetTuningMode + SetTuningCacheDir); prints what
                              the runtime applied
      --tuning-cache DIR      the tuning cache (default ~/.cache/npulens/tuning, created)
      --save-outputs F.json   write each image's raw output tensor (npulens-outputs/1, as the app exports it) for
                              verify --device-outputs
      --dump DIR              the runtime dumps every inference's tensors into DIR (created; HMS_HiAIOptions_
                              SetOmOptions DUMP: DIR/<model>/run<N>/index.json + a float32 file per op output)
      --json                  print one JSON document
  bench                 benchmark a model's inference
      --model <id|file.onnx> (and --size/--mean/--std/--bgr/--labels for a file), --device as above
      --iterations N          timed runs (default 100; the maximum with --duration)
      --warmup N              untimed runs after the first (default 10)
      --duration S            stop timed runs after S seconds
      --mode zero-copy|copy|both   I/O mode (default zero-copy)
      --json FILE|-           write the report (npulens-benchmark/2, as the app exports) to FILE (- = stdout)
      --compare A B           compare two reports (any producer): p50 per model and I/O mode, B/A
      --source FMT:WxH        time source frame -> result instead (synthetic nv21|nv12|rgba|bgra|rgb frame) per path:
                              CPU pre-processing + copy / zero-copy (--mode, default both), AIPP with the frame
                              copied into its tensor and from a memfd; stage medians, CPU bytes, non-inference share
      --preprocessing cpu|aipp|both   with --source (default: AIPP too where the target declares it)
      --tuning off,auto,heter per tuning mode: compile time of a load with an empty tuning cache (cold) and of the
                              next load over it (cached); --tuning-cache DIR as for classify
      --profile DIR           runtime profiling (HMS_HiAIOptions_SetOmOptions): the runtime writes per-op CSV files
                              into DIR (created); prints the slowest ops
      --batch 1,2,4,8         one load per batch size (of the model's batchSizes), each timed: p50/p90 per run of
                              the whole batch, ms per image, images/s (--json: npulens-bench-batch/1)
  verify <folder|image...>  compare two models or two engines on images (float vs quantized check)
      --model <id|file.onnx>    reference (default: the manifest's default model; --size/--mean/--std/--bgr/--labels for a file)
      --against <id|file.onnx>  candidate (default: the reference model; --against-size/-mean/-std/-bgr/-labels for a file)
      --engine ours|ort         reference engine: ours = host runtime, ort = onnxruntime-node on our pre-processed input (default ours)
      --against-engine ours|ort candidate engine (default: --engine)
      --list FILE               image paths, one per line, relative to FILE (repeatable)
      --min-cosine C            per-image cosine of the mean-centred logits that passes (default 0.99)
      --min-share F             share of images that must reach --min-cosine (default 1 = every image)
      --min-top1 F, --min-top5 F  minimum top-1 / top-5 agreement in [0, 1] (default: not checked)
      --max-abs X               maximum |Δ| of the mean-centred logits (default: not checked)
      --threads N               threads of both engines (default: the runtime's choice for each model, as classify)
      --device auto|npu|cpu, --json FILE|-   as for bench; exit 1 when a threshold is missed
      --aipp                    compare the model's CPU pre-processing (reference) with its AIPP path (candidate)
                                on the same images; with --frame FMT:WxH on raw frame files (no --against/--engine)
      --device-outputs F.json   a device's raw output export (the app's, or classify --save-outputs) against the
                                host's fp32 (--model) and int8 (--against) models on the same images (default: the
                                export's model's -fp32/-int8 pair); thresholds against the host model of the export's
                                precision; --images DIR holds exported photos (samples are the bundled ones)
  check <model.onnx|id>  check an ONNX model against the CANN Kit guide's rules before omg/dopt convert it (opset,
                        shapes, data types, operators, paths); each finding names the guide's section. Exit 1 on errors
      --input-shape "name:n,c,h,w[;...]"  omg's --input_shape (-1 for the dims that vary, with --dynamic-dims)
      --dynamic-dims "1;2;4" | "h1,w1;h2,w2"  omg's --dynamic_dims profiles (at most 16)
      --input-type "name:FP32|FP16|UINT8|INT8|INT32[;...]"  omg's --input_type
      --output-type "name:TYPE[;...]"  omg's --output_type (TYPE also INT64)
      --quantized             the model will be quantized by dopt (int8 convolution rules)
      --aipp                  the .om gets an AIPP config (allows the AIPP-only input types)
      --json FILE|-           write the report as JSON (- = stdout)
  devices               NN devices and which one each device policy picks
  models                models in the manifest and which files exist
  help                  this text
`;

/** Printed after a usage error. */
export const SHORT_USAGE = `usage: npulens classify <image...> [--model <id|file.onnx>] [--top K] [--device auto|npu|cpu] [--preprocessing auto|cpu|aipp] [--rotate 0|90|180|270] [--json]
       npulens classify --frame nv21:WxH <frames.yuv...> [--model M] [--preprocessing auto|cpu|aipp] [--rotate 0|90|180|270] [--json]
       npulens bench [--model <id|file.onnx>] [--iterations N] [--warmup N] [--duration S] [--mode zero-copy|copy|both] [--source FMT:WxH [--preprocessing cpu|aipp|both]] [--json FILE|-]
       npulens bench --compare a.json b.json
       npulens verify <folder|image...> [--model M] [--against M] [--engine ours|ort] [--against-engine ours|ort] [--min-cosine C] [--json FILE|-]
       npulens verify --aipp [--frame nv21:WxH] <folder|image...|frames.yuv...> [--model M] [--min-cosine C] [--json FILE|-]
       npulens check <model.onnx|id> [--input-shape S] [--dynamic-dims D] [--input-type T] [--output-type T] [--quantized] [--aipp] [--json FILE|-]
       npulens devices | models | help   (npulens help: all options)
`;

export function help(io: Io): number {
  io.stdout.write(USAGE);
  return 0;
}
