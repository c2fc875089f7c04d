"""Device conversion kit: everything needed to turn an ONNX model into an int8 CANN Kit .om for the phone's NPU
with Huawei's tools (dopt = lightweighting/quantization tool, omg = offline model generator), which run on a
Linux x86-64 machine with the DDK tools (docs/device-conversion.md). This script does not need them. It first runs
the model check (modelcheck.py: errors stop it, warnings are printed), then writes into one folder

  <model>.onnx         the source model, copied (the folder holds everything the DDK machine needs; renamed
                       <name>_src.onnx when its file name breaks the guide's rule)
  calibration.bin      the calibration set in the CANN tool's binary format (magic 610, any rank; or 510, 4-D),
                       float32, little-endian, pre-processed exactly like the app does (tools/models/preprocess.py)
  config.prototxt      dopt calibration config (strategy, device, preprocess_parameter, exclude_op = weight names)
  aipp_dynamic.cfg     dynamic AIPP (--aipp dynamic; the bundled models' default, from the manifest): the .om takes
                       the source image (NV21/NV12/RGBA/BGRA/RGB/BGR up to max_src_image_size bytes) and AIPP
                       parameters per inference (crop, CSC, swaps, resize, DTC); aipp.py has the guide's rules
  aipp_static.cfg      or a static AIPP config (--aipp rgb, or static:<format>:<W>x<H>[:crop=...][:csc=...]): the .om
                       takes that one source format and size
  commands.sh          omg's model check (--mode 3), dopt_so.py, omg, and omg --mode 1 (the .om as JSON)
  manifest_entry.json  the manifest entry for the resulting .om (and the ONNX target for the host)

The guide allows only letters, digits and underscores in the tools' paths (file names: also dots): --out must
follow it, and the kit names everything it writes that way.

  # the bundled models (demo int8/fp32, and the bench models when generated):
  /usr/bin/python3 tools/models/devicekit.py bundled --out /tmp/npulens_device
  # your own model:
  /usr/bin/python3 tools/models/devicekit.py user --model my.onnx --images photos/ --id my-model \\
      --size 224x224 --mean 123.675,116.28,103.53 --std 58.395,57.12,57.375 [--bgr] [--labels labels.txt] \\
      [--aipp none|rgb|dynamic[:max=<bytes>][:formats=NV21,...]|static:<format>:<W>x<H>[:crop=center|WxH+X+Y]
      [:csc=jpeg|bt601n|bt601f|bt709n]] [--input-type fp32|fp16|uint8] [--output-type fp32|fp16|uint8] \\
      [--weight-data-type fp32|fp16] [--dynamic-dims "1;2;4;8" | "h1,w1;h2,w2"] [--input-shape -1,3,224,224] \\
      [--format 610|510] [--calibration binary|image] [--count 100] [--exclude conv1.weight] [--exclude-file F] \\
      --out /tmp/my_model
  # declare dynamic AIPP on a host ONNX model (metadata_props hiai.aipp.*; the host runtime then emulates it):
  /usr/bin/python3 tools/models/devicekit.py declare --model my.onnx --aipp dynamic[:max=<bytes>] [--output out.onnx]
"""
import argparse
import json
import os
import shlex
import shutil
import struct
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import aipp  # noqa: E402
import manifest as mf  # noqa: E402
import modelcheck  # noqa: E402
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


# ---------------------------------------------------------------- the guide's rules the kit applies

