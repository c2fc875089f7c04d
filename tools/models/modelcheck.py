"""Checks an ONNX model against what the CANN Kit guide says its tools (omg, the offline model generator, and dopt,
the lightweighting/quantization tool) need, before they run: the host counterpart of `omg --mode 3` (预检) and of
Horizon's `hb_mapper checker`. Every finding names the guide's section it comes from; where the guide says nothing
the finding says so instead of inventing a rule.

  /usr/bin/python3 tools/models/modelcheck.py model.onnx [--input-shape "input:-1,3,224,224"] [--dynamic-dims "1;2;4"]
      [--input-type "input:UINT8"] [--output-type "logits:FP16"] [--quantized] [--aipp] [--json F|-]

The flags take omg's own syntax (OMG参数: --input_shape "name:n,c,h,w;name2:...", --dynamic_dims "n1;n2" or
"h1,w1;h2,w2", --input_type/--output_type "name:FP16;name2:UINT8"). --quantized: the model will be quantized by dopt
(its convolutions become QuantizedConvolution). --aipp: the .om gets an AIPP config (--insert_op_conf).

Rules (id: level, the guide's section):
  file            error    unreadable, not a regular file, truncated or not an ONNX model
  onnx-valid      error    the ONNX checker rejects the model (omg --mode 3 checks 模型文件的内容是否合法 too)
  opset           error    default-domain opset outside 7..18 (模型转换示例 > ONNX模型转换)
  onnx-version    warning  IR version above 8, newer than ONNX 1.13.1, the newest the same section names
  domain          error    operators outside the ONNX standard domain
  path            error    a folder of the model's path (as given) with characters other than letters, digits and
                           underscores, or a file name with others than those and dots (OMG参数 说明; 无训练量化 >
                           ONNX模型量化)
  input-shape     error    a dynamic input dim without --input_shape, unknown names, ranks or fixed dims that differ
                           (OMG参数 --input_shape); warning for input names the "name:dims;..." syntax cannot carry
  dynamic-dims    error    -1 without --dynamic_dims or the reverse, a profile whose value count is not the number of
                           -1 dims, more than 16 profiles (OMG参数 --dynamic_dims). Without both flags, a model's
                           metadata hiai.dynamic_dims (its declared profiles) stands for them
  input-type,     error    a type or a model-type -> requested-type pair the guide's tables do not list (OMG参数:
  output-type              非AIPP场景 / AIPP场景设定输入类型支持情况, 设定输出类型支持情况); warning for AIPP-only
                           pairs when --aipp is not given and for model types the tables have no row for
  op-unlisted     warning  an operator the guide's operator guidance does not name: the guide has no ONNX operator
                           list (CANN算子性能指导: 提供的算子功能不存在限制), omg --mode 3 decides
  op-slow         warning  one star in the guide's operator guidance (性能较差 / 仅支持功能); info for two or three
  conv-channels   warning  Cin/Cout not multiples of 16 (Convolution, ConvTranspose) or 32 (QuantizedConvolution)
  softmax-axis    info     Softmax on a 4-D input over an axis other than 1
  quantized-model warning  the model already holds QuantizeLinear/DequantizeLinear: the guide's int8 route is dopt
                           on the float model, then omg --compress_conf (量化模型转换)
  weight-data-type info    omg stores FP32 weights as FP16 unless --weight_data_type FP32, which CPU-run operators
                           (CPUCL) need; a warning when operators outside the guide's guidance may run on the CPU

The ONNX operator -> guide (IR) operator mapping below is ours: the guide's table names IR operators only.
Exit codes: 0 no errors (warnings allowed), 1 errors found or the file unreadable, 2 usage.
"""
import argparse
import json
import os
import re
import stat
import subprocess
import sys
import warnings
from dataclasses import asdict, dataclass, field

import onnx
from google.protobuf.message import DecodeError
from onnx import TensorProto

GUIDE = "CANN Kit guide"
SRC_ONNX = f"{GUIDE}: 模型转换示例 > ONNX模型转换 (ONNX model conversion)"
SRC_OMG = f"{GUIDE}: OMG参数 (OMG parameters)"
SRC_PATH = f"{GUIDE}: OMG参数 说明, 无训练量化 > ONNX模型量化 说明 (paths and file names)"
SRC_TYPES_IN = f"{GUIDE}: OMG参数 --input_type, 非AIPP场景/AIPP场景设定输入类型支持情况 (input type tables)"
SRC_TYPES_OUT = f"{GUIDE}: OMG参数 --output_type, 设定输出类型支持情况 (output type table)"
SRC_PERF = f"{GUIDE}: CANN算子性能指导 (operator performance guidance)"
SRC_QUANT = f"{GUIDE}: 模型转换示例 > 量化模型转换, 无训练量化 (quantized model conversion, training-free quantization)"
SRC_PRECHECK = f"{GUIDE}: OMG参数 --mode 3 (仅做预检: 检查模型文件的内容是否合法)"

OPSET_MIN, OPSET_MAX = 7, 18
# ONNX's own versioning: 1.13.x writes IR version 8, 1.14 writes 9. The guide names the release, not the IR version.
ONNX_IR_MAX = 8
MAX_PROFILES = 16
# NpuLens's model metadata naming the profiles of a dynamic model (omg --dynamic_dims syntax).
DYNAMIC_DIMS_KEY = "hiai.dynamic_dims"
PATH_DIR_RE = re.compile(r"^[A-Za-z0-9_]+$")
PATH_FILE_RE = re.compile(r"^[A-Za-z0-9_.]+$")

TYPE_NAMES = {
    TensorProto.FLOAT: "FP32",
    TensorProto.FLOAT16: "FP16",
    TensorProto.UINT8: "UINT8",
    TensorProto.INT8: "INT8",
    TensorProto.INT32: "INT32",
    TensorProto.INT64: "INT64",
    TensorProto.DOUBLE: "FP64",
    TensorProto.BOOL: "BOOL",
    TensorProto.INT16: "INT16",
    TensorProto.UINT16: "UINT16",
    TensorProto.UINT32: "UINT32",
    TensorProto.UINT64: "UINT64",
    TensorProto.BFLOAT16: "BF16",
    TensorProto.STRING: "STRING",
}
# OMG参数, 非AIPP场景设定输入类型支持情况: original model input -> .om input (--input_type). 当前只支持下表列出的情况.
INPUT_TYPES = {"FP32": {"FP32", "FP16"}, "FP16": {"FP16"}, "UINT8": {"UINT8"}, "INT32": {"INT32"}, "INT8": {"INT8"}}
# AIPP场景设定输入类型支持情况 (with an AIPP config).
INPUT_TYPES_AIPP = {"FP32": {"UINT8"}, "FP16": {"UINT8"}, "UINT8": {"UINT8"}}
# 设定输出类型支持情况: original model output -> .om output (--output_type).
OUTPUT_TYPES = {
    "FP32": {"UINT8", "FP32", "FP16"},
    "FP16": {"UINT8", "FP16", "FP32"},
    "UINT8": {"UINT8"},
    "INT8": {"INT8"},
    "INT32": {"INT32"},
    "INT64": {"INT64"},
}
INPUT_TYPE_VALUES = sorted({t for ts in list(INPUT_TYPES.values()) + list(INPUT_TYPES_AIPP.values()) for t in ts})
OUTPUT_TYPE_VALUES = sorted({t for ts in OUTPUT_TYPES.values() for t in ts})

