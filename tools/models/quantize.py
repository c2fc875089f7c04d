"""Post-training int8 quantization: ONNX fp32 -> ONNX int8 in QDQ form (the form the NpuLens host runtime runs).

Form (docs/models.md, "int8 QDQ form"):
  * graph input float32 -> QuantizeLinear -> DequantizeLinear -> ...;
    ... -> QuantizeLinear -> DequantizeLinear -> output
  * activations: int8, per-tensor, asymmetric (int8 zero point), calibrated
  * Conv / Gemm weights: int8 initializers, per output channel, symmetric (zero point 0), DequantizeLinear axis=0
    (Gemm is rewritten to transB=1 so that axis 0 is the output channel)
  * bias: int32 initializer, scale = x_scale * w_scale[c], zero point 0, DequantizeLinear axis=0
  * Relu / Clip directly after Conv / Gemm stay between the layer and its QuantizeLinear (fused activation)
  * every other op output (Add, GlobalAveragePool, MaxPool, Concat, ...) gets its own QuantizeLinear/DequantizeLinear;
    MaxPool, Flatten, Reshape, Identity, standalone Relu, Transpose and each output of Split reuse their input's
    parameters (exact); an op without an int8 form (Sigmoid, HardSigmoid, Mul, ...) runs in float between the
    DequantizeLinear of its inputs and the QuantizeLinear of its output, as onnxruntime's quantizer leaves it
  * BatchNormalization after Conv is folded first (prepare(keep_unfoldable_bn=True) keeps one that follows no
    foldable Conv, e.g. DenseNet's pre-activation ones, as a float op; by default that is an error).

Calibration methods (activations; weights are always per-channel max): minmax, percentile (the range keeps the P-th
percentile of each tail; P = --percentile, in (50, 100], else each of 99.99 and 99.999), kl (entropy, TensorRT
style, on |x|), and mix: per tensor, whichever of those candidates quantizes that tensor's values over the
calibration set with the least mean squared error (int8 quantize-dequantize vs the float values: clipping and
rounding error together). `--method auto` quantizes with minmax, percentile and kl in turn (not mix) and keeps the
one with the best accuracy on the selection set (labels) or, without labels, the best top-1 agreement / cosine with
the fp32 model; mix is scored the same way. --report writes, per quantized tensor, the method chosen, the range,
scale and zero point, and the candidates' errors. --exclude-file F: names to keep in float, one a line, '#'
comments (the list `layerdiff.py sensitivity --exclude-out` writes).

  # the demo model (calibrate on the train split, choose on val, report on test):
  /usr/bin/python3 tools/models/quantize.py --model models/shapes_fp32.onnx --output models/shapes_int8.onnx \\
      --dataset shapes --manifest-id shapes-fp32
  # any model + an image folder (pre-processing flags as in the CLI):
  /usr/bin/python3 tools/models/quantize.py --model my.onnx --output my_int8.onnx --images photos/ \\
      --size 224x224 --mean 123.675,116.28,103.53 --std 58.395,57.12,57.375 [--bgr] [--exclude conv1] \\
      [--method mix --percentile 99.999 --exclude-file keep_float.txt --report quant.json]
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import onnxexec  # noqa: E402
import onnxutil  # noqa: E402
from onnxutil import copy_node  # noqa: E402

WEIGHTED = ("Conv", "Gemm")
FUSED_ACT = ("Relu", "Clip")
SAME_AS_INPUT = ("MaxPool", "Flatten", "Reshape", "Identity", "Relu", "Transpose", "Split")
HIST_BINS = 2048
PERCENTILES = (99.99, 99.999)  # the percentile method's P when --percentile is not given (auto tries both)
# mix takes a candidate over an earlier one (minmax, percentile, kl) only when its error is lower by more than this
# share: a uniform tensor's percentile-100 range differs from its min/max by float noise, not by merit.
MIX_MARGIN = 1e-3


class QuantizeError(Exception):
    pass


# ---------------------------------------------------------------- graph preparation


def fold_batchnorm(model, keep_unfoldable=False):
    """Conv -> BatchNormalization (Conv output used only by the BN) becomes one Conv with adjusted weights/bias.
    Any other BatchNormalization is an error, or with keep_unfoldable stays as it is."""
    g = model.graph
    nodes = list(g.node)
    inits = {t.name: t for t in g.initializer}
    consumers = {}
    for nd in nodes:
        for i in nd.input:
            consumers.setdefault(i, []).append(nd)
    producer = {o: nd for nd in nodes for o in nd.output}
    drop = set()
    for bn in nodes:
        if bn.op_type != "BatchNormalization":
            continue
        conv = producer.get(bn.input[0])
        if (
            conv is None
            or conv.op_type != "Conv"
            or len(consumers.get(conv.output[0], [])) != 1
            or conv.input[1] not in inits
            or any(n not in inits for n in bn.input[1:5])
        ):
            if keep_unfoldable:
                continue
            raise QuantizeError(
                f"BatchNormalization {bn.name or bn.output[0]}: only Conv -> BN with constant "
                "parameters can be folded"
            )
        eps = next((a.f for a in bn.attribute if a.name == "epsilon"), 1e-5)
        sc, bi, mu, var = (numpy_helper.to_array(inits[n]).astype(np.float64) for n in bn.input[1:5])
        w = numpy_helper.to_array(inits[conv.input[1]]).astype(np.float64)
        if len(conv.input) > 2:
            b = numpy_helper.to_array(inits[conv.input[2]]).astype(np.float64)
        else:
            b = np.zeros(w.shape[0])
        k = sc / np.sqrt(var + eps)
        w_name, b_name = conv.input[1] + "_bnfold", (conv.name or conv.output[0]) + "_bias_bnfold"
        g.initializer.append(numpy_helper.from_array((w * k.reshape(-1, 1, 1, 1)).astype(np.float32), w_name))
        g.initializer.append(numpy_helper.from_array(((b - mu) * k + bi).astype(np.float32), b_name))
        conv.input[1] = w_name
        if len(conv.input) > 2:
            conv.input[2] = b_name
        else:
            conv.input.append(b_name)
        conv.output[0] = bn.output[0]
        drop.add(id(bn))
    keep = [copy_node(nd) for nd in nodes if id(nd) not in drop]
    del g.node[:]
    g.node.extend(keep)
    return onnxutil.normalize(model)


def gemm_to_transb(model):
    """Gemm with a constant B becomes transB=1 (B stored [out, in]) so weight channels sit on axis 0."""
    g = model.graph
    inits = {t.name: t for t in g.initializer}
    for nd in g.node:
        if nd.op_type != "Gemm" or nd.input[1] not in inits:
            continue
        attrs = {a.name: a for a in nd.attribute}
        if "transA" in attrs and attrs["transA"].i:
            raise QuantizeError(f"Gemm {nd.name}: transA=1 is not supported")
        if "transB" in attrs and attrs["transB"].i:
            continue
        w = numpy_helper.to_array(inits[nd.input[1]])
        name = nd.input[1] + "_t"
        g.initializer.append(numpy_helper.from_array(np.ascontiguousarray(w.T), name))
        nd.input[1] = name
        for a in list(nd.attribute):
            if a.name == "transB":
                nd.attribute.remove(a)
        nd.attribute.append(helper.make_attribute("transB", 1))
    return onnxutil.normalize(model)


def prepare(model, keep_unfoldable_bn=False, any_executable_op=False):
    """A copy of `model` ready for quantize(): BatchNormalization folded, Gemm transB=1. Ops must be the host
    runtime's, or with any_executable_op (the benchmark set, which measures what the host runtime lacks too) any op
    the calibration executor runs."""
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    model = copy
    allowed = onnxexec.EXECUTABLE_OPS if any_executable_op else onnxexec.SUPPORTED_OPS + ("BatchNormalization",)
    bad = [nd.op_type for nd in model.graph.node if nd.op_type not in allowed]
    if bad:
        what = "the calibration executor cannot run" if any_executable_op else "the host runtime does not support"
        raise QuantizeError(f"model uses ops {what}: {sorted(set(bad))}")
    return gemm_to_transb(fold_batchnorm(onnxutil.normalize(model), keep_unfoldable_bn))


# ---------------------------------------------------------------- calibration


class Stats:
    """Per-tensor min/max and |x| histograms over the calibration set."""

    def __init__(self, executor, names, batches):
        self.names = names
        self.executor, self.batches = executor, batches
        self.mse = {}  # (tensor, (lo, hi)) -> mean squared int8 error on the calibration data (errors())
        self.lo = {n: np.inf for n in names}
        self.hi = {n: -np.inf for n in names}
        for b in batches:
            env = executor.run({executor.inputs[0]: b}, keep="all")
            for n in names:
                self.lo[n] = min(self.lo[n], float(env[n].min()))
                self.hi[n] = max(self.hi[n], float(env[n].max()))
        self.amax = {n: max(abs(self.lo[n]), abs(self.hi[n]), 1e-8) for n in names}
        self.pos = {n: np.zeros(HIST_BINS, np.int64) for n in names}
        self.neg = {n: np.zeros(HIST_BINS, np.int64) for n in names}
        self.zeros = {n: 0 for n in names}  # kept apart: a ReLU's spike at 0 would dominate the KL search
        for b in batches:
            env = executor.run({executor.inputs[0]: b}, keep="all")
            for n in names:
                v = env[n].ravel()
                self.zeros[n] += int(np.count_nonzero(v == 0))
                self.pos[n] += np.histogram(v[v > 0], HIST_BINS, (0, self.amax[n]))[0]
                self.neg[n] += np.histogram(-v[v < 0], HIST_BINS, (0, self.amax[n]))[0]

    def range(self, name, method, percentile=99.99):
        lo, hi = self.lo[name], self.hi[name]
        if method == "minmax":
            return lo, hi
        edges = np.linspace(0, self.amax[name], HIST_BINS + 1)
        if method == "percentile":
            total = self.pos[name].sum() + self.neg[name].sum() + self.zeros[name]
            tail = total * (100.0 - percentile) / 100.0

            def cut(h):
                c = np.cumsum(h[::-1])  # count above each bin, from the top
                k = int(np.searchsorted(c, tail))  # bins that may be dropped
                return edges[HIST_BINS - k] if h.sum() else 0.0

            return (-cut(self.neg[name]) if lo < 0 else lo), (cut(self.pos[name]) if hi > 0 else hi)
        if method == "kl":
            t = _kl_threshold(self.pos[name] + self.neg[name], edges)
            return max(lo, -t), min(hi, t)
        raise QuantizeError(f"unknown calibration method {method!r}")

    def errors(self, ranges):
        """{tensor: {label: (lo, hi)}} -> {tensor: {label: mean squared error}}: each tensor's values over the
        calibration set against the same values quantized to int8 with that range and dequantized (clipping and
        rounding error together). One more pass over the calibration set for what was not measured before."""
        todo = {n: {r for r in c.values() if (n, r) not in self.mse} for n, c in ranges.items()}
        todo = {n: rs for n, rs in todo.items() if rs}
        sums, count = {(n, r): 0.0 for n, rs in todo.items() for r in rs}, {n: 0 for n in todo}
        for b in self.batches if todo else ():
            env = self.executor.run({self.executor.inputs[0]: b}, keep="all")
            for n, rs in todo.items():
                v = env[n].ravel()
                count[n] += v.size
                for r in rs:
                    s, z = act_params(*r)
                    d = v.astype(np.float64) - onnxexec.dequantize(onnxexec.quantize(v, s, z), s, z)
                    sums[(n, r)] += float(np.dot(d, d))
        self.mse.update({(n, r): v / max(count[n], 1) for (n, r), v in sums.items()})
        return {n: {label: self.mse[(n, r)] for label, r in c.items()} for n, c in ranges.items()}


def _kl_threshold(hist, edges, levels=128):
    """Threshold on |x| minimising KL(P || Q) between the clipped histogram and its `levels`-bin quantization."""
    hist = hist.astype(np.float64)
    if hist.sum() == 0:
        return edges[-1]
    best, best_i = np.inf, len(hist)
    for i in range(levels, len(hist) + 1, 16):
        ref = hist[:i]
        p = ref.copy()
        p[i - 1] += hist[i:].sum()  # P keeps the clipped tail in its last bin; Q is built from the unclipped bins
        nz = p > 0
        q = np.zeros(i)
        for c in np.array_split(np.arange(i), levels):
            m = ref[c] > 0
            if m.any():
                q[c[m]] = ref[c].sum() / m.sum()
        ps, qs = p / p.sum(), q / max(q.sum(), 1e-12)
        ok = nz & (qs > 0)
        kl = np.sum(ps[ok] * np.log(ps[ok] / qs[ok])) + (np.inf if (nz & ~(qs > 0)).any() else 0)
        if kl < best:
            best, best_i = kl, i
    return edges[best_i]


def act_params(lo, hi):
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    if hi - lo < 1e-8:
        hi = lo + 1e-8
    scale = np.float32((hi - lo) / 255.0)
    zp = int(np.clip(np.rint(-128.0 - lo / float(scale)), -128, 127))
    return scale, np.int8(zp)


# ---------------------------------------------------------------- the QDQ rewrite


def exclude_names(model):
    """The names --exclude / --exclude-file take: node names and weight (initializer) names."""
    return {nd.name for nd in model.graph.node} | {t.name for t in model.graph.initializer}


def plan(model, exclude=()):
    """Which tensors get a Q/DQ pair, which reuse their input's parameters, and which nodes (indices) stay float."""
    g = model.graph
    nodes = list(g.node)
    inits = {t.name for t in g.initializer}
    graph_out = {o.name for o in g.output}
    producer = {o: k for k, nd in enumerate(nodes) for o in nd.output}
    consumers = {}
    for k, nd in enumerate(nodes):
        for i in nd.input:
            consumers.setdefault(i, []).append(k)
    excl = set()
    names = [name for e in exclude for name in filter(None, (s.strip() for s in e.split(";")))]
    unknown = [name for name in names if name not in exclude_names(model)]
    if unknown:
        raise QuantizeError(f"--exclude {', '.join(unknown)}: no node or weight of that name in the model")
    for name in names:
        excl |= {k for k, nd in enumerate(nodes) if nd.name == name or name in nd.input}

    def fused_act(k):
        """Node k is a Relu/Clip directly after a quantized Conv/Gemm whose only consumer it is."""
        nd = nodes[k]
        p = producer.get(nd.input[0])
        return (
            nd.op_type in FUSED_ACT
            and p is not None
            and p not in excl
            and nodes[p].op_type in WEIGHTED
            and consumers.get(nd.input[0]) == [k]
            and nd.input[0] not in graph_out
        )

    quantized = [i.name for i in g.input if i.name not in inits]
    same_as = {}
    for k, nd in enumerate(nodes):
        if k in excl:
            continue
        out = nd.output[0]
        uses = consumers.get(out, [])
        if nd.op_type in WEIGHTED and len(uses) == 1 and uses[0] not in excl and fused_act(uses[0]):
            continue  # the fused Relu/Clip output carries the Q/DQ
        if nd.op_type in SAME_AS_INPUT and not fused_act(k):
            same_as[out] = nd.input[0]
        quantized.append(out)
        for extra in filter(None, nd.output[1:]):  # Split's further outputs
            if nd.op_type in SAME_AS_INPUT:
                same_as[extra] = nd.input[0]
            quantized.append(extra)
    # A quantized node whose input comes from a float (excluded) producer gets that input quantized on its own.
    qset = set(quantized)
    for k, nd in enumerate(nodes):
        if k in excl or fused_act(k):
            continue
        for pos, name in enumerate(nd.input):
            if name and name not in inits and name not in qset and not (nd.op_type in WEIGHTED and pos > 0):
                quantized.append(name)
                qset.add(name)
    return quantized, same_as, excl