# The guide's rules come from modelcheck.py (one definition): the path/file-name rule ("OMG参数" 说明), the type
# tables under "OMG参数", the 16 --dynamic_dims profiles.
NAME_RULE = (
    'the CANN Kit guide ("OMG参数" and dopt\'s "模型量化" notes) allows only letters, digits and underscores in '
    "paths, and also dots in file names"
)
# docs/manifest.md "Batch sizes": a target's batchSizes are 1..64.
MAX_BATCH = 64
TYPE_TABLES = {
    "input": (modelcheck.INPUT_TYPES, "非AIPP场景设定输入类型支持情况"),
    "input-aipp": (modelcheck.INPUT_TYPES_AIPP, "AIPP场景设定输入类型支持情况"),
    "output": (modelcheck.OUTPUT_TYPES, "设定输出类型支持情况"),
}
# The manifest's tensor dtypes (docs/manifest.md); INT32/INT64 have none: NpuLens cannot feed or read them.
MANIFEST_DTYPES = {"FP32": "float32", "FP16": "float16", "UINT8": "uint8", "INT8": "int8"}
# The layers whose weight dopt's ONNX exclude_op names ("填写config.prototxt文件": ONNX的exclude_op应该为weight name).
WEIGHT_OPS = ("Conv", "ConvTranspose", "Gemm", "MatMul")


def check_tool_path(path, what, is_file=False):
    """The absolute path, or a KitError naming the first character the tools refuse and where it is."""
    full = os.path.abspath(path)
    parts = [p for p in full.split(os.sep) if p]
    for k, part in enumerate(parts):
        rule = modelcheck.PATH_FILE_RE if is_file and k == len(parts) - 1 else modelcheck.PATH_DIR_RE
        if not rule.match(part):
            bad = next(c for c in part if not rule.match(c))
            raise KitError(f"{what} {full}: {bad!r} in {part!r} — {NAME_RULE}")
    return full


def tool_name(model_id):
    """A model id as a name the tools accept: '-' and '.' become '_'."""
    return model_id.replace("-", "_").replace(".", "_")


def omg_type(kind, tensor, model_type, want=None):
    """The --input_type/--output_type value for `tensor` (kind 'input', 'input-aipp' or 'output'): `want` (default:
    UINT8 with AIPP, else the model's own type) if the guide's table allows it for the model's type."""
    table, title = TYPE_TABLES[kind]
    allowed = table.get(model_type)
    if allowed is None:
        raise KitError(f"{kind.split('-')[0]} {tensor} is {model_type}: the guide's table \"{title}\" has no such row")
    want = want or ("UINT8" if kind == "input-aipp" else model_type)
    if want not in allowed:
        arg = "output" if kind == "output" else "input"
        with_aipp = ", with AIPP" if kind == "input-aipp" else ""
        raise KitError(
            f"--{arg}-type {want} for {tensor} ({model_type} in the model{with_aipp}): the guide's table "
            f"\"{title}\" allows only {', '.join(sorted(allowed))}"
        )
    return want


def parse_dynamic_dims(text):
    """omg's --dynamic_dims (modelcheck's parser) as the kit takes it: one value per profile is a dynamic batch
    (1..64, the manifest's batchSizes), two (height, width) a dynamic image size; each profile once, at most the
    guide's 16. Returns a list of tuples."""
    try:
        profiles = [tuple(p) for p in modelcheck.parse_dynamic_dims(text)]
    except modelcheck.UsageError as e:
        raise KitError(str(e)) from None
    arity = {len(p) for p in profiles}
    if len(arity) != 1 or arity.pop() not in (1, 2):
        raise KitError(
            f"--dynamic-dims {text!r}: every profile needs 1 value (a batch size) or 2 (height,width), the same in all"
        )
    if len(profiles) > modelcheck.MAX_PROFILES:
        raise KitError(
            f'--dynamic-dims {text!r}: {len(profiles)} profiles; the guide\'s "OMG参数" (--dynamic_dims) allows at '
            f"most {modelcheck.MAX_PROFILES}"
        )
    if len(set(profiles)) != len(profiles):
        raise KitError(f"--dynamic-dims {text!r}: a profile is listed twice")
    if len(profiles[0]) == 1 and max(p[0] for p in profiles) > MAX_BATCH:
        raise KitError(f"--dynamic-dims {text!r}: batch sizes go up to {MAX_BATCH} (docs/manifest.md, batchSizes)")
    return profiles