# The guide's operator performance guidance (CANN算子性能指导), the rows our mapping reaches: IR operator -> (stars,
# the guidance in English; the guide's words in brackets). Five-star rows without a condition are left out of the
# findings but kept here so that "listed" means listed.
GUIDANCE = {
    "Activation": (5, "hardware-optimal (当前性能硬件最优)"),
    "HardSwish": (5, "hardware-optimal"),
    "PRelu": (5, "hardware-optimal"),
    "BNInference": (5, "hardware-optimal; fused away after Conv(depthwise)"),
    "Convolution": (5, "best when Cin and Cout are both multiples of 16 (当Cin和Cout都是16的倍数时性能最优)"),
    "QuantizedConvolution": (5, "best when Cin and Cout are both multiples of 32 (当Cin和Cout都是32的倍数时性能最优)"),
    "ConvTranspose": (5, "best when Cin and Cout are both multiples of 16; kernels 1x1, 2x2, 3x3, 8x8 optimised"),
    "ConvolutionDepthwise": (5, "hardware-optimal"),
    "QuantizedConvolutionDepthwise": (5, "hardware-optimal"),
    "FullyConnection": (5, "bound by DDR bandwidth, not compute: size its weights reasonably"),
    "QuantizedFullyConnection": (5, "bound by DDR bandwidth, not compute: size its weights reasonably"),
    "PoolingD": (5, "hardware-optimal"),
    "Softmax": (5, "best on a 4-D input with axis=1 (4维输入，axis=1，基于C通道做softmax时性能最优)"),
    "TopK": (1, "slow, functional only (为了适配支持ANN场景算子，性能较差，仅支持功能)"),
    "LogSoftmax": (5, "hardware-optimal"),
    "LRN": (3, "slower than batchNorm; FP16 on the NPU is a precision risk (NPU使用FP16计算存在精度风险)"),
    "LayerNorm": (3, "slower than batchNorm; FP16 on the NPU is a precision risk (NPU使用FP16计算存在精度风险)"),
    "InstanceNorm": (3, "slower than batchNorm; FP16 on the NPU is a precision risk (NPU使用FP16计算存在精度风险)"),
    "ReduceMean": (5, "hardware-optimal"),
    "LSTM": (4, "good, narrow functional support (功能支持较窄)"),
    "ScatterNd": (3, "irregular data movement, slow: do not use it much (非规则数据搬移，性能较差)"),
    "LogicalXor": (5, "hardware-optimal"),
    "Add": (5, "hardware-optimal"),
    "Mul": (5, "hardware-optimal"),
    "Sub": (5, "hardware-optimal"),
    "Ceil": (5, "hardware-optimal"),
    "Floor": (5, "hardware-optimal"),
    "Sin": (1, "slow (性能较差)"),
    "Cos": (1, "slow (性能较差)"),
    "Tan": (1, "slow (性能较差)"),
    "LogicalAnd": (5, "hardware-optimal"),
    "LogicalNot": (5, "hardware-optimal"),
    "LogicalOr": (5, "hardware-optimal"),
    "Maximum": (1, "optimised on Kirin 9000 only, elsewhere functional only (其余芯片的手机无性能优化，仅支持功能)"),
    "Minimum": (1, "optimised on Kirin 9000 only, elsewhere functional only (其余芯片的手机无性能优化，仅支持功能)"),
    "Equal": (5, "hardware-optimal"),
    "NotEqual": (5, "hardware-optimal"),
    "Greater": (5, "hardware-optimal"),
    "GreaterEqual": (5, "hardware-optimal"),
    "Less": (5, "hardware-optimal"),
    "LessEqual": (5, "hardware-optimal"),
    "Reciprocal": (5, "hardware-optimal"),
    "Sqrt": (5, "hardware-optimal"),
    "Exp": (5, "hardware-optimal"),
    "Log": (5, "hardware-optimal"),
    "Neg": (5, "hardware-optimal"),
    "Sign": (5, "hardware-optimal"),
    "Acos": (5, "hardware-optimal"),
    "Asin": (5, "hardware-optimal"),
    "Atan": (5, "hardware-optimal"),
    "FloorMod": (5, "hardware-optimal"),
    "CastT": (1, "optimised on Kirin 9000 only, elsewhere functional only (其余芯片的手机无性能优化，仅支持功能)"),
    "MatMul": (5, "hardware-optimal"),
    "RealDiv": (1, "slow: use Mul, or Reciprocal + Mul (性能较差，建议等效成mul或者Reciprocal+mul)"),
    "Round": (1, "optimised on Kirin 9000 only, elsewhere functional only (其余芯片的手机无性能优化，仅支持功能)"),
    "Range": (5, "resolved when the model is built"),
    "ReduceProdD": (1, "optimised on Kirin 9000 only, elsewhere functional only (其余芯片的手机无性能优化，仅支持功能)"),
    "ReduceSum": (5, "hardware-optimal"),
    "ReduceMax": (1, "optimised on Kirin 9000 only, elsewhere functional only (其余芯片的手机无性能优化，仅支持功能)"),
    "ReduceMin": (1, "optimised on Kirin 9000 only, elsewhere functional only (其余芯片的手机无性能优化，仅支持功能)"),
    "Pow": (1, "slow (性能较差)"),
    "ArgMaxExt2": (4, "hardware-optimal"),
    "ClipByValue": (5, "hardware-optimal"),
    "ConcatD": (5, "hardware-optimal; fused away when Cin and Cout are multiples of 16"),
    "Reshape": (5, "hardware-optimal; fused away in some cases"),
    "SplitD": (5, "hardware-optimal; fused away when Cin and Cout are multiples of 16"),
    "SplitV": (1, "out-of-order data rearrangement, slow (由于是乱序的数据重排，性能较差)"),
    "Flatten": (1, "out-of-order data rearrangement, slow (由于是乱序的数据重排，性能较差)"),
    "Slice": (1, "out-of-order data rearrangement, slow (由于是乱序的数据重排，性能较差)"),
    "StridedSlice": (1, "out-of-order data rearrangement, slow (由于是乱序的数据重排，性能较差)"),
    "ExpandDims": (5, "shape inference, resolved when the model is built"),
    "Squeeze": (5, "shape inference, resolved when the model is built"),
    "Shape": (5, "shape inference, resolved when the model is built"),
    "Size": (5, "shape inference, resolved when the model is built"),
    "GatherV2D": (1, "out-of-order data rearrangement, slow (由于是乱序的数据重排，性能较差)"),
    "GatherNd": (1, "out-of-order data rearrangement, slow (由于是乱序的数据重排，性能较差)"),
    "SpaceToDepth": (1, "out-of-order data rearrangement, slow (由于是乱序的数据重排，性能较差)"),
    "DepthToSpace": (2, "out-of-order data rearrangement, slow in most cases (大部分场景性能较差)"),
    "Tile": (1, "out-of-order data rearrangement, slow (由于是乱序的数据重排，性能较差)"),
    "Fill": (1, "out-of-order data rearrangement, slow (由于是乱序的数据重排，性能较差)"),
    "Select": (2, "functional only (仅支持功能)"),
    "Pad": (3, "good for zero padding along H/W, otherwise slow data rearrangement (针对HW方向补0的场景性能较优)"),
    "MirrorPad": (1, "out-of-order data rearrangement, slow (由于乱序的数据重排，性能较差)"),
    "OneHot": (1, "out-of-order data rearrangement, slow (由于乱序的数据重排，性能较差)"),
    "Quantize": (5, "hardware-optimal"),
    "Dequantize": (5, "hardware-optimal"),
    "Permute": (3, "data rearrangement: the hardware does not suit many of them (硬件不适合过多此类操作)"),
    "ResizeBilinear": (5, "hardware-optimal in most cases"),
    "ResizeNearestNeighbor": (5, "hardware-optimal in most cases"),
}
# ONNX op -> the guide's IR operator (ours; Conv, Gemm, Split, Pad and Resize are decided per node in _ir_op).
ONNX_TO_IR = {
    "Relu": "Activation",
    "Sigmoid": "Activation",
    "Tanh": "Activation",
    "LeakyRelu": "Activation",
    "Elu": "Activation",
    "Selu": "Activation",
    "Softplus": "Activation",
    "Softsign": "Activation",
    "HardSigmoid": "Activation",
    "HardSwish": "HardSwish",
    "PRelu": "PRelu",
    "BatchNormalization": "BNInference",
    "ConvTranspose": "ConvTranspose",
    "MatMul": "MatMul",
    "MaxPool": "PoolingD",
    "AveragePool": "PoolingD",
    "GlobalAveragePool": "PoolingD",
    "GlobalMaxPool": "PoolingD",
    "Softmax": "Softmax",
    "LogSoftmax": "LogSoftmax",
    "TopK": "TopK",
    "LRN": "LRN",
    "LayerNormalization": "LayerNorm",
    "InstanceNormalization": "InstanceNorm",
    "ReduceMean": "ReduceMean",
    "ReduceSum": "ReduceSum",
    "ReduceMax": "ReduceMax",
    "ReduceMin": "ReduceMin",
    "ReduceProd": "ReduceProdD",
    "LSTM": "LSTM",
    "ScatterND": "ScatterNd",
    "Xor": "LogicalXor",
    "And": "LogicalAnd",
    "Or": "LogicalOr",
    "Not": "LogicalNot",
    "Add": "Add",
    "Mul": "Mul",
    "Sub": "Sub",
    "Div": "RealDiv",
    "Pow": "Pow",
    "Sin": "Sin",
    "Cos": "Cos",
    "Tan": "Tan",
    "Ceil": "Ceil",
    "Floor": "Floor",
    "Round": "Round",
    "Max": "Maximum",
    "Min": "Minimum",
    "Equal": "Equal",
    "Greater": "Greater",
    "GreaterOrEqual": "GreaterEqual",
    "Less": "Less",
    "LessOrEqual": "LessEqual",
    "Reciprocal": "Reciprocal",
    "Sqrt": "Sqrt",
    "Exp": "Exp",
    "Log": "Log",
    "Neg": "Neg",
    "Sign": "Sign",
    "Acos": "Acos",
    "Asin": "Asin",
    "Atan": "Atan",
    "Mod": "FloorMod",
    "Cast": "CastT",
    "Range": "Range",
    "ArgMax": "ArgMaxExt2",
    "Clip": "ClipByValue",
    "Concat": "ConcatD",
    "Reshape": "Reshape",
    "Flatten": "Flatten",
    "Slice": "StridedSlice",
    "Unsqueeze": "ExpandDims",
    "Squeeze": "Squeeze",
    "Shape": "Shape",
    "Size": "Size",
    "Gather": "GatherV2D",
    "GatherND": "GatherNd",
    "SpaceToDepth": "SpaceToDepth",
    "DepthToSpace": "DepthToSpace",
    "Tile": "Tile",
    "ConstantOfShape": "Fill",
    "Where": "Select",
    "OneHot": "OneHot",
    "QuantizeLinear": "Quantize",
    "DequantizeLinear": "Dequantize",
    "Transpose": "Permute",
}
# Nodes that hold no computation on the device (constants, pass-throughs): not operators to look up.
NO_OP = {"Constant", "Identity", "Dropout"}
QUANTIZED_ONNX = {"QLinearConv", "ConvInteger", "QLinearMatMul", "MatMulInteger"}
EXCERPT = 3