def build_qdq(model, params, same_as, excl):
    """params: {tensor: (scale, zp)} for every quantized tensor. Returns the QDQ model."""
    g = model.graph
    inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    outputs = {o.name for o in g.output}
    new_nodes, new_inits = [], []
    dq_name = {}

    def add_init(arr, name):
        new_inits.append(numpy_helper.from_array(arr, name))
        return name

    def add_dequantized(q, scale, zero_point, name):
        """A per-output-channel (axis 0) quantized initializer behind DequantizeLinear; returns the float name."""
        ins = [
            add_init(q, name + "_quantized"),
            add_init(scale, name + "_scale"),
            add_init(zero_point, name + "_zero_point"),
        ]
        new_nodes.append(helper.make_node("DequantizeLinear", ins, [name], axis=0, name=name + "_DequantizeLinear"))
        return name

    def emit_qdq(t, src):
        s, z = params[t]
        sn, zn = add_init(np.array(s, np.float32), t + "_scale"), add_init(np.array(z, np.int8), t + "_zero_point")
        q = t + "_quantized"
        dq = t if t in outputs else t + "_dequantized"
        new_nodes.append(helper.make_node("QuantizeLinear", [src, sn, zn], [q], name=t + "_QuantizeLinear"))
        new_nodes.append(helper.make_node("DequantizeLinear", [q, sn, zn], [dq], name=t + "_DequantizeLinear"))
        dq_name[t] = dq

    for i in g.input:
        if i.name in params:
            emit_qdq(i.name, i.name)
    for k, nd in enumerate(g.node):
        n = helper.make_node(nd.op_type, [], [], name=nd.name or nd.output[0])
        n.attribute.extend(nd.attribute)
        quant_node = k not in excl
        ins = []
        for k, name in enumerate(nd.input):
            if name in inits and nd.op_type in WEIGHTED and quant_node and k in (1, 2):
                ins.append(name)  # replaced below
            elif name in dq_name and quant_node:
                ins.append(dq_name[name])
            else:
                ins.append(name)
        if nd.op_type in WEIGHTED and quant_node and nd.input[1] in inits:
            x_in = nd.input[0]
            if x_in not in params:
                raise QuantizeError(f"{nd.op_type} {n.name}: its input {x_in} is not quantized")
            w = inits[nd.input[1]].astype(np.float32)
            amax = np.abs(w.reshape(w.shape[0], -1)).max(axis=1)
            w_scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
            wq = np.clip(np.rint(w / w_scale.reshape((-1,) + (1,) * (w.ndim - 1))), -127, 127).astype(np.int8)
            base = n.name
            ins[1] = add_dequantized(wq, w_scale, np.zeros(w.shape[0], np.int8), base + "_weight")
            if len(nd.input) > 2 and nd.input[2]:
                b = inits[nd.input[2]].astype(np.float64)
                b_scale = (np.float32(params[x_in][0]) * w_scale).astype(np.float32)
                bq = np.clip(np.rint(b / b_scale), -(2**31), 2**31 - 1).astype(np.int32)
                ins[2] = add_dequantized(bq, b_scale, np.zeros(w.shape[0], np.int32), base + "_bias")
        n.input.extend(ins)
        out = nd.output[0]
        n.output.extend([out + "_float" if (out in outputs and out in params) else out] + list(nd.output[1:]))
        new_nodes.append(n)
        for name, produced in zip(nd.output, n.output):
            if name in params:
                emit_qdq(name, produced)
    used = {i for nd in new_nodes for i in nd.input}
    keep_inits = [numpy_helper.from_array(v, k) for k, v in inits.items() if k in used]
    graph = helper.make_graph(new_nodes, g.name or "npulens", list(g.input), list(g.output), keep_inits + new_inits)
    m = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", onnxutil.OPSET)],
        producer_name="npulens-quantize",
        producer_version="1",
    )
    m.ir_version = onnxutil.IR_VERSION
    onnx.checker.check_model(m)
    return m