def input_shapes(io, text, profiles, height, width):
    """(omg's --input_shape dims, dopt's --input_shape dims). omg: -1 where the profiles vary (batch: dim 0; image
    size: dims 2 and 3), the rest the model's (batch 1). dopt needs fixed dims ("模型量化", --input_shape): batch 1 at
    the calibration size."""
    fixed = [1, 3, height, width]
    pos = () if not profiles else (0,) if len(profiles[0]) == 1 else (2, 3)
    if text is None:
        shape = [-1 if k in pos else v for k, v in enumerate(fixed)]
    else:
        name, _, dims = text.rpartition(":")
        if name and name != io.input:
            raise KitError(f"--input-shape {text}: the model's input is {io.input}, not {name}")
        try:
            shape = [int(v) for v in dims.split(",")]
        except ValueError:
            raise KitError(f"--input-shape {text}: expected [name:]n,c,h,w integers") from None
        if len(shape) != 4:
            raise KitError(f"--input-shape {text}: expected 4 dims (NCHW), got {len(shape)}")
        minus = tuple(k for k, v in enumerate(shape) if v == -1)
        if minus and not profiles:
            raise KitError(
                f'--input-shape {text}: -1 needs --dynamic-dims (the guide\'s "OMG参数", --input_shape: 当input_shape'
                "参数为-1时，必须和--dynamic_dims参数联合使用)"
            )
        if minus != pos:
            where = "the batch (dim 0)" if pos == (0,) else "the height and width (dims 2, 3)"
            raise KitError(f"--input-shape {text}: with these --dynamic-dims the -1 must be at {where}, and only there")
        for k, v in enumerate(shape):
            if k not in pos and v != fixed[k]:
                raise KitError(
                    f"--input-shape {text}: dim {k} is {v}, the model takes {fixed[k]} there "
                    "(batches other than 1 are --dynamic-dims profiles)"
                )
    return shape, fixed


def exclude_weights(model, names, log=print):
    """dopt's ONNX exclude_op takes weight names ("填写config.prototxt文件": ONNX的exclude_op应该为weight name, and an
    unknown name is an error there). A weight name is kept, a Conv/Gemm/MatMul node's name becomes its weight's name;
    anything else is refused here, before dopt refuses it."""
    g = model.graph
    inits = {t.name for t in g.initializer}
    weight_of = {nd.name: nd.input[1] for nd in g.node if nd.op_type in WEIGHT_OPS and len(nd.input) > 1}
    weight_of = {n: w for n, w in weight_of.items() if w in inits}
    weights = set(weight_of.values())
    op_of = {nd.name: nd.op_type for nd in g.node}
    out = []
    for name, where in names:
        if name in weights:
            w = name
        elif name in weight_of:
            w = weight_of[name]
            log(f"devicekit: exclude_op {w} (the weight of node {name}: dopt's ONNX exclude_op takes weight names)")
        elif name in op_of:
            raise KitError(
                f"exclude {name}{where}: a {op_of[name]} node has no weight; dopt's ONNX exclude_op takes the weight "
                f"names of {'/'.join(WEIGHT_OPS)} layers"
            )
        elif name in inits:
            raise KitError(
                f"exclude {name}{where}: an initializer that is no {'/'.join(WEIGHT_OPS)} weight (dopt's ONNX "
                "exclude_op takes weight names)"
            )
        else:
            raise KitError(f"exclude {name}{where}: no weight or node of that name in the model")
        if w not in out:
            out.append(w)
    return out


# ---------------------------------------------------------------- config files and commands


def _fmt(v):
    return repr(float(v))