class UsageError(ValueError):
    """A flag value the check cannot parse (exit 2)."""


@dataclass
class Finding:
    level: str  # 'error' | 'warning' | 'info'
    rule: str
    where: str
    message: str
    source: str


@dataclass
class Report:
    path: str
    findings: list = field(default_factory=list)
    model: dict = field(default_factory=dict)

    @property
    def ok(self):
        return not any(f.level == "error" for f in self.findings)

    def count(self, level):
        return sum(1 for f in self.findings if f.level == level)

    def add(self, level, rule, where, message, source):
        self.findings.append(Finding(level, rule, where, message, source))

    def to_dict(self):
        return {
            "path": self.path,
            "ok": self.ok,
            "errors": self.count("error"),
            "warnings": self.count("warning"),
            "infos": self.count("info"),
            "model": self.model,
            "findings": [asdict(f) for f in self.findings],
        }


# ---------------------------------------------------------------- flag values (omg's syntax)


def _split_named(text, flag):
    """'a:x;b:y' -> [('a', 'x'), ('b', 'y')]. The name is everything before the last ':' of an entry."""
    pairs = []
    for entry in str(text).split(";"):
        entry = entry.strip()
        if not entry:
            continue
        name, sep, value = entry.rpartition(":")
        if not sep or not name.strip() or not value.strip():
            raise UsageError(f"{flag}: expected name:value entries separated by ';', got '{entry}'")
        pairs.append((name.strip(), value.strip()))
    if not pairs:
        raise UsageError(f"{flag}: empty")
    return pairs


