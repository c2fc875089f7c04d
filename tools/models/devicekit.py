"""Device conversion kit: everything needed to turn an ONNX model into an int8 CANN Kit .om for the phone's NPU
with Huawei's tools (dopt = lightweighting/quantization tool, omg = offline model generator), which run on a
Linux x86-64 machine with the DDK tools (docs/device-conversion.md). This script does not need them: it writes

  calibration.bin      the calibration set in the CANN tool's binary format (magic 610, any rank; or 510, 4-D),
                       float32, little-endian, pre-processed exactly like the app does (tools/models/preprocess.py)
  config.prototxt      dopt calibration config (strategy, device, preprocess_parameter, exclude_op)
  aipp_dynamic.cfg     dynamic AIPP (--aipp dynamic; the bundled models' default, from the manifest): the .om takes
                       the source image (NV21/NV12/RGBA/BGRA/RGB/BGR up to max_src_image_size bytes) and AIPP
                       parameters per inference (crop, CSC, swaps, resize, DTC); aipp.py has the guide's rules
  aipp_static.cfg      or a static AIPP config (--aipp rgb, or static:<format>:<W>x<H>[:crop=...][:csc=...]): the .om
                       takes that one source format and size
  commands.sh          the exact dopt_so.py and omg command lines
  manifest_entry.json  the manifest entry for the resulting .om (and the ONNX target for the host)

  # the bundled models (demo int8/fp32, and the bench models when generated):
  /usr/bin/python3 tools/models/devicekit.py bundled --out /tmp/npulens-device
  # your own model:
  /usr/bin/python3 tools/models/devicekit.py user --model my.onnx --images photos/ --id my-model \\
      --size 224x224 --mean 123.675,116.28,103.53 --std 58.395,57.12,57.375 [--bgr] [--labels labels.txt] \\
      [--aipp none|rgb|dynamic[:max=<bytes>][:formats=NV21,...]|static:<format>:<W>x<H>[:crop=center|WxH+X+Y]
      [:csc=jpeg|bt601n|bt601f|bt709n]] [--output-type fp32|uint8] [--format 610|510] [--count 100] \\
      [--exclude conv1] --out /tmp/my-model
  # declare dynamic AIPP on a host ONNX model (metadata_props hiai.aipp.*; the host runtime then emulates it):
  /usr/bin/python3 tools/models/devicekit.py declare --model my.onnx --aipp dynamic[:max=<bytes>] [--output out.onnx]
"""
import argparse
import json
import os
import shlex
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import aipp  # noqa: E402
import manifest as mf  # noqa: E402
from quantize import QuantizeError  # noqa: E402

MAGIC_ANY_RANK = 610
MAGIC_4D = 510


class KitError(Exception):
    pass


# ---------------------------------------------------------------- calibration set .bin


def write_calibration_bin(path, data, magic=MAGIC_ANY_RANK):
    """610: int32 magic, int32 rank, rank x int32 dims, float32 data. 510: int32 magic, N, C, H, W, float32 data.
    All little-endian."""
    a = np.ascontiguousarray(data, dtype="<f4")
    if magic == MAGIC_ANY_RANK:
        if a.ndim < 1:
            raise KitError("calibration data must have at least one dimension")
        header = struct.pack(f"<{2 + a.ndim}i", MAGIC_ANY_RANK, a.ndim, *a.shape)
    elif magic == MAGIC_4D:
        if a.ndim != 4:
            raise KitError(f"format 510 needs 4-D data (N, C, H, W), got shape {a.shape}")
        header = struct.pack("<5i", MAGIC_4D, *a.shape)
    else:
        raise KitError(f"unknown calibration format {magic} (use 610 or 510)")
    if any(d <= 0 or d > 2**31 - 1 for d in a.shape):
        raise KitError(f"calibration dimensions must be in 1..2^31-1, got {a.shape}")
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(header)
        f.write(a.tobytes())
    os.replace(tmp, path)
    return len(header) + a.nbytes