def config_prototxt(input_file_path, exclude=(), mode="BINARY", spec=None, device="USE_CPU"):
    lines = ['strategy: "Quant_INT8-8"', f"device: {device}", "preprocess_parameter:", "{", f"    input_type: {mode}"]
    if mode == "IMAGE":
        # IMAGE mode: the tool reads the folder itself and computes (image - mean_value) / standard_deviation, with one
        # mean_value per channel but ONE standard_deviation ("填写config.prototxt文件": a float >= 0, default 0.0).
        if len(set(spec["std"])) != 1:
            raise KitError(
                f"IMAGE calibration takes one standard_deviation for all channels (the guide's \"填写config.prototxt"
                f"文件\"), the model's std is {spec['std']}: use the BINARY calibration set"
            )
        if not all(0.0 <= m <= 255.0 for m in spec["mean"]):
            raise KitError(f"IMAGE calibration's mean_value must be in 0.0..255.0, got {spec['mean']}")
        lines.append(f"    image_format: {spec.get('colorOrder', 'RGB')}")
        lines += [f"    mean_value: {_fmt(m)}" for m in spec["mean"]]
        lines.append(f"    standard_deviation: {_fmt(spec['std'][0])}")
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
    model_path,
    input_name,
    input_shape,
    output_name,
    work,
    om_name,
    quantize=True,
    aipp_conf=None,
    input_type="FP32",
    output_type="FP32",
    dynamic_dims=None,
    weight_data_type=None,
    dopt_shape=None,
):
    """The lines of commands.sh as argument lists, in order: "check" (omg --mode 3, the guide's pre-check of the
    model file, report in check_report.json), "dopt" (dopt_so.py, ONNX no-training quantization; None for a float
    .om), "omg" (the conversion), "json" (omg --mode 1: the .om as JSON). input_shape may hold -1 with dynamic_dims
    (omg's text); dopt gets the fixed dopt_shape (default input_shape). aipp_conf: the insert_op_conf file in `work`."""
    shape = _shape_arg(input_name, input_shape)
    dyn = ["--dynamic_dims", dynamic_dims] if dynamic_dims else []
    out = os.path.join(work, om_name)
    q = os.path.join(work, om_name + "_dopt.onnx")
    param = os.path.join(work, om_name + "_param")
    check = ["./omg", "--mode", "3", "--model", model_path, "--framework", "5", "--input_shape", shape, *dyn]
    check += ["--output", out, "--check_report", os.path.join(work, "check_report.json")]
    dopt = None
    if quantize:
        dopt = ["python3", "tools_dopt/dopt_onnx_py3/dopt_so.py", "--framework", "5", "--mode", "0"]
        dopt += ["--model", model_path, "--cal_conf", os.path.join(work, "config.prototxt"), "--output", q]
        dopt += ["--input_format", "NCHW", "--input_shape", _shape_arg(input_name, dopt_shape or input_shape)]
        dopt += ["--out_nodes", output_name, "--compress_conf", param]
    omg = ["./omg", "--model", q if quantize else model_path, "--framework", "5", "--input_shape", shape, *dyn]
    omg += ["--output", out]
    if quantize:
        omg += ["--compress_conf", param]
    if aipp_conf:
        omg += ["--insert_op_conf", os.path.join(work, aipp_conf)]
    omg += ["--input_type", f"{input_name}:{input_type}", "--output_type", f"{output_name}:{output_type}"]
    if weight_data_type:
        omg += ["--weight_data_type", weight_data_type]
    return {
        "check": check,
        "dopt": dopt,
        "omg": omg,
        "json": ["./omg", "--mode", "1", "--om", out + ".om", "--json", out + ".json"],
    }


COMMENTS = {
    "check": '# 1. omg\'s pre-check (--mode 3, "仅做预检"): is the model file valid for omg? No model is written; the\n'
    "#    result goes to check_report.json. Stop here if it reports an unsupported operator or shape.",
    "dopt": "# 2. dopt: no-training int8 quantization (Quant_INT8-8) from calibration + config.prototxt; writes the\n"
    "#    quantized ONNX and the quantization config (_param) that omg takes as --compress_conf.",
    "omg": '# 3. omg: the conversion; writes <name>.om. Look for "OMG generate offline model success".',
    "json": "# 4. omg --mode 1: the .om as JSON. Check the input's name, shape (-1 / the profiles with\n"
    "#    --dynamic_dims) and data type (UINT8 with AIPP), and the output's, against manifest_entry.json.",
}