def parse_input_shape(value):
    """omg's --input_shape 'name:n,c,h,w;name2:...' (or a dict name -> dims) -> {name: [int]} (-1 = varies)."""
    if value is None:
        return None
    items = value.items() if isinstance(value, dict) else _split_named(value, "--input-shape")
    shapes = {}
    for name, dims in items:
        parts = dims.split(",") if isinstance(dims, str) else list(dims)
        out = []
        for d in parts:
            try:
                n = int(str(d).strip())
            except ValueError:
                raise UsageError(f"--input-shape {name}: '{d}' is not an integer") from None
            if n == 0 or n < -1:
                raise UsageError(f"--input-shape {name}: a dim is a positive integer or -1, got {n}")
            out.append(n)
        if name in shapes:
            raise UsageError(f"--input-shape: '{name}' given twice")
        shapes[name] = out
    return shapes


def parse_dynamic_dims(value):
    """omg's --dynamic_dims 'n1;n2' or 'h1,w1;h2,w2' (or a list of ints / lists) -> [[int]]."""
    if value is None:
        return None
    entries = [e for e in str(value).split(";") if e.strip()] if isinstance(value, str) else list(value)
    profiles = []
    for e in entries:
        parts = e.split(",") if isinstance(e, str) else (list(e) if isinstance(e, (list, tuple)) else [e])
        try:
            dims = [int(str(p).strip()) for p in parts]
        except ValueError:
            raise UsageError(f"--dynamic-dims: '{e}' is not a list of integers") from None
        if any(d <= 0 for d in dims):
            raise UsageError(f"--dynamic-dims: dims are positive integers, got '{e}'")
        profiles.append(dims)
    if not profiles:
        raise UsageError("--dynamic-dims: empty")
    return profiles


def parse_types(value, flag, allowed):
    """omg's --input_type/--output_type 'name:FP16;name2:UINT8' (or a dict) -> {name: TYPE}."""
    if value is None:
        return None
    items = value.items() if isinstance(value, dict) else _split_named(value, flag)
    types = {}
    for name, t in items:
        t = str(t).strip().upper()
        if t not in allowed:
            raise UsageError(f"{flag} {name}: '{t}' is not one of {', '.join(allowed)} (the guide's tables)")
        types[name] = t
    return types


# ---------------------------------------------------------------- reading the model


def _load(path, report):
    """The ModelProto (weights' external data not read), or None with a `file` error."""
    try:
        st = os.stat(path)
    except OSError as e:
        report.add("error", "file", path, f"cannot read the model: {e.strerror}", SRC_ONNX)
        return None
    if not stat.S_ISREG(st.st_mode):
        report.add("error", "file", path, "not a regular file (omg reads an ONNX model file)", SRC_ONNX)
        return None
    if st.st_size == 0:
        report.add("error", "file", path, "empty file, not an ONNX model", SRC_ONNX)
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # protobuf's "Unexpected end-group tag" on foreign bytes: the error says it
            model = onnx.load(path, load_external_data=False)
    except (DecodeError, ValueError, RuntimeError, OSError) as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        report.add("error", "file", path, f"not an ONNX model or truncated ({first})", SRC_ONNX)
        return None
    if not model.HasField("graph") or not model.opset_import or not model.graph.node:
        report.add("error", "file", path, "not an ONNX model (no graph, opset or nodes)", SRC_ONNX)
        return None
    return model


def _dims(value_info):
    """[int | None] per dim (None: symbolic or unknown), or None when the rank is unknown."""
    t = value_info.type.tensor_type
    if not t.HasField("shape"):
        return None
    return [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None for d in t.shape.dim]


def _type_name(value_info):
    elem = value_info.type.tensor_type.elem_type
    return TYPE_NAMES.get(elem, f"type {elem}")


def _fmt_dims(dims):
    if dims is None:
        return "[?]"
    return "[" + ",".join("?" if d is None else str(d) for d in dims) + "]"


def _excerpt(names):
    shown = ", ".join(names[:EXCERPT])
    return shown + (f" +{len(names) - EXCERPT} more" if len(names) > EXCERPT else "")


def _node_name(node, index):
    return node.name or f"#{index} {node.op_type}"


# ---------------------------------------------------------------- rules


def _check_path(path, report):
    """The path as it is given, which is what omg and dopt get when it is passed to them the same way (a relative path
    from the same folder); '.' and '..' are steps, not folder names."""
    folder, name = os.path.split(path)
    for part in [p for p in folder.split(os.sep) if p not in ("", ".", "..")]:
        if not PATH_DIR_RE.match(part):
            bad = next(c for c in part if not re.match(r"[A-Za-z0-9_]", c))
            report.add(
                "error",
                "path",
                path,
                f"folder '{part}' has '{bad}': omg and dopt take paths of letters, digits and underscores only "
                "(move or link the model to such a folder)",
                SRC_PATH,
            )
            break
    if name and not PATH_FILE_RE.match(name):
        bad = next(c for c in name if not re.match(r"[A-Za-z0-9_.]", c))
        report.add(
            "error",
            "path",
            path,
            f"file name '{name}' has '{bad}': file names take letters, digits, underscores and dots only",
            SRC_PATH,
        )