def read_calibration_bin(path):
    """Parses either format; checks magic, rank and that the file holds exactly the declared float count."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise KitError(f"{path}: too short for a calibration header ({len(raw)} bytes)")
    magic = struct.unpack_from("<i", raw, 0)[0]
    if magic == MAGIC_ANY_RANK:
        rank = struct.unpack_from("<i", raw, 4)[0]
        if not 1 <= rank <= 16 or len(raw) < 8 + 4 * rank:
            raise KitError(f"{path}: bad rank {rank}")
        dims = struct.unpack_from(f"<{rank}i", raw, 8)
        off = 8 + 4 * rank
    elif magic == MAGIC_4D:
        if len(raw) < 20:
            raise KitError(f"{path}: too short for a 510 header")
        dims = struct.unpack_from("<4i", raw, 4)
        off = 20
    else:
        raise KitError(f"{path}: unknown magic {magic} (expected 610 or 510)")
    if any(d <= 0 for d in dims):
        raise KitError(f"{path}: dimensions must be > 0, got {dims}")
    count = int(np.prod(dims, dtype=np.int64))
    if len(raw) - off != 4 * count:
        raise KitError(f"{path}: header says {count} floats ({4 * count} bytes) but {len(raw) - off} data bytes follow")
    return magic, np.frombuffer(raw, dtype="<f4", offset=off).reshape(dims)


# ---------------------------------------------------------------- config files and commands


def _fmt(v):
    return repr(float(v))


def config_prototxt(input_file_path, exclude=(), mode="BINARY", spec=None, device="USE_CPU"):
    lines = ['strategy: "Quant_INT8-8"', f"device: {device}", "preprocess_parameter:", "{", f"    input_type: {mode}"]
    if mode == "IMAGE":
        # IMAGE mode: the tool reads the folder itself and computes (image - mean_value) / standard_deviation.
        lines.append(f"    image_format: {spec.get('colorOrder', 'RGB')}")
        lines += [f"    mean_value: {_fmt(m)}" for m in spec["mean"]]
        lines += [f"    standard_deviation: {_fmt(s)}" for s in spec["std"]]
    elif mode != "BINARY":
        raise KitError(f"unknown input_type {mode}")
    lines += [f'    input_file_path: "{input_file_path}"', "}"]
    for e in exclude:
        if not e or '"' in e:
            raise KitError(f"bad exclude_op name {e!r}")
        lines.append(f'exclude_op: "{e}"')
    return "\n".join(lines) + "\n"


def aipp_static_config(spec, input_name="input"):
    """Static AIPP for --aipp rgb: RGB888_U8 HWC input of the model's size, the RB swap for BGR models, then per
    channel (x - mean_chn - min_chn) * var_reci_chn = (x - mean) / std (mean split into its integer and fractional
    part). Other configs: aipp.parse + aipp.config."""
    return aipp.config(aipp.parse("rgb", spec), spec, input_name)


def _shape_arg(name, shape):
    return f"{name}:{','.join(str(d) for d in shape)}"


def commands(
    model_path, input_name, input_shape, output_name, work, om_name, quantize=True, aipp_conf=None, output_type="fp32"
):
    """The dopt_so.py (ONNX, no-training quantization) and omg lines, as argument lists. aipp_conf: the
    insert_op_conf file name in `work` (the .om then takes uint8 images: the guide's AIPP input type table)."""
    q = os.path.join(work, om_name + "_dopt.onnx")
    param = os.path.join(work, om_name + "_param")
    dopt = [
        "python3",
        "tools_dopt/dopt_onnx_py3/dopt_so.py",
        "--framework",
        "5",
        "--mode",
        "0",
        "--model",
        model_path,
        "--cal_conf",
        os.path.join(work, "config.prototxt"),
        "--output",
        q,
        "--input_format",
        "NCHW",
        "--input_shape",
        _shape_arg(input_name, input_shape),
        "--out_nodes",
        output_name,
        "--compress_conf",
        param,
    ]
    omg = [
        "./omg",
        "--model",
        q if quantize else model_path,
        "--framework",
        "5",
        "--input_shape",
        _shape_arg(input_name, input_shape),
        "--output",
        os.path.join(work, om_name),
    ]
    if quantize:
        omg += ["--compress_conf", param]
    if aipp_conf:
        omg += ["--insert_op_conf", os.path.join(work, aipp_conf), "--input_type", f"{input_name}:UINT8"]
    else:
        omg += ["--input_type", f"{input_name}:FP32"]
    omg += ["--output_type", f"{output_name}:{'UINT8' if output_type == 'uint8' else 'FP32'}"]
    return (dopt if quantize else None), omg


def om_entry(base_entry, om_file, plan=None, output_quant=None):
    """The manifest entry for the .om: the model's own entry with an om target (its overrides and its "aipp")."""
    e = json.loads(json.dumps(base_entry))
    om = {"file": om_file}
    field = aipp.manifest_field(plan)
    if field:
        om["aipp"] = field
    if plan and plan["mode"] == "static":
        # Static AIPP does mean/std on the NPU: the app hands over the source bytes unchanged. (Dynamic AIPP keeps
        # the model's mean/std: the engine computes the DTC parameters from them per inference.)
        om["input"] = {
            "dtype": "uint8",
            "layout": "NHWC",
            "colorOrder": "RGB",
            "mean": [0.0, 0.0, 0.0],
            "std": [1.0, 1.0, 1.0],
            "quant": {"scale": 1.0, "zeroPoint": 0},
        }
    if output_quant is not None:
        om["output"] = {"dtype": "uint8", "quant": output_quant}
    e["targets"]["om"] = om
    return e


def logits_uint8_quant(int8_model):
    """Output quantization of an int8 QDQ model's last QuantizeLinear, as uint8 (zero point + 128)."""
    from onnx import numpy_helper

    g = int8_model.graph
    inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    out = g.output[0].name
    dq = next(nd for nd in g.node if out in nd.output and nd.op_type == "DequantizeLinear")
    return {"scale": float(inits[dq.input[1]]), "zeroPoint": int(inits[dq.input[2]]) + 128}


def _model_io(model):
    g = model.graph
    inits = {t.name for t in g.initializer}
    ins = [i for i in g.input if i.name not in inits]
    if len(ins) != 1 or len(g.output) != 1:
        raise KitError(f"expected one input and one output, got {len(ins)} and {len(g.output)}")
    shape = [d.dim_value for d in ins[0].type.tensor_type.shape.dim]
    if len(shape) != 4 or any(d <= 0 for d in shape) or shape[0] != 1 or shape[1] != 3:
        raise KitError(f"input {ins[0].name} must be fixed 1x3xHxW (NCHW), got {shape} (re-export with fixed shapes)")
    oshape = [d.dim_value for d in g.output[0].type.tensor_type.shape.dim]
    return ins[0].name, shape, g.output[0].name, int(np.prod(oshape)) if oshape and all(oshape) else None


def prepare_dir(
    out,
    model_path,
    entry,
    calib,
    om_name,
    exclude=(),
    plan=None,
    output_type="fp32",
    magic=MAGIC_ANY_RANK,
    int8_model=None,
    log=print,
):
    """Writes the kit for one model into `out`. calib: (N, 3, H, W) float32 pre-processed inputs."""
    import onnxutil

    model = onnxutil.load(model_path)
    in_name, shape, out_name, _ = _model_io(model)
    known = {t.name for t in model.graph.initializer} | {n.name for n in model.graph.node}
    for e in exclude:
        for name in filter(None, (s.strip() for s in e.split(";"))):
            if name not in known:  # dopt fails on unknown names; say so before the user gets there
                raise KitError(
                    f"exclude_op {name}: no weight or node of that name in {model_path} "
                    "(dopt's ONNX exclude_op takes weight names)"
                )
    os.makedirs(out, exist_ok=True)
    quant = entry["precision"] == "int8"
    written = []
    if quant:  # a float .om needs no calibration
        bin_path = os.path.join(out, "calibration.bin")
        size = write_calibration_bin(bin_path, calib, magic)
        with open(os.path.join(out, "config.prototxt"), "w") as f:
            f.write(config_prototxt(os.path.abspath(bin_path), exclude))
        written += [f"calibration.bin {calib.shape[0]} images ({size} bytes, magic {magic})", "config.prototxt"]
    aipp_conf = None
    if plan:
        aipp_conf = f"aipp_{plan['mode']}.cfg"
        with open(os.path.join(out, aipp_conf), "w") as f:
            f.write(aipp.config(plan, entry["input"], in_name))
    work = os.path.abspath(out)
    lines = [
        "#!/usr/bin/env bash",
        "# Run from the DDK tools folder (tools_dopt/ and tools_omg/omg); docs/device-conversion.md.",
        "set -euo pipefail",
    ]
    dopt, omg = commands(
        os.path.abspath(model_path), in_name, shape, out_name, work, om_name, quant, aipp_conf, output_type
    )
    if dopt:
        lines.append(" ".join(shlex.quote(a) for a in dopt))
    lines.append("(cd tools_omg && " + " ".join(shlex.quote(a) for a in omg) + ")")
    with open(os.path.join(out, "commands.sh"), "w") as f:
        f.write("\n".join(lines) + "\n")
    oq = None
    if output_type == "uint8":
        if int8_model is None:
            raise KitError("--output-type uint8 needs the int8 QDQ model for the output quantization parameters")
        oq = logits_uint8_quant(int8_model)
    e = om_entry(entry, om_name + ".om", plan, oq)
    with open(os.path.join(out, "manifest_entry.json"), "w") as f:
        json.dump(e, f, indent=2)
        f.write("\n")
    written += ([aipp_conf] if aipp_conf else []) + ["commands.sh", "manifest_entry.json"]
    log(f"devicekit: {out}: " + ", ".join(written))
    return e


def _bundled_plan(entry, aipp_arg):
    """--aipp as given, or else the AIPP the manifest declares for the model's om target."""
    if aipp_arg is not None:
        return aipp.parse(aipp_arg, entry["input"])
    om = entry["targets"].get("om", {})
    return aipp.plan_from_manifest(om.get("aipp", entry.get("aipp")), entry["input"])


def bundled(out, count=64, aipp_arg=None, magic=MAGIC_ANY_RANK, log=print):
    import dataset
    import bench

    done = []
    entries = {e["id"]: e for e in mf.entries()}
    calib, _ = dataset.tensors(dataset.DEFAULT_SEED, "train", count, mf.SHAPES_INPUT)
    src = os.path.join(mf.MODELS_DIR, "shapes_fp32.onnx")
    for mid in ("shapes-int8", "shapes-fp32"):
        e = entries[mid]
        prepare_dir(
            os.path.join(out, mid),
            src,
            e,
            calib,
            mid.replace("-", "_"),
            plan=_bundled_plan(e, aipp_arg),
            magic=magic,
            log=log,
        )
        done.append(mid)
    bench_calib = None
    for key in ("mobilenetv2", "resnet18"):
        path = os.path.join(mf.MODELS_DIR, "bench", f"{key}_fp32.onnx")
        if not os.path.exists(path):
            log(f"devicekit: {path} not generated (scripts/setup.d/20-bench-models.sh); skipped")
            continue
        if bench_calib is None:
            bench_calib = bench.synthetic_images(min(count, 16), 224)
        for prec in ("int8", "fp32"):
            mid = f"{key}-{prec}"
            prepare_dir(
                os.path.join(out, mid),
                path,
                entries[mid],
                bench_calib,
                mid.replace("-", "_"),
                plan=_bundled_plan(entries[mid], aipp_arg),
                magic=magic,
                log=log,
            )
            done.append(mid)
    return done


def declare(model_path, aipp_arg, out_path, log=print):
    """Writes the model with metadata_props declaring `aipp_arg` (none or dynamic[:max=<bytes>]): what the host
    runtime reads to accept AIPP parameters, as a dynamic-AIPP .om does on the phone. Byte-identical otherwise."""
    import onnxutil

    model = onnxutil.load(model_path)
    _, shape, _, _ = _model_io(model)
    spec = {"width": shape[3], "height": shape[2], "mean": [0.0] * 3, "std": [1.0] * 3}
    plan = aipp.parse(aipp_arg, spec)
    if plan is not None and (plan["mode"] != "dynamic" or plan["formats"] != aipp.ALL_FORMATS):
        raise KitError(f"--aipp {aipp_arg}: a host model declares dynamic AIPP (max=<bytes> only) or none")
    changed = aipp.declare_onnx(model, aipp.manifest_field(plan))
    if changed or out_path != model_path:
        tmp = out_path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(model.SerializeToString())
        os.replace(tmp, out_path)
    log(f"devicekit: {out_path}: AIPP {aipp_arg}" + ("" if changed else " (already declared)"))
    return changed


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    aipp_help = (
        "none | rgb | dynamic[:max=<bytes>][:formats=NV21,NV12,RGBA,BGRA,RGB,BGR] | "
        "static:<format>:<W>x<H>[:crop=center|WxH+X+Y][:csc=jpeg|bt601n|bt601f|bt709n]"
    )
    for p in (sub.add_parser("bundled"), sub.add_parser("user")):
        p.add_argument("--out", required=True)
        p.add_argument("--count", type=int, default=64, help="calibration images")
        p.add_argument("--format", type=int, choices=[MAGIC_ANY_RANK, MAGIC_4D], default=MAGIC_ANY_RANK)
    sub.choices["bundled"].add_argument("--aipp", help=aipp_help + " (default: what the manifest declares)")
    sub.choices["user"].add_argument("--aipp", default="none", help=aipp_help)
    d = sub.add_parser("declare", help="declare dynamic AIPP (or none) on a host ONNX model's metadata_props")
    d.add_argument("--model", required=True)
    d.add_argument("--aipp", required=True, help="none | dynamic[:max=<bytes>]")
    d.add_argument("--output", help="default: rewrite --model")
    u = sub.choices["user"]
    u.add_argument("--model", required=True)
    u.add_argument("--images", required=True)
    u.add_argument("--id", required=True)
    u.add_argument("--title")
    u.add_argument("--labels")
    u.add_argument("--size")
    u.add_argument("--mean", default="0,0,0")
    u.add_argument("--std", default="1,1,1")
    u.add_argument("--bgr", action="store_true")
    u.add_argument("--center-crop", type=float, default=1.0)
    u.add_argument("--kind", choices=["logits", "probabilities"], default="logits")
    u.add_argument("--precision", choices=["int8", "fp32"], default="int8")
    u.add_argument("--output-type", choices=["fp32", "uint8"], default="fp32")
    u.add_argument(
        "--int8-onnx", help="int8 QDQ model from quantize.py (host target; output quant for --output-type uint8)"
    )
    u.add_argument("--exclude", action="append", default=[])
    a = ap.parse_args(argv)
    log = lambda s: print(s, file=sys.stderr)  # noqa: E731
    try:
        if a.cmd == "bundled":
            bundled(a.out, a.count, a.aipp, a.format, log)
            return 0
        import re
        import onnxutil

        if a.cmd == "declare":
            declare(a.model, a.aipp, a.output or a.model, log)
            return 0
        from quantize import folder_tensors

        if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", a.id):
            raise KitError(f"--id {a.id!r} must match [a-z0-9][a-z0-9._-]*")
        model = onnxutil.load(a.model)
        in_name, shape, out_name, classes = _model_io(model)
        h, w = shape[2], shape[3]
        if a.size:
            sw, sh = (int(v) for v in a.size.lower().split("x"))
            if (sw, sh) != (w, h):
                raise KitError(f"--size {a.size} does not match the model input {w}x{h}")
        spec = {
            "name": in_name,
            "width": w,
            "height": h,
            "channels": 3,
            "layout": "NCHW",
            "dtype": "float32",
            "colorOrder": "BGR" if a.bgr else "RGB",
            "mean": [float(v) for v in a.mean.split(",")],
            "std": [float(v) for v in a.std.split(",")],
            "resize": "bilinear",
            "centerCrop": a.center_crop,
        }
        if len(spec["mean"]) != 3 or len(spec["std"]) != 3 or min(spec["std"]) <= 0:
            raise KitError("--mean and --std need 3 values each, std > 0")
        plan = aipp.parse(a.aipp, spec)  # before reading the images: a bad --aipp fails at once
        calib = folder_tensors(a.images, spec, a.count)
        entry = {
            "id": a.id,
            "title": a.title or a.id,
            "precision": a.precision,
            "pretrained": True,
            "targets": {},
            "input": spec,
            "output": {"name": out_name, "classes": classes, "dtype": "float32", "kind": a.kind},
        }
        if a.labels:
            entry["labels"] = os.path.basename(a.labels)
        int8_model = onnxutil.load(a.int8_onnx) if a.int8_onnx else None
        if a.precision == "int8" and a.int8_onnx:
            host_file = a.int8_onnx
        else:
            host_file = a.model if a.precision == "fp32" else None
        host = onnxutil.load(host_file) if host_file else None
        if host is not None and not onnxutil.unsupported_ops(host):
            entry["targets"]["onnx"] = {"file": os.path.basename(host_file)}
            declared = aipp.onnx_declaration(host)  # what the host runtime will emulate for this file
            if declared:
                entry["targets"]["onnx"]["aipp"] = {**declared, "formats": list(aipp.ALL_FORMATS)}
        prepare_dir(
            a.out,
            a.model,
            entry,
            calib,
            a.id.replace("-", "_").replace(".", "_"),
            a.exclude,
            plan,
            a.output_type,
            a.format,
            int8_model,
            log,
        )
        return 0
    except (KitError, OSError, ValueError, QuantizeError) as e:
        print(f"error: {e} (devicekit)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