def commands_sh(steps):
    lines = [
        "#!/usr/bin/env bash",
        "# Run from the DDK tools folder (the one holding tools_dopt/ and tools_omg/); docs/device-conversion.md.",
        "set -euo pipefail",
    ]
    for key in ("check", "dopt", "omg", "json"):
        if steps[key] is None:
            continue
        line = " ".join(shlex.quote(a) for a in steps[key])
        lines += [COMMENTS[key], line if key == "dopt" else f"(cd tools_omg && {line})"]
    return "\n".join(lines) + "\n"


def om_entry(base_entry, om_file, plan=None, output_quant=None, input_type=None, output_type=None, batch_sizes=None):
    """The manifest entry for the .om: the model's own entry with an om target (its overrides, its "aipp" and its
    "batchSizes")."""
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
    elif input_type and not plan and MANIFEST_DTYPES[input_type] != e["input"]["dtype"]:
        om["input"] = {"dtype": MANIFEST_DTYPES[input_type]}
    if output_quant is not None:
        om["output"] = {"dtype": "uint8", "quant": output_quant}
    elif output_type and MANIFEST_DTYPES[output_type] != e["output"]["dtype"]:
        om["output"] = {"dtype": MANIFEST_DTYPES[output_type]}
    if batch_sizes:
        om["batchSizes"] = sorted(batch_sizes)
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


class ModelIo:
    """The one input and one output of an image classifier: names, the input's NCHW dims (None where symbolic),
    classes, and their types in the guide's names (FP32, ...)."""

    def __init__(self, model):
        g = model.graph
        inits = {t.name for t in g.initializer}
        ins = [i for i in g.input if i.name not in inits]
        if len(ins) != 1 or len(g.output) != 1:
            raise KitError(f"expected one input and one output, got {len(ins)} and {len(g.output)}")
        dims = ins[0].type.tensor_type.shape.dim
        self.shape = [d.dim_value if d.dim_value > 0 else None for d in dims]
        shown = ",".join(str(d.dim_value) if d.dim_value > 0 else (d.dim_param or "?") for d in dims)
        if len(self.shape) != 4 or self.shape[1] != 3 or self.shape[0] not in (1, None):
            raise KitError(
                f"input {ins[0].name} must be 1x3xHxW (NCHW; the batch may be symbolic), got [{shown}] "
                "(re-export with these dims)"
            )
        self.input, self.output = ins[0].name, g.output[0].name
        odims = [d.dim_value for d in g.output[0].type.tensor_type.shape.dim][1:]
        self.classes = int(np.prod(odims)) if odims and all(odims) else None
        self.input_type = modelcheck.TYPE_NAMES.get(ins[0].type.tensor_type.elem_type, "?")
        self.output_type = modelcheck.TYPE_NAMES.get(g.output[0].type.tensor_type.elem_type, "?")

    def size(self, width=None, height=None):
        """(width, height): the model's fixed spatial dims, or the given ones where it has symbolic ones."""
        h, w = self.shape[2], self.shape[3]
        if (h is None or w is None) and not (width and height):
            raise KitError(f"input {self.input} has a symbolic height/width: give the calibration size (--size WxH)")
        if width and h is not None and (width, height) != (w, h):
            raise KitError(f"--size {width}x{height} does not match the model input {w}x{h}")
        return (width or w), (height or h)


def precheck(model_path, input_shape, dynamic_dims, input_type, output_type, io, quantized, aipp_conf, log):
    """modelcheck.check with the conversion's facts: errors stop the kit (a KitError listing them), warnings are
    printed. The "path" rule is left out: the kit hands the tools its own copy (<out>/<name>.onnx, a checked path).
    Returns the report."""
    report = modelcheck.check(
        model_path,
        input_shape=_shape_arg(io.input, input_shape),
        dynamic_dims=dynamic_dims,
        input_types={io.input: input_type},
        output_types={io.output: output_type},
        quantized=quantized,
        aipp=aipp_conf,
    )
    findings = [f for f in report.findings if f.rule != "path"]
    for f in findings:
        if f.level == "warning":
            log(f"devicekit: warning: {f.rule} {f.where}: {f.message} ({f.source})")
    errors = [f for f in findings if f.level == "error"]
    if errors:
        raise KitError(
            f"{model_path} fails the model check (modelcheck.py): "
            + "; ".join(f"{f.rule} {f.where}: {f.message} ({f.source})" for f in errors)
        )
    return findings