def _check_versions(model, report):
    default = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")]
    if not default:
        report.add("error", "opset", "opset_import", "no ONNX (default domain) opset", SRC_ONNX)
    elif not OPSET_MIN <= default[0] <= OPSET_MAX:
        report.add(
            "error",
            "opset",
            "opset_import",
            f"ONNX opset {default[0]}: omg supports opsets {OPSET_MIN}-{OPSET_MAX} (当前支持ONNX opset版本7~18) - "
            f"re-export the model with an opset in that range",
            SRC_ONNX,
        )
    if model.ir_version > ONNX_IR_MAX:
        report.add(
            "warning",
            "onnx-version",
            "ir_version",
            f"IR version {model.ir_version} is newer than ONNX 1.13.1 writes ({ONNX_IR_MAX}); the guide names ONNX up "
            "to V1.13.1 (最高支持到V1.13.1). The IR version of each ONNX release is ONNX's versioning, not the guide's",
            SRC_ONNX,
        )


def _check_valid(path, model, report):
    newer = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")]
    if model.ir_version > onnx.IR_VERSION or (newer and newer[0] > onnx.defs.onnx_opset_version()):
        # This onnx package cannot judge a newer model; the version rules below still apply.
        report.add(
            "info",
            "onnx-valid",
            "model",
            f"the ONNX checker was not run: this onnx {onnx.__version__} knows IR version {onnx.IR_VERSION} and opsets "
            f"up to {onnx.defs.onnx_opset_version()}; omg --mode 3 checks the model's content",
            SRC_PRECHECK,
        )
        return
    try:
        onnx.checker.check_model(path)  # by path: external weight files are looked up beside the model
    except onnx.checker.ValidationError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else "invalid"
        report.add("error", "onnx-valid", "model", f"the ONNX checker rejects the model: {first}", SRC_PRECHECK)


def _graph_inputs(model):
    weights = {t.name for t in model.graph.initializer}
    return [i for i in model.graph.input if i.name not in weights]


def _check_shapes(inputs, input_shape, dynamic_dims, report):
    by_name = {i.name: i for i in inputs}
    src = f"{SRC_OMG} --input_shape"
    for name in input_shape or {}:
        if name not in by_name:
            report.add(
                "error",
                "input-shape",
                name,
                f"--input_shape names '{name}', which is not an input of the model (inputs: "
                f"{', '.join(by_name) or 'none'}; input_name必须是...input算子的name)",
                src,
            )
    varying = 0
    for inp in inputs:
        dims = _dims(inp)
        if any(c in inp.name for c in ":;,") or inp.name != inp.name.strip():
            report.add(
                "warning",
                "input-shape",
                inp.name,
                "this input name holds ':', ';', ',' or outer spaces, which omg's 'name:n,c,h,w;name2:...' syntax "
                "(--input_shape, --input_type) cannot carry unambiguously: rename the input",
                src,
            )
        given = (input_shape or {}).get(inp.name)
        if given is None:
            if dims is None or None in dims:
                which = "its rank is unknown" if dims is None else f"dims {_fmt_dims(dims)} are not all fixed"
                report.add(
                    "error",
                    "input-shape",
                    inp.name,
                    f"{which}: omg needs --input_shape for a dynamic ONNX input (当原始模型是ONNX，并且ONNX模型输入维度为"
                    f"动态时，此参数必须指定) - give fixed dims, or -1 for the varying ones with --dynamic_dims",
                    src,
                )
            continue
        varying += given.count(-1)
        if dims is not None and len(dims) != len(given):
            report.add(
                "error",
                "input-shape",
                inp.name,
                f"--input_shape gives {len(given)} dims, the model's input has {len(dims)} {_fmt_dims(dims)}",
                src,
            )
            continue
        for axis, (d, g) in enumerate(zip(dims or [], given)):
            if d is not None and g != -1 and g != d:
                report.add(
                    "error",
                    "input-shape",
                    inp.name,
                    f"dim {axis} is {g} in --input_shape but {d} in the model {_fmt_dims(dims)}: the dims must match "
                    "the model's input (需与网络模型中指定的输入节点所需形状保持一致)",
                    src,
                )
    _check_profiles(varying, dynamic_dims, report)


def _declared_profiles(model, inputs, report):
    """(input_shape, dynamic_dims) from the model's metadata hiai.dynamic_dims (NpuLens's declaration of the profiles
    a dynamic model is converted with, in omg's --dynamic_dims syntax; the host runtime reads it too), with -1 for
    each input's symbolic dims; (None, None) without it. Used when no --input_shape/--dynamic_dims is given."""
    declared = {p.key: p.value for p in model.metadata_props}.get(DYNAMIC_DIMS_KEY)
    if declared is None:
        return None, None
    try:
        profiles = parse_dynamic_dims(declared)
    except UsageError as e:
        report.add(
            "error",
            "dynamic-dims",
            f"metadata {DYNAMIC_DIMS_KEY}",
            f"'{declared}' is not omg's --dynamic_dims syntax: {e}",
            f"{SRC_OMG} --dynamic_dims",
        )
        return None, None
    shapes = {}
    for inp in inputs:
        dims = _dims(inp)
        if dims is not None and None in dims:
            shapes[inp.name] = [-1 if d is None else d for d in dims]
    if not shapes:
        return None, profiles  # nothing varies: _check_profiles says so
    shape_arg = ";".join(f"{n}:{','.join(map(str, d))}" for n, d in shapes.items())
    report.add(
        "info",
        "dynamic-dims",
        f"metadata {DYNAMIC_DIMS_KEY}",
        f"no --input_shape/--dynamic_dims given: checked with the profiles the model declares, which omg gets as "
        f'--input_shape "{shape_arg}" --dynamic_dims "{declared}"',
        f"{SRC_OMG} --input_shape, --dynamic_dims",
    )
    return shapes, profiles