def label(method, pct=None):
    """How a calibration method is named in logs and reports: minmax, kl, mix, percentile:99.99."""
    return method if pct is None else f"{method}:{pct}"


def candidate_ranges(stats, name, percentiles=PERCENTILES):
    """The ranges mix chooses from for one tensor: {label: (lo, hi)} for minmax, percentile P (each of
    `percentiles`) and kl, in that order (an earlier one wins unless a later one is better by MIX_MARGIN)."""
    methods = [("minmax", None)] + [("percentile", p) for p in percentiles] + [("kl", None)]
    return {label(m, p): tuple(float(v) for v in stats.range(name, m, p or 99.99)) for m, p in methods}


ERRORS_NOTE = (
    "errors: per candidate range, the mean squared difference between the tensor's values over the calibration "
    "set and the same values quantized to int8 with that range and dequantized; mix keeps the least (an earlier "
    f"candidate unless a later one is lower by more than {MIX_MARGIN:.1%})"
)


class Calibration:
    """What calibrate() chose: params {tensor: (scale, zero point)} for every quantized tensor, and `tensors`, one
    record per quantized tensor in plan order (the --report's "tensors"): name, method (its label, or "same-as"
    with sameAs naming the tensor whose parameters it reuses), range [lo, hi] the parameters were made from,
    scale, zeroPoint, and errors {candidate label: mean squared int8 error on the calibration data} when
    measured (always for mix)."""

    def __init__(self, params, tensors, same_as, excl):
        self.params, self.tensors, self.same_as, self.excl = params, tensors, same_as, excl


