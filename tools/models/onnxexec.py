"""A small numpy executor for the ONNX op set the NpuLens host runtime supports (plus BatchNormalization, which
quantize.py folds away). Used for calibration, accuracy measurement and golden outputs; independent of the
C++ host runtime and of onnxruntime, so the three can check each other.

The batch dimension is free: a model declared with batch 1 runs on (N, ...) inputs, Reshape targets whose
first entry is 1 follow the batch. QuantizeLinear rounds half to even and saturates, as ONNX specifies.
"""
import numpy as np
from onnx import numpy_helper

SUPPORTED_OPS = (
    "Conv",
    "Gemm",
    "MatMul",
    "Add",
    "Mul",
    "Relu",
    "Clip",
    "HardSwish",
    "Sigmoid",
    "MaxPool",
    "AveragePool",
    "GlobalAveragePool",
    "Concat",
    "Reshape",
    "Flatten",
    "Softmax",
    "QuantizeLinear",
    "DequantizeLinear",
    "Identity",
)
# Beyond the host runtime's set: BatchNormalization (quantize.py folds it into a Conv where it can) and what the
# broad benchmark set (benchset.py) needs for calibration whether or not the host runtime runs it yet.
_EXTRA_OPS = ("BatchNormalization", "HardSigmoid", "Transpose", "Split")
EXECUTABLE_OPS = SUPPORTED_OPS + _EXTRA_OPS


class OnnxExecError(Exception):
    pass


def _attrs(node):
    from onnx import helper

    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def _pad_spatial(x, pads, value=0.0):
    k = len(pads) // 2
    if not any(pads):
        return x
    widths = [(0, 0)] * (x.ndim - k) + [(pads[i], pads[i + k]) for i in range(k)]
    return np.pad(x, widths, constant_values=value)


def _windows(x, kh, kw, sh, sw):
    v = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))
    return v[:, :, ::sh, ::sw]


def _auto_pads(attrs, in_hw, kernel, strides):
    ap = attrs.get("auto_pad", b"NOTSET")
    ap = ap.decode() if isinstance(ap, bytes) else ap
    if ap in ("NOTSET", ""):
        return list(attrs.get("pads", [0] * 2 * len(kernel)))
    if ap == "VALID":
        return [0] * 2 * len(kernel)
    begin, end = [], []
    for n, k, s in zip(in_hw, kernel, strides):
        out = -(-n // s)
        total = max(0, (out - 1) * s + k - n)
        small, big = total // 2, total - total // 2
        begin.append(big if ap == "SAME_LOWER" else small)
        end.append(small if ap == "SAME_LOWER" else big)
    return begin + end


def conv2d(x, w, b, strides, pads, group):
    n, c, _, _ = x.shape
    o, cg, kh, kw = w.shape
    sh, sw = strides
    xp = _pad_spatial(x, pads)
    if group == 1:
        if kh == kw == 1:
            xs = xp[:, :, ::sh, ::sw]
            y = np.einsum("oc,nchw->nohw", w[:, :, 0, 0], xs, optimize=True)
        else:
            win = _windows(xp, kh, kw, sh, sw)  # n c ho wo kh kw
            ho, wo = win.shape[2], win.shape[3]
            cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, c * kh * kw)
            y = (cols @ w.reshape(o, -1).T).reshape(n, ho, wo, o).transpose(0, 3, 1, 2)
    elif group == c and cg == 1 and o == c:
        ho = (xp.shape[2] - kh) // sh + 1
        wo = (xp.shape[3] - kw) // sw + 1
        y = np.zeros((n, o, ho, wo), dtype=np.float32)
        for i in range(kh):
            for j in range(kw):
                y += (
                    xp[:, :, i : i + (ho - 1) * sh + 1 : sh, j : j + (wo - 1) * sw + 1 : sw]
                    * w[None, :, 0, i, j, None, None]
                )
    else:
        og = o // group
        y = np.concatenate(
            [
                conv2d(x[:, g * cg : (g + 1) * cg], w[g * og : (g + 1) * og], None, strides, pads, 1)
                for g in range(group)
            ],
            axis=1,
        )
    if b is not None:
        y = y + b.reshape(1, -1, 1, 1)
    return np.ascontiguousarray(y, dtype=np.float32)