def prepare_dir(
    out,
    model_path,
    entry,
    calib,
    om_name,
    exclude=(),
    plan=None,
    input_type=None,
    output_type=None,
    weight_data_type=None,
    dynamic_dims=None,
    input_shape=None,
    magic=MAGIC_ANY_RANK,
    int8_model=None,
    calibration="binary",
    images=None,
    log=print,
):
    """Writes the kit for one model into `out`. calib: (N, 3, H, W) float32 pre-processed inputs (binary
    calibration); images: the folder IMAGE calibration reads. exclude: [(name, where)] as from
    quantize.read_exclude_file (where: '' or ' (file:line)'). input_type/output_type/weight_data_type: the guide's
    names (FP32, ...) or None for the default. Nothing is written unless every check passes."""
    import onnxutil

    work = check_tool_path(out, "--out")
    model = onnxutil.load(model_path)
    io = ModelIo(model)
    quant = entry["precision"] == "int8"
    width, height = io.size(entry["input"]["width"], entry["input"]["height"])
    declared = {p.key: p.value for p in model.metadata_props}.get(modelcheck.DYNAMIC_DIMS_KEY)
    if declared and dynamic_dims is None and input_shape is None:
        # The profiles the model declares (the host runtime runs them too) are what it is converted with.
        if plan:
            log(f"devicekit: the model declares {modelcheck.DYNAMIC_DIMS_KEY} {declared}: not converted with AIPP")
        else:
            dynamic_dims = declared
            log(f"devicekit: --dynamic-dims {declared} (the model's metadata {modelcheck.DYNAMIC_DIMS_KEY})")
    profiles = parse_dynamic_dims(dynamic_dims) if dynamic_dims else None
    shape, dopt_shape = input_shapes(io, input_shape, profiles, height, width)
    if profiles and plan:
        raise KitError(
            f"--dynamic-dims with --aipp {plan['mode']}: NpuLens runs a batch above 1, or another image size, only on "
            'the CPU pre-processing path (docs/manifest.md, "Batch sizes"); convert with --aipp none'
        )
    in_t = omg_type("input-aipp" if plan else "input", io.input, io.input_type, input_type)
    out_t = omg_type("output", io.output, io.output_type, output_type)
    for t, which in ((in_t, "input"), (out_t, "output")):
        if t not in ("FP32", "FP16", "UINT8"):
            raise KitError(
                f"{which} type {t}: NpuLens feeds and reads float32/float16 tensors, and uint8 only as AIPP's image "
                "input or a quantized output whose parameters the kit knows (docs/manifest.md)"
            )
    weights = exclude_weights(model, exclude, log)
    if weights and not quant:
        raise KitError(
            "exclude names only matter for an int8 .om (dopt's exclude_op); this model is converted in float"
        )
    findings = precheck(model_path, shape, dynamic_dims, in_t, out_t, io, quant, plan is not None, log)
    wdt = weight_data_type
    if wdt is None:
        # The check warns (rather than informs) when operators outside the guide's guidance may run on the CPU,
        # which cannot compute with the FP16 weights omg stores by default.
        if any(f.rule == "weight-data-type" and f.level == "warning" for f in findings):
            wdt = "FP32"
            log("devicekit: --weight_data_type FP32: operators the guide does not name may run on the CPU (above)")
    oq = None
    if out_t == "UINT8" and io.output_type != "UINT8":
        if int8_model is None:
            raise KitError("--output-type uint8 needs the int8 QDQ model for the output quantization parameters")
        oq = logits_uint8_quant(int8_model)
    if calibration == "image":
        if not images:
            raise KitError("IMAGE calibration needs the images folder")
        cal_path = check_tool_path(images, "--images") + "/"
        cal_text = config_prototxt(cal_path, weights, "IMAGE", entry["input"])
    elif calibration != "binary":
        raise KitError(f"unknown calibration {calibration!r} (binary or image)")

    os.makedirs(work, exist_ok=True)
    # The tools get the model from the kit folder: under its own name when the guide's file-name rule allows it.
    base = os.path.basename(model_path)
    ok = modelcheck.PATH_FILE_RE.match(base) and base.endswith(".onnx") and base != om_name + "_dopt.onnx"
    src = os.path.join(work, base if ok else om_name + "_src.onnx")
    if os.path.abspath(model_path) != src:
        shutil.copyfile(model_path, src)
    written = [os.path.basename(src)]
    if quant:  # a float .om needs no calibration
        if calibration == "binary":
            bin_path = os.path.join(work, "calibration.bin")
            size = write_calibration_bin(bin_path, calib, magic)
            cal_text = config_prototxt(bin_path, weights)
            written.append(f"calibration.bin {calib.shape[0]} images ({size} bytes, magic {magic})")
        with open(os.path.join(work, "config.prototxt"), "w") as f:
            f.write(cal_text)
        written.append("config.prototxt")
    aipp_conf = None
    if plan:
        aipp_conf = f"aipp_{plan['mode']}.cfg"
        with open(os.path.join(work, aipp_conf), "w") as f:
            f.write(aipp.config(plan, entry["input"], io.input))
        written.append(aipp_conf)
    steps = commands(
        src,
        io.input,
        shape,
        io.output,
        work,
        om_name,
        quant,
        aipp_conf,
        in_t,
        out_t,
        ";".join(",".join(map(str, p)) for p in profiles) if profiles else None,
        wdt,
        dopt_shape,
    )
    with open(os.path.join(work, "commands.sh"), "w") as f:
        f.write(commands_sh(steps))
    written.append("commands.sh")
    e = None
    if profiles and len(profiles[0]) == 2:
        # The engine loads batch profiles only (docs/manifest.md "Batch sizes"): an entry would promise what it
        # cannot run.
        log("devicekit: no manifest_entry.json: NpuLens' engine does not run image-size profiles (docs/manifest.md)")
    else:
        batches = [p[0] for p in profiles] if profiles else None
        e = om_entry(entry, om_name + ".om", plan, oq, in_t, out_t, batches)
        with open(os.path.join(work, "manifest_entry.json"), "w") as f:
            json.dump(e, f, indent=2)
            f.write("\n")
        written.append("manifest_entry.json")
    log(f"devicekit: {work}: " + ", ".join(written))
    return e