def _check_profiles(varying, dynamic_dims, report):
    src = f"{SRC_OMG} --dynamic_dims"
    if varying and dynamic_dims is None:
        report.add(
            "error",
            "dynamic-dims",
            "--input_shape",
            f"--input_shape has {varying} dim(s) of -1: omg needs --dynamic_dims with them "
            "(当input_shape参数为-1时，必须和--dynamic_dims参数联合使用)",
            src,
        )
        return
    if dynamic_dims is None:
        return
    if not varying:
        report.add(
            "error",
            "dynamic-dims",
            "--dynamic_dims",
            "--dynamic_dims is given but no dim of --input_shape is -1 (the dims that vary are written -1 in "
            "--input_shape: 在input_shape参数中可以变化的dim使用-1代替)",
            src,
        )
        return
    for k, profile in enumerate(dynamic_dims):
        if len(profile) != varying:
            report.add(
                "error",
                "dynamic-dims",
                "--dynamic_dims",
                f"profile {k + 1} ({','.join(map(str, profile))}) has {len(profile)} value(s); each profile gives one "
                f"value per -1 of --input_shape ({varying})",
                src,
            )
    if len(dynamic_dims) > MAX_PROFILES:
        report.add(
            "error",
            "dynamic-dims",
            "--dynamic_dims",
            f"{len(dynamic_dims)} profiles: omg supports at most {MAX_PROFILES} shapes (支持可以变化的shape种类最多16种)",
            src,
        )
    if all(len(p) == varying for p in dynamic_dims) and len(dynamic_dims) <= MAX_PROFILES:
        report.add(
            "info",
            "dynamic-dims",
            "--dynamic_dims",
            f"{len(dynamic_dims)} profile(s) for the {varying} dim(s) written -1: "
            + "; ".join(",".join(map(str, p)) for p in dynamic_dims),
            src,
        )
    seen = set()
    for profile in dynamic_dims:
        if tuple(profile) in seen:
            report.add(
                "warning",
                "dynamic-dims",
                "--dynamic_dims",
                f"profile {','.join(map(str, profile))} is given twice (the guide says nothing about repeats; "
                "it only spends one of the 16)",
                src,
            )
        seen.add(tuple(profile))


def _check_types(values, requested, tables, aipp, kind, report):
    """values: the model's inputs or outputs; requested: {name: TYPE} or None; tables: (plain, with AIPP or None)."""
    plain, with_aipp = tables
    src = SRC_TYPES_IN if kind == "input" else SRC_TYPES_OUT
    rule = f"{kind}-type"
    flag = f"--{kind}_type"
    by_name = {v.name: v for v in values}
    for name in requested or {}:
        if name not in by_name:
            report.add(
                "error",
                rule,
                name,
                f"{flag} names '{name}', which is not an {kind} of the model ({', '.join(by_name) or 'none'})",
                src,
            )
    for v in values:
        model_type = _type_name(v)
        want = (requested or {}).get(v.name)
        if want is None:
            # omg's default for both flags is FP32.
            if model_type not in plain and model_type not in (with_aipp or {}):
                report.add(
                    "warning",
                    rule,
                    v.name,
                    f"the model's {kind} is {model_type}, a type the guide's tables have no row for " "(当前只支持下表列出的情况)",
                    src,
                )
            elif "FP32" not in plain.get(model_type, set()):
                report.add(
                    "warning",
                    rule,
                    v.name,
                    f"the model's {kind} is {model_type} and {flag} defaults to FP32, a pair the guide's table does "
                    f"not list: pass {flag} {v.name}:{sorted(plain.get(model_type, {model_type}))[0]}",
                    src,
                )
            continue
        if want in plain.get(model_type, set()):
            continue
        if with_aipp is not None and want in with_aipp.get(model_type, set()):
            if aipp is True:
                continue
            level = "error" if aipp is False else "warning"
            report.add(
                level,
                rule,
                v.name,
                f"{model_type} -> {want} is listed only with AIPP (AIPP场景设定输入类型支持情况): convert with an AIPP "
                "config (--insert_op_conf)" + ("" if aipp is False else "; pass --aipp when you do"),
                src,
            )
            continue
        report.add(
            "error",
            rule,
            v.name,
            f"{model_type} -> {want}: the guide's table does not list this pair (当前只支持下表列出的情况); "
            f"{model_type} takes {', '.join(sorted(plain.get(model_type, set()))) or 'no type'}",
            src,
        )


def _initializer_shapes(model):
    return {t.name: list(t.dims) for t in model.graph.initializer}


def _weight_shape(name, producers, inits):
    """The shape of a weight: an initializer, or one behind a DequantizeLinear (QDQ)."""
    if name in inits:
        return inits[name]
    node = producers.get(name)
    if node is not None and node.op_type == "DequantizeLinear" and node.input[0] in inits:
        return inits[node.input[0]]
    return None


def _is_quantized_input(node, producers):
    return any(producers.get(i) is not None and producers[i].op_type == "DequantizeLinear" for i in node.input[:1])


_ATTR_TYPES = {
    int: onnx.AttributeProto.INT,
    str: onnx.AttributeProto.STRING,
    list: onnx.AttributeProto.INTS,
}


def _attr(node, name, kind, default):
    """The attribute's value when it has the type `kind` (int, str or list of ints), else `default`: a mistyped
    attribute is the ONNX checker's finding (onnx-valid), the rules here read only well-typed ones."""
    for a in node.attribute:
        if a.name == name and a.type == _ATTR_TYPES[kind]:
            value = onnx.helper.get_attribute_value(a)
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return default


def _ir_op(node, quantized, producers, inits):
    """The guide's IR operator this ONNX node becomes (our mapping), or None."""
    op = node.op_type
    if op == "Conv":
        w = _weight_shape(node.input[1], producers, inits) if len(node.input) > 1 else None
        group = _attr(node, "group", int, 1)
        depthwise = w is not None and len(w) >= 2 and group > 1 and w[1] == 1
        base = "ConvolutionDepthwise" if depthwise else "Convolution"
        return ("Quantized" + base) if quantized else base
    if op == "Gemm":
        return "QuantizedFullyConnection" if quantized else "FullyConnection"
    if op == "Split":
        sizes = _attr(node, "split", list, None)
        if sizes is None and len(node.input) > 1 and node.input[1] in inits:
            return "SplitV"  # sizes given as a tensor: assume unequal (the guide's SplitV)
        return "SplitV" if sizes is not None and len(set(sizes)) > 1 else "SplitD"
    if op == "Pad":
        return "MirrorPad" if _attr(node, "mode", str, "constant") == "reflect" else "Pad"
    if op in ("Resize", "Upsample"):
        mode = _attr(node, "mode", str, "nearest")
        return "ResizeBilinear" if mode == "linear" else "ResizeNearestNeighbor"
    return ONNX_TO_IR.get(op)