def calibrate(
    model_fp32, calib, method="minmax", percentile=99.99, exclude=(), stats=None, percentiles=PERCENTILES, errors=False
):
    """Per-tensor int8 parameters of a prepared fp32 model. method: minmax | percentile (P = `percentile`) | kl |
    mix (per tensor, the candidate of candidate_ranges(..., percentiles) with the least mean squared int8 error on
    the calibration data). errors: also measure the candidates' errors for the other methods (the report).
    Returns (Calibration, stats); pass stats back in to calibrate the same model again without re-running it."""
    quantized, same_as, excl = plan(model_fp32, exclude)
    if stats is None:
        stats = Stats(onnxexec.Executor(model_fp32), quantized, calib)
    own = [t for t in quantized if t not in same_as or same_as[t] not in quantized]
    cands = (
        stats.errors({t: candidate_ranges(stats, t, percentiles) for t in own}) if (errors or method == "mix") else {}
    )
    params, records = {}, {}
    for t in own:
        if method == "mix":
            ranges = candidate_ranges(stats, t, percentiles)
            chosen = next(iter(ranges))
            for c in ranges:  # a later candidate must be clearly better: near-equal ranges keep the simpler one
                if cands[t][c] < cands[t][chosen] * (1 - MIX_MARGIN):
                    chosen = c
            rng = ranges[chosen]
        else:
            chosen = label(method, percentile if method == "percentile" else None)
            rng = stats.range(t, method, percentile)
        params[t] = act_params(*rng)
        records[t] = {"name": t, "method": chosen, "range": [float(rng[0]), float(rng[1])]}
        if t in cands:
            records[t]["errors"] = cands[t]
    for t in quantized:  # same-as chains resolve in topological order
        if t not in params:
            params[t] = params[same_as[t]]
            records[t] = {"name": t, "method": "same-as", "sameAs": same_as[t]}
    tensors = []
    for t in quantized:
        r = records[t]
        r.update(scale=float(params[t][0]), zeroPoint=int(params[t][1]))
        tensors.append(r)
    return Calibration(params, tensors, same_as, excl), stats