def _bundled_plan(entry, aipp_arg):
    """--aipp as given, or else the AIPP the manifest declares for the model's om target."""
    if aipp_arg is not None:
        return aipp.parse(aipp_arg, entry["input"])
    om = entry["targets"].get("om", {})
    return aipp.plan_from_manifest(om.get("aipp", entry.get("aipp")), entry["input"])


def _bundled_batches(entry):
    """The batch profiles the manifest declares for the model's om (else onnx) target, as --dynamic-dims text."""
    t = entry["targets"]
    sizes = t.get("om", {}).get("batchSizes") or t.get("onnx", {}).get("batchSizes")
    return ";".join(map(str, sizes)) if sizes and sizes != [1] else None


def bundled(out, count=64, aipp_arg=None, magic=MAGIC_ANY_RANK, log=print):
    import dataset
    import bench

    check_tool_path(out, "--out")
    done = []
    entries = {e["id"]: e for e in mf.entries()}
    calib, _ = dataset.tensors(dataset.DEFAULT_SEED, "train", count, mf.SHAPES_INPUT)
    src = os.path.join(mf.MODELS_DIR, "shapes_fp32.onnx")
    models = [(mid, src, calib) for mid in ("shapes-int8", "shapes-fp32")]
    bench_calib = None
    for key in ("mobilenetv2", "resnet18"):
        path = os.path.join(mf.MODELS_DIR, "bench", f"{key}_fp32.onnx")
        if not os.path.exists(path):
            log(f"devicekit: {path} not generated (scripts/setup.d/20-bench-models.sh); skipped")
            continue
        if bench_calib is None:
            bench_calib = bench.synthetic_images(min(count, 16), 224)
        models += [(f"{key}-{prec}", path, bench_calib) for prec in ("int8", "fp32")]
    for mid, path, cal in models:
        e = entries[mid]
        plan = _bundled_plan(e, aipp_arg)
        prepare_dir(
            os.path.join(out, tool_name(mid)),
            path,
            e,
            cal,
            tool_name(mid),
            plan=plan,
            dynamic_dims=None if plan else _bundled_batches(e),
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
    width, height = ModelIo(model).size()
    spec = {"width": width, "height": height, "mean": [0.0] * 3, "std": [1.0] * 3}
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
    u.add_argument(
        "--input-type",
        choices=["fp32", "fp16", "uint8", "int8", "int32"],
        help="omg --input_type (default: uint8 with AIPP, else the model's type)",
    )
    u.add_argument(
        "--output-type",
        choices=["fp32", "fp16", "uint8", "int8", "int32", "int64"],
        help="omg --output_type (default: the model's type)",
    )
    u.add_argument("--weight-data-type", choices=["fp32", "fp16"], help="omg --weight_data_type (omg's default FP16)")
    u.add_argument("--dynamic-dims", help='omg --dynamic_dims: batch profiles "1;2;4;8" or image sizes "h1,w1;h2,w2"')
    u.add_argument("--input-shape", help="omg --input_shape, [name:]n,c,h,w with -1 where --dynamic-dims varies")
    u.add_argument(
        "--calibration",
        choices=["binary", "image"],
        default="binary",
        help="dopt's input_type: the pre-processed calibration.bin (default) or the --images folder itself",
    )
    u.add_argument(
        "--int8-onnx", help="int8 QDQ model from quantize.py (host target; output quant for --output-type uint8)"
    )
    u.add_argument("--exclude", action="append", default=[], help="weight (or Conv/Gemm node) name; ';' list")
    u.add_argument("--exclude-file", help="weight or node names, one a line, '#' comments (quantize.py's format)")
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
        check_tool_path(a.out, "--out")  # before reading anything
        exclude = [(n, "") for e in a.exclude for n in filter(None, (s.strip() for s in e.split(";")))]
        if a.exclude_file:
            from quantize import read_exclude_file

            exclude += [(n, f" ({a.exclude_file}:{k})") for n, k in read_exclude_file(a.exclude_file)]
        model = onnxutil.load(a.model)
        io = ModelIo(model)
        size = None
        if a.size:
            try:
                size = tuple(int(v) for v in a.size.lower().split("x"))
            except ValueError:
                size = ()
            if len(size) != 2 or min(size) < 1:
                raise KitError(f"--size {a.size}: expected WxH")
        w, h = io.size(*(size or (None, None)))
        if io.input_type not in ("FP32", "FP16") or io.output_type not in ("FP32", "FP16"):
            raise KitError(
                f"the kit converts image classifiers with a float input and output; {a.model} has "
                f"{io.input_type} {io.input} and {io.output_type} {io.output}"
            )
        spec = {
            "name": io.input,
            "width": w,
            "height": h,
            "channels": 3,
            "layout": "NCHW",
            "dtype": MANIFEST_DTYPES[io.input_type],
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
            "output": {
                "name": io.output,
                "classes": io.classes,
                "dtype": MANIFEST_DTYPES[io.output_type],
                "kind": a.kind,
            },
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
            tool_name(a.id),
            exclude,
            plan,
            a.input_type and a.input_type.upper(),
            a.output_type and a.output_type.upper(),
            a.weight_data_type and a.weight_data_type.upper(),
            a.dynamic_dims,
            a.input_shape,
            a.format,
            int8_model,
            a.calibration,
            a.images,
            log,
        )
        return 0
    except (KitError, OSError, ValueError, QuantizeError) as e:
        print(f"error: {e} (devicekit)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