def _check_ops(model, quantize_all, ranks, report):
    """op-unlisted, op-slow, conv-channels, softmax-axis, domain. Returns the op types the guidance does not name."""
    producers = {o: n for n in model.graph.node for o in n.output}
    inits = _initializer_shapes(model)
    unlisted, slow, foreign = {}, {}, {}
    for index, node in enumerate(model.graph.node):
        name = _node_name(node, index)
        if node.domain not in ("", "ai.onnx"):
            foreign.setdefault(f"{node.domain}::{node.op_type}", []).append(name)
            continue
        if node.op_type in NO_OP:
            continue
        quantized = (
            node.op_type in ("Conv", "Gemm") and (quantize_all or _is_quantized_input(node, producers))
        ) or node.op_type in QUANTIZED_ONNX
        ir = _ir_op(node, quantized, producers, inits)
        if ir is None:
            unlisted.setdefault(node.op_type, []).append(name)
            continue
        stars = GUIDANCE[ir][0]
        if stars <= 3:
            slow.setdefault((node.op_type, ir), []).append(name)
        if ir in ("Convolution", "QuantizedConvolution", "ConvTranspose"):
            _check_channels(node, name, ir, producers, inits, report)
        if ir == "Softmax":
            rank = ranks.get(node.input[0]) if node.input else None
            axis = _attr(node, "axis", int, -1 if model.opset_import and _default_opset(model) >= 13 else 1)
            if rank == 4 and axis % 4 != 1:
                report.add(
                    "info",
                    "softmax-axis",
                    name,
                    f"Softmax over axis {axis} of a 4-D input: the guide's best case is axis=1 (the C channel)",
                    f"{SRC_PERF}, NN算子: Softmax",
                )
    for key, names in sorted(foreign.items()):
        report.add(
            "error",
            "domain",
            _excerpt(names),
            f"{key} ({len(names)} node(s)) is not an operator of the ONNX standard domain; omg converts ONNX opsets "
            f"{OPSET_MIN}-{OPSET_MAX}",
            SRC_ONNX,
        )
    for op, names in sorted(unlisted.items()):
        report.add(
            "warning",
            "op-unlisted",
            _excerpt(names),
            f"{op} ({len(names)} node(s)) maps to no operator the guide's performance guidance names. The guide has no "
            "ONNX operator list (it says operator functions are not restricted: 提供的算子功能不存在限制): "
            "omg --mode 3 (--check_report) tells whether it converts",
            SRC_PERF,
        )
    for (op, ir), names in sorted(slow.items()):
        stars, text = GUIDANCE[ir]
        report.add(
            "warning" if stars == 1 else "info",
            "op-slow",
            _excerpt(names),
            f"{op} ({len(names)} node(s), the guide's {ir}): {text}; rated {'☆' * stars} of ☆☆☆☆☆",
            f"{SRC_PERF}: {ir}",
        )
    return set(unlisted)


def _default_opset(model):
    versions = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")]
    return versions[0] if versions else 0


def _check_channels(node, name, ir, producers, inits, report):
    w = _weight_shape(node.input[1], producers, inits) if len(node.input) > 1 else None
    if w is None or len(w) < 3:
        report.add(
            "info",
            "conv-channels",
            name,
            "its weight is not a constant: the channel counts cannot be read here"
            if w is None
            else f"its weight has shape {list(w)}, not [C, C, k...]: the channel counts cannot be read here",
            f"{SRC_PERF}: {ir}",
        )
        return
    group = _attr(node, "group", int, 1)
    # Conv weights are [Cout, Cin/group, k...]; ConvTranspose weights [Cin, Cout/group, k...].
    cin, cout = (w[1] * group, w[0]) if node.op_type == "Conv" else (w[0], w[1] * group)
    multiple = 32 if ir == "QuantizedConvolution" else 16
    off = [f"{label} {n}" for label, n in (("Cin", cin), ("Cout", cout)) if n % multiple]
    if off:
        report.add(
            "warning",
            "conv-channels",
            name,
            f"{', '.join(off)} {'is' if len(off) == 1 else 'are'} not a multiple of {multiple}: {GUIDANCE[ir][1]}",
            f"{SRC_PERF}, NN算子: {ir}",
        )
    if ir == "ConvTranspose":
        kernel = tuple(w[2:])
        if kernel and not (len(set(kernel)) == 1 and kernel[0] in (1, 2, 3, 8)):
            report.add(
                "info",
                "conv-channels",
                name,
                f"kernel {'x'.join(map(str, kernel))}: the guide's optimised ConvTranspose kernels are 1x1, 2x2, 3x3 "
                "and 8x8",
                f"{SRC_PERF}, NN算子: ConvTranspose",
            )


# Run in a child process: onnx's shape inference can crash the process (a segmentation fault, seen with onnx 1.12
# on fuzzed models that the checker passes), and a crash there must not take the check with it.
_INFER = """
import json, sys
import onnx
model = onnx.shape_inference.infer_shapes(onnx.load(sys.argv[1], load_external_data=False))
values = list(model.graph.value_info) + list(model.graph.input) + list(model.graph.output)
ranks = {v.name: len(v.type.tensor_type.shape.dim) for v in values if v.type.tensor_type.HasField("shape")}
json.dump(ranks, sys.stdout)
"""


def _inferred_ranks(path, model):
    """name -> rank of every tensor whose shape ONNX shape inference knows, for the Softmax rule (empty when the
    model has no Softmax or inference fails)."""
    if not any(n.op_type == "Softmax" for n in model.graph.node):
        return {}
    try:
        done = subprocess.run(
            [sys.executable, "-c", _INFER, path], capture_output=True, text=True, timeout=120, check=False
        )
        return json.loads(done.stdout) if done.returncode == 0 else {}
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return {}


def _check_quantized(model, quantize_all, report):
    qdq = sum(1 for n in model.graph.node if n.op_type in ("QuantizeLinear", "DequantizeLinear"))
    qops = sum(1 for n in model.graph.node if n.op_type in QUANTIZED_ONNX)
    if qdq or qops:
        report.add(
            "warning",
            "quantized-model",
            "model",
            f"the model is already quantized ({qdq} QuantizeLinear/DequantizeLinear, {qops} integer operators): the "
            "guide's int8 route is dopt (无训练量化) on the float model, whose param file omg takes with "
            "--compress_conf; it does not describe omg converting a quantized ONNX model. Give dopt the fp32 model",
            SRC_QUANT,
        )
        if quantize_all:
            report.add(
                "info", "quantized-model", "model", "--quantized has no further effect on a quantized model", SRC_QUANT
            )


def _check_weights(model, unlisted, report):
    fp32 = sum(1 for t in model.graph.initializer if t.data_type == TensorProto.FLOAT and len(t.dims) >= 2)
    if not fp32:
        return
    level = "warning" if unlisted else "info"
    extra = (
        f" Operators the guide's guidance does not name ({', '.join(sorted(unlisted))}) may be the ones that run on "
        "the CPU: convert with --weight_data_type FP32 if they do."
        if unlisted
        else ""
    )
    report.add(
        level,
        "weight-data-type",
        "model",
        f"{fp32} FP32 weight tensor(s): omg stores them as FP16 unless --weight_data_type FP32, and operators that run "
        "on the CPU (CPUCL, e.g. under HETER tuning or without an NPU) cannot compute with FP16 weights "
        "(由于CPUCL不支持FP16的权重进行计算，如果模型需要兼容CPU计算库，需要指定该参数为FP32). The guide does not say "
        "which operators run on the CPU." + extra,
        f"{SRC_OMG} --weight_data_type",
    )