def quantize(model_fp32, calib, method="minmax", percentile=99.99, exclude=(), stats=None, percentiles=PERCENTILES):
    """model_fp32: prepared fp32 model; calib: list of input batches; method and percentiles as calibrate().
    Returns (int8 model, stats)."""
    c, stats = calibrate(model_fp32, calib, method, percentile, exclude, stats, percentiles)
    return build_qdq(model_fp32, c.params, c.same_as, c.excl), stats


# ---------------------------------------------------------------- form check


def check_qdq_form(model):
    """Violations of the NpuLens int8 QDQ form (module docstring) as a list of strings; empty when it conforms."""
    g = model.graph
    bad = []
    opsets = [(o.domain, o.version) for o in model.opset_import]
    if model.ir_version != onnxutil.IR_VERSION or opsets != [("", onnxutil.OPSET)]:
        bad.append(f"ir_version {model.ir_version} / opset {[(o.domain, o.version) for o in model.opset_import]}")
    bad += [f"unsupported op {op}" for op in onnxutil.unsupported_ops(model)]
    inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    producer = {o: nd for nd in g.node for o in nd.output}
    consumers = {}
    for nd in g.node:
        for i in nd.input:
            consumers.setdefault(i, []).append(nd)

    def is_dq_of_q(name):
        p = producer.get(name)
        return (
            p is not None
            and p.op_type == "DequantizeLinear"
            and producer.get(p.input[0]) is not None
            and producer[p.input[0]].op_type == "QuantizeLinear"
        )

    def attr(nd, key, default=None):
        return next((helper.get_attribute_value(a) for a in nd.attribute if a.name == key), default)

    for gi in g.input:
        if gi.type.tensor_type.elem_type != TensorProto.FLOAT:
            bad.append(f"graph input {gi.name} is not float32")
        if any(c.op_type != "QuantizeLinear" for c in consumers.get(gi.name, [])):
            bad.append(f"graph input {gi.name} feeds something other than QuantizeLinear")
    for go in g.output:
        if not is_dq_of_q(go.name):
            bad.append(f"graph output {go.name} is not QuantizeLinear -> DequantizeLinear")
    for nd in g.node:
        where = f"{nd.op_type} {nd.name}"
        if nd.op_type == "QuantizeLinear":
            s, z = inits.get(nd.input[1]), inits.get(nd.input[2]) if len(nd.input) > 2 else None
            if s is None or s.size != 1 or z is None or z.dtype != np.int8 or z.size != 1:
                bad.append(f"{where}: activations must be per-tensor with an int8 zero point")
        if nd.op_type in WEIGHTED:
            if not is_dq_of_q(nd.input[0]):
                bad.append(f"{where}: input is not a dequantized activation")
            wdq = producer.get(nd.input[1])
            if wdq is None or wdq.op_type != "DequantizeLinear" or attr(wdq, "axis", 1) != 0:
                bad.append(f"{where}: weight is not DequantizeLinear(axis=0) of an initializer")
                continue
            wq, ws, wz = (inits.get(n) for n in wdq.input)
            if wq is None or wq.dtype != np.int8 or wz is None or wz.any() or ws is None or ws.shape != (wq.shape[0],):
                bad.append(f"{where}: weight must be int8 per output channel with zero point 0")
                continue
            if nd.op_type == "Gemm" and attr(nd, "transB", 0) != 1:
                bad.append(f"{where}: Gemm must use transB=1")
            if len(nd.input) > 2:
                bdq = producer.get(nd.input[2])
                bq, bs, bz = (inits.get(n) for n in bdq.input) if bdq is not None else (None,) * 3
                xs = inits.get(producer[nd.input[0]].input[1]) if is_dq_of_q(nd.input[0]) else None
                if bq is None or bq.dtype != np.int32 or bz is None or bz.any() or attr(bdq, "axis", 1) != 0:
                    bad.append(f"{where}: bias must be int32 behind DequantizeLinear(axis=0) with zero point 0")
                elif xs is not None and not np.allclose(bs, np.float32(xs) * ws, rtol=1e-6, atol=0):
                    bad.append(f"{where}: bias scale is not x_scale * w_scale")
            nxt = consumers.get(nd.output[0], [])
            if len(nxt) == 1 and nxt[0].op_type in FUSED_ACT:
                nxt = consumers.get(nxt[0].output[0], [])
            if not nxt or any(c.op_type != "QuantizeLinear" for c in nxt):
                bad.append(f"{where}: output does not go (through Relu/Clip) into QuantizeLinear")
        if nd.op_type in ("Add", "GlobalAveragePool", "MaxPool"):
            after = consumers.get(nd.output[0], [])
            if not after or any(c.op_type != "QuantizeLinear" for c in after):
                bad.append(f"{where}: output is not followed by QuantizeLinear")
            if any(not is_dq_of_q(i) for i in nd.input):
                bad.append(f"{where}: an input is not a dequantized activation")
    return bad