def _broadcast_params(scale, zp, ndim, axis):
    """Scale and zero point as arrays that broadcast against a tensor of rank ndim (per-axis when 1-D)."""
    scale = np.asarray(scale, dtype=np.float32)
    zp = np.asarray(zp)
    if scale.ndim == 1 and ndim > 1:
        shape = [1] * ndim
        shape[axis] = -1
        return scale.reshape(shape), zp.reshape(shape)
    return scale, zp


def quantize(x, scale, zp, axis=1):
    info = np.iinfo(np.asarray(zp).dtype)
    scale, zp = _broadcast_params(scale, zp, x.ndim, axis)
    q = np.rint(x / scale) + zp.astype(np.float32)
    return np.clip(q, info.min, info.max).astype(zp.dtype)


def dequantize(q, scale, zp, axis=1):
    scale, zp = _broadcast_params(scale, zp, q.ndim, axis)
    return ((q.astype(np.int64) - zp.astype(np.int64)).astype(np.float32) * scale).astype(np.float32)


class Executor:
    def __init__(self, model):
        g = model.graph
        self.model = model
        self.inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
        self.nodes = list(g.node)
        for nd in self.nodes:
            if nd.op_type not in EXECUTABLE_OPS:
                raise OnnxExecError(f"unsupported op {nd.op_type} (node {nd.name or nd.output[0]})")
        self.inputs = [i.name for i in g.input if i.name not in self.inits]
        self.outputs = [o.name for o in g.output]

    def run(self, feeds, keep=None):
        """feeds: {input name: array}. Returns the graph outputs, or every tensor when keep == 'all'."""
        env = dict(self.inits)
        env.update({k: np.asarray(v) for k, v in feeds.items()})
        for nd in self.nodes:
            try:
                outs = self._op(nd, [env[i] if i else None for i in nd.input])
            except KeyError as e:
                raise OnnxExecError(f"node {nd.name or nd.output[0]}: missing input {e}") from None
            for name, val in zip(nd.output, outs):
                env[name] = val
        if keep == "all":
            return env
        return [env[o] for o in self.outputs]

    def run_batched(self, x, batch=64):
        """First output for a stack of inputs (N, ...) fed to the first graph input, in batches."""
        return np.concatenate([self.run({self.inputs[0]: x[i : i + batch]})[0] for i in range(0, len(x), batch)])

    def _op(self, nd, ins):
        a = _attrs(nd)
        op = nd.op_type
        x = ins[0]
        if op == "Conv":
            k = list(a.get("kernel_shape", ins[1].shape[2:]))
            if len(k) != 2 or any(d != 1 for d in a.get("dilations", [1, 1])):
                raise OnnxExecError(f"Conv {nd.name}: only 2-D, undilated convolutions are supported")
            strides = list(a.get("strides", [1, 1]))
            pads = _auto_pads(a, x.shape[2:], k, strides)
            return [
                conv2d(
                    x.astype(np.float32),
                    ins[1].astype(np.float32),
                    ins[2] if len(ins) > 2 else None,
                    strides,
                    pads,
                    a.get("group", 1),
                )
            ]
        if op == "Gemm":
            A = x.T if a.get("transA", 0) else x
            B = ins[1].T if a.get("transB", 0) else ins[1]
            y = a.get("alpha", 1.0) * (A @ B)
            if len(ins) > 2 and ins[2] is not None:
                y = y + a.get("beta", 1.0) * ins[2]
            return [y.astype(np.float32)]
        if op == "MatMul":
            return [np.matmul(x, ins[1]).astype(np.float32)]
        if op == "Add":
            return [(x + ins[1]).astype(np.float32)]
        if op == "Mul":
            return [(x * ins[1]).astype(np.float32)]
        if op == "Relu":
            return [np.maximum(x, 0)]
        if op == "Clip":
            lo = ins[1] if len(ins) > 1 and ins[1] is not None else a.get("min", -np.inf)
            hi = ins[2] if len(ins) > 2 and ins[2] is not None else a.get("max", np.inf)
            return [np.clip(x, lo, hi).astype(np.float32)]
        if op == "HardSwish":
            return [(x * np.clip(x / 6.0 + 0.5, 0, 1)).astype(np.float32)]
        if op == "HardSigmoid":
            return [np.clip(a.get("alpha", 0.2) * x + a.get("beta", 0.5), 0, 1).astype(np.float32)]
        if op == "Transpose":
            return [np.ascontiguousarray(np.transpose(x, a.get("perm", None)))]
        if op == "Split":
            ax = a.get("axis", 0)
            sizes = [int(v) for v in ins[1]] if len(ins) > 1 and ins[1] is not None else None
            sizes = sizes or [x.shape[ax] // len(nd.output)] * len(nd.output)
            return np.split(x, np.cumsum(sizes)[:-1], axis=ax)
        if op == "Sigmoid":
            return [(1.0 / (1.0 + np.exp(-x))).astype(np.float32)]
        if op in ("MaxPool", "AveragePool"):
            k = list(a["kernel_shape"])
            if a.get("ceil_mode", 0) or any(d != 1 for d in a.get("dilations", [1, 1])):
                raise OnnxExecError(f"{op} {nd.name}: ceil_mode and dilations are not supported")
            strides = list(a.get("strides", [1, 1]))
            pads = _auto_pads(a, x.shape[2:], k, strides)
            if op == "MaxPool":
                win = _windows(_pad_spatial(x, pads, -np.inf), k[0], k[1], *strides)
                return [win.max(axis=(4, 5)).astype(np.float32)]
            s = _windows(_pad_spatial(x, pads), k[0], k[1], *strides).sum(axis=(4, 5))
            if a.get("count_include_pad", 0):
                return [(s / (k[0] * k[1])).astype(np.float32)]
            ones = _pad_spatial(np.ones((1, 1) + x.shape[2:], np.float32), pads)
            cnt = _windows(ones, k[0], k[1], *strides).sum(axis=(4, 5))
            return [(s / cnt).astype(np.float32)]
        if op == "GlobalAveragePool":
            return [x.mean(axis=(2, 3), keepdims=True).astype(np.float32)]
        if op == "Concat":
            return [np.concatenate(ins, axis=a["axis"])]
        if op == "Reshape":
            shape = [int(d) for d in ins[1]]
            if shape and shape[0] == 1 and x.shape[0] != 1:
                shape[0] = x.shape[0]
            shape = [x.shape[i] if d == 0 and not a.get("allowzero", 0) else d for i, d in enumerate(shape)]
            return [x.reshape(shape)]
        if op == "Flatten":
            ax = a.get("axis", 1)
            return [x.reshape(int(np.prod(x.shape[:ax])), -1)]
        if op == "Softmax":
            ax = a.get("axis", -1)
            e = np.exp(x - x.max(axis=ax, keepdims=True))
            return [(e / e.sum(axis=ax, keepdims=True)).astype(np.float32)]
        if op == "QuantizeLinear":
            zp = ins[2] if len(ins) > 2 and ins[2] is not None else np.uint8(0)
            return [quantize(x, ins[1], zp, a.get("axis", 1))]
        if op == "DequantizeLinear":
            zp = ins[2] if len(ins) > 2 and ins[2] is not None else np.zeros((), x.dtype)
            return [dequantize(x, ins[1], zp, a.get("axis", 1))]
        if op == "Identity":
            return [x]
        if op == "BatchNormalization":
            sc, bi, mu, var = ins[1:5]
            inv = sc / np.sqrt(var + a.get("epsilon", 1e-5))
            y = (x - mu.reshape(1, -1, 1, 1)) * inv.reshape(1, -1, 1, 1) + bi.reshape(1, -1, 1, 1)
            return [y.astype(np.float32)]
        raise OnnxExecError(f"unsupported op {op}")