def _summary(model, inputs):
    ops = {}
    for n in model.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    return {
        "irVersion": model.ir_version,
        "opsets": {(o.domain or "ai.onnx"): o.version for o in model.opset_import},
        "inputs": [{"name": i.name, "shape": _dims(i), "type": _type_name(i)} for i in inputs],
        "outputs": [{"name": o.name, "shape": _dims(o), "type": _type_name(o)} for o in model.graph.output],
        "nodes": len(model.graph.node),
        "ops": ops,
    }


def check(
    path,
    *,
    input_shape=None,
    dynamic_dims=None,
    input_types=None,
    output_types=None,
    quantized=False,
    aipp=None,
):
    """Checks the ONNX model at `path` for omg/dopt. input_shape / dynamic_dims / input_types / output_types take
    omg's syntax (strings) or parsed forms ({name: [dims]}, [[dims]], {name: 'FP16'}); quantized: dopt will quantize
    it; aipp: True/False when the .om gets/does not get an AIPP config, None when unknown. Returns a Report (its `ok`
    is False when a finding is an error). Raises UsageError for a flag value it cannot parse."""
    path = os.fspath(path)
    shapes = parse_input_shape(input_shape)
    profiles = parse_dynamic_dims(dynamic_dims)
    in_types = parse_types(input_types, "--input-type", INPUT_TYPE_VALUES)
    out_types = parse_types(output_types, "--output-type", OUTPUT_TYPE_VALUES)
    report = Report(path=path)
    _check_path(path, report)
    model = _load(path, report)
    if model is None:
        return report
    inputs = _graph_inputs(model)
    report.model = _summary(model, inputs)
    _check_valid(path, model, report)
    _check_versions(model, report)
    if shapes is None and profiles is None:
        shapes, profiles = _declared_profiles(model, inputs, report)
    _check_shapes(inputs, shapes, profiles, report)
    _check_types(inputs, in_types, (INPUT_TYPES, INPUT_TYPES_AIPP), aipp, "input", report)
    _check_types(list(model.graph.output), out_types, (OUTPUT_TYPES, None), aipp, "output", report)
    unlisted = _check_ops(model, quantized, _inferred_ranks(path, model), report)
    _check_quantized(model, quantized, report)
    _check_weights(model, unlisted, report)
    order = {"error": 0, "warning": 1, "info": 2}
    report.findings.sort(key=lambda f: order[f.level])
    return report


# ---------------------------------------------------------------- CLI


def write_json(path, doc):
    """Writes `doc` to `path`, opened without blocking first: a FIFO nobody reads fails (ENXIO) instead of hanging;
    a FIFO or device with a reader (/dev/stdout) is then written with blocking writes."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOCTTY
    fd = os.open(path, flags | os.O_NONBLOCK, 0o666)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            blocking = os.open(path, os.O_WRONLY | os.O_NOCTTY)
            os.close(fd)
            fd = blocking
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            fd = None
            f.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    finally:
        if fd is not None:
            os.close(fd)


def format_report(report):
    lines = []
    m = report.model
    if m:
        ios = "; ".join(f"{i['name']} {_fmt_dims(i['shape'])} {i['type']}" for i in m["inputs"])
        outs = "; ".join(f"{o['name']} {_fmt_dims(o['shape'])} {o['type']}" for o in m["outputs"])
        opsets = ", ".join(f"{d} {v}" for d, v in m["opsets"].items())
        lines.append(f"{report.path}: ONNX IR {m['irVersion']}, opset {opsets}, {m['nodes']} nodes")
        lines.append(f"  inputs: {ios}")
        lines.append(f"  outputs: {outs}")
    for f in report.findings:
        lines.append(f"{f.level}: [{f.rule}] {f.where}: {f.message}")
        lines.append(f"    source: {f.source}")
    verdict = "ok" if report.ok else "NOT ready for omg"
    lines.append(
        f"{verdict}: {report.count('error')} error(s), {report.count('warning')} warning(s), "
        f"{report.count('info')} note(s)"
    )
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="modelcheck.py",
        description="Check an ONNX model against the CANN Kit guide's rules for omg/dopt before converting it.",
    )
    ap.add_argument("model", help="the ONNX model")
    ap.add_argument("--input-shape", help="omg's --input_shape: 'name:n,c,h,w[;name2:...]', -1 = varies")
    ap.add_argument("--dynamic-dims", help="omg's --dynamic_dims: 'n1;n2;n3' (batch) or 'h1,w1;h2,w2'")
    ap.add_argument("--input-type", help=f"omg's --input_type: 'name:TYPE[;...]', TYPE {'|'.join(INPUT_TYPE_VALUES)}")
    ap.add_argument("--output-type", help=f"omg's --output_type: 'name:TYPE[;...]', {'|'.join(OUTPUT_TYPE_VALUES)}")
    ap.add_argument("--quantized", action="store_true", help="the model will be quantized by dopt (int8)")
    ap.add_argument("--aipp", action="store_true", help="the .om gets an AIPP config (--insert_op_conf)")
    ap.add_argument("--json", metavar="FILE", help="write the report as JSON to FILE (- = stdout, instead of text)")
    args = ap.parse_args(argv)
    try:
        report = check(
            args.model,
            input_shape=args.input_shape,
            dynamic_dims=args.dynamic_dims,
            input_types=args.input_type,
            output_types=args.output_type,
            quantized=args.quantized,
            aipp=True if args.aipp else None,
        )
    except UsageError as e:
        # The error line first, then the usage: as the npulens CLI that runs this prints its usage errors.
        print(f"error: {e}", file=sys.stderr)
        ap.print_usage(sys.stderr)
        return 2
    if args.json == "-":
        sys.stdout.write(json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(format_report(report))
        if args.json:
            try:
                write_json(args.json, report.to_dict())
            except OSError as e:
                print(f"error: cannot write JSON: {e.strerror} ({args.json})", file=sys.stderr)
                return 1
    if not report.ok:
        errors = [f for f in report.findings if f.level == "error"]
        print(f"error: {errors[0].message} ({errors[0].where})", file=sys.stderr)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