# ---------------------------------------------------------------- evaluation and CLI


def cosine(a, b):
    a, b = a.reshape(len(a), -1).astype(np.float64), b.reshape(len(b), -1).astype(np.float64)
    return (a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1) + 1e-12)


def compare(fp32_model, int8_model, x, y=None):
    f = onnxexec.Executor(fp32_model).run_batched(x)
    q = onnxexec.Executor(int8_model).run_batched(x)
    cos = cosine(f, q)
    r = {
        "images": int(len(x)),
        "top1Agreement": float(np.mean(f.argmax(1) == q.argmax(1))),
        "cosineMean": float(cos.mean()),
        "cosineMin": float(cos.min()),
        "cosineAtLeast0.99": float(np.mean(cos >= 0.99)),
    }
    if y is not None:
        r["fp32Top1"] = float(np.mean(f.argmax(1) == y))
        r["int8Top1"] = float(np.mean(q.argmax(1) == y))
    return r


def choose(fp32_model, calib, sel_x, sel_y, methods, exclude=(), log=print, percentiles=PERCENTILES, errors=False):
    """Quantize with each (method, P) of `methods`, score on the selection set (accuracy with labels, else top-1
    agreement with fp32; then mean cosine). percentiles and errors as calibrate(). Returns (best model, its method
    label, all scores, its Calibration)."""
    stats, results, best = None, [], None
    for method, pct in methods:
        c, stats = calibrate(fp32_model, calib, method, pct or 99.99, exclude, stats, percentiles, errors)
        m = build_qdq(fp32_model, c.params, c.same_as, c.excl)
        r = compare(fp32_model, m, sel_x, sel_y)
        r["method"] = label(method, pct)
        key = (r["int8Top1"] if sel_y is not None else r["top1Agreement"], r["cosineMean"])
        log(
            f"quantize: {r['method']:<18} "
            + (f"top-1 {r['int8Top1'] * 100:.2f}%  " if sel_y is not None else "")
            + f"agreement {r['top1Agreement'] * 100:.2f}%  cosine mean {r['cosineMean']:.5f}"
        )
        if method == "mix":
            counts = {}
            for t in c.tensors:
                counts[t["method"]] = counts.get(t["method"], 0) + 1
            log("quantize: mix chose " + ", ".join(f"{k} for {v}" for k, v in counts.items()) + " tensors")
        results.append(r)
        if best is None or key > best[0]:
            best = (key, m, r["method"], c)
    return best[1], best[2], results, best[3]


def methods(percentiles=PERCENTILES):
    """--method name -> the (method, P) list choose() tries; `percentiles` are the percentile method's Ps."""
    pct = [("percentile", p) for p in percentiles]
    table = {"minmax": [("minmax", None)], "percentile": pct, "kl": [("kl", None)], "mix": [("mix", None)]}
    table["auto"] = table["minmax"] + table["percentile"] + table["kl"]
    return table


METHODS = methods()


def percentile_arg(text):
    """--percentile: P in (50, 100], the share of each tail's values the range keeps."""
    try:
        p = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 50 < p <= 100:  # also refuses nan
        raise argparse.ArgumentTypeError(f"{text} is outside (50, 100]")
    return p


def count_arg(text):
    """--calib-count: a whole number >= 1 (0 would calibrate on nothing, a negative one slice from the end)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text} is less than 1")
    return n


def read_exclude_file(path, limit=1 << 20):
    """The names in an --exclude-file: one node or weight name per line, '#' starts a comment, blank lines and
    surrounding spaces ignored. Returns [(name, line number)]."""
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as e:
        raise QuantizeError(f"--exclude-file {path}: {e.strerror or e}") from None
    if len(data) > limit:
        raise QuantizeError(f"--exclude-file {path}: larger than {limit} bytes, not a list of names")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise QuantizeError(f"--exclude-file {path}: not UTF-8 text") from None
    if "\0" in text:
        raise QuantizeError(f"--exclude-file {path}: not a text file (NUL bytes)")
    names = [(ln.split("#", 1)[0].strip(), k) for k, ln in enumerate(text.splitlines(), 1)]
    return [(n, k) for n, k in names if n]


def _input_spec(a):
    if a.manifest_id:
        from manifest import load_manifest, model_entry

        return model_entry(load_manifest(), a.manifest_id)["input"]
    if not a.size:
        raise QuantizeError("give --manifest-id or --size/--mean/--std for the model's pre-processing")
    w, h = (int(v) for v in a.size.lower().split("x"))
    return {
        "width": w,
        "height": h,
        "layout": "NCHW",
        "colorOrder": "BGR" if a.bgr else "RGB",
        "mean": [float(v) for v in a.mean.split(",")],
        "std": [float(v) for v in a.std.split(",")],
        "centerCrop": a.center_crop,
    }


def folder_tensors(folder, spec, limit):
    from preprocess import load_rgb, preprocess

    exts = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
    files = sorted(f for f in os.listdir(folder) if f.lower().endswith(exts))[:limit]
    if not files:
        raise QuantizeError(f"no images (png/jpg/bmp/webp) in {folder}")
    return np.concatenate([preprocess(load_rgb(os.path.join(folder, f)), spec) for f in files])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--output", required=True)
    ap.add_argument("--method", default="auto", choices=sorted(METHODS))
    ap.add_argument(
        "--percentile",
        type=percentile_arg,
        help="P in (50, 100] for the percentile method and the percentile candidate of mix and auto "
        f"(default: each of {', '.join(map(str, PERCENTILES))})",
    )
    ap.add_argument("--exclude", action="append", default=[], help="node or weight name to keep in float (';' list)")
    ap.add_argument("--exclude-file", help="file of node/weight names to keep in float, one a line, '#' comments")
    ap.add_argument("--dataset", choices=["shapes"], help="calibrate/choose/report on the Shapes dataset splits")
    ap.add_argument("--images", help="folder of calibration images (user models)")
    ap.add_argument("--calib-count", type=count_arg, default=256, help="calibration images (at most; default 256)")
    ap.add_argument("--manifest-id", help="take the pre-processing from this manifest entry")
    ap.add_argument("--size"), ap.add_argument("--mean", default="0,0,0"), ap.add_argument("--std", default="1,1,1")
    ap.add_argument("--bgr", action="store_true")
    ap.add_argument("--center-crop", type=float, default=1.0)
    ap.add_argument("--report", help="write the measurements as JSON here")
    a = ap.parse_args(argv)
    if a.percentile is not None and a.method in ("minmax", "kl"):
        ap.error(f"--percentile does not apply to --method {a.method}")
    percentiles = PERCENTILES if a.percentile is None else (a.percentile,)
    t0 = time.time()
    try:
        fp32 = prepare(onnxutil.load(a.model))
        exclude = list(a.exclude)
        if a.exclude_file:
            entries = read_exclude_file(a.exclude_file)
            unknown = [f"{n} (line {k})" for n, k in entries if n not in exclude_names(fp32)]
            if unknown:
                where = f"--exclude-file {a.exclude_file}"
                raise QuantizeError(f"{where}: no node or weight of that name in the model: {', '.join(unknown)}")
            exclude += [n for n, _ in entries]
        spec = _input_spec(a)
        report = {"model": os.path.basename(a.model), "output": os.path.basename(a.output)}
        if a.dataset == "shapes":
            import dataset

            n = len(dataset.CLASSES)
            cx, _ = dataset.tensors(dataset.DEFAULT_SEED, "train", a.calib_count, spec)
            sx, sy = dataset.tensors(dataset.DEFAULT_SEED, "val", 50 * n, spec)
            tx, ty = dataset.tensors(dataset.DEFAULT_SEED, "test", 100 * n, spec)
        elif a.images:
            allx = folder_tensors(a.images, spec, 10**6)
            cut = max(1, len(allx) * 3 // 4) if len(allx) > 4 else len(allx)
            cx, sx, sy = allx[: min(cut, a.calib_count)], allx[cut:] if cut < len(allx) else allx, None
            tx, ty = sx, None
        else:
            raise QuantizeError("give --dataset shapes or --images <folder>")
        calib = [cx[i : i + 32] for i in range(0, len(cx), 32)]
        model, method, tried, chosen = choose(
            fp32, calib, sx, sy, methods(percentiles)[a.method], exclude, percentiles=percentiles, errors=bool(a.report)
        )
        report.update({"chosen": method, "selection": tried, "test": compare(fp32, model, tx, ty)})
        report["errors"] = ERRORS_NOTE
        report["tensors"] = chosen.tensors
        onnx.save(model, a.output + ".tmp")
        os.replace(a.output + ".tmp", a.output)  # never leave a half-written model
        report["bytes"] = {"fp32": os.path.getsize(a.model), "int8": os.path.getsize(a.output)}
        t = report["test"]
        print(
            f"quantize: chose {method}; test: "
            + (
                f"fp32 top-1 {t['fp32Top1'] * 100:.2f}%, int8 top-1 " f"{t['int8Top1'] * 100:.2f}%, "
                if ty is not None
                else ""
            )
            + f"agreement {t['top1Agreement'] * 100:.2f}%, "
            f"cosine mean {t['cosineMean']:.5f} min {t['cosineMin']:.5f}, "
            f"{t['cosineAtLeast0.99'] * 100:.1f}% >= 0.99 ({t['images']} images, {time.time() - t0:.0f} s)"
        )
        print(f"quantize: wrote {a.output} ({report['bytes']['int8']} bytes; fp32 {report['bytes']['fp32']})")
        if a.report:
            with open(a.report, "w") as f:
                json.dump(report, f, indent=2)
                f.write("\n")
    except (QuantizeError, onnxexec.OnnxExecError, ValueError, OSError) as e:
        print(f"error: {e} (quantize)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
