"""The broad benchmark set (issue 11): the architectures people bring, built like the bench models (bench.py:
onnx.helper + numpy, deterministic He-scaled random weights, batch norm folded into the convolution before it, 224x224,
1000 classes, opset 13), each as fp32, int8 QDQ (quantize.py, min-max calibration on synthetic images) and the int8
model's uint8-activation twin (onnxruntime's fast x86 int8 form). For latency and agreement only: the predictions
mean nothing. Not part of the app (the HAP must not grow): written to build/benchset/ with an index.json that
bench:peer (--set broad) and test/node/benchset.test.mjs read.

The layer structure follows the published networks (torchvision's definitions unless noted), so the MAC counts
match theirs (PUBLISHED_MACS; tools/models/tests/test_benchset.py checks each within 6%). As an exporter writes them
at opset 13: HardSwish is x * HardSigmoid(x) (alpha 1/6; the HardSwish op needs opset 14), SiLU is x * Sigmoid(x),
channel shuffle is Reshape -> Transpose -> Reshape. DenseNet's pre-activation batch norms (on a Concat, not after a
convolution) stay BatchNormalization nodes, as torch.onnx exports them. Other differences: ShuffleNetV2's final
x.mean([2, 3]) is GlobalAveragePool; GoogLeNet's third branch is 5x5 (the paper's; torchvision has 3x3) and its
ceil-mode pools are padded floor-mode pools of the same output size (as are SqueezeNet's).

Cached: a model is regenerated only when its stamp (<key>.stamp: a hash of this generator, the quantizer and the
executor it calibrates with) differs or a file is missing; models are generated in parallel (--jobs, default 2).

  /usr/bin/python3 tools/models/benchset.py [--out build/benchset] [--only key,key] [--jobs 2] [--force]
"""
import argparse
import hashlib
import json
import multiprocessing
import os
import sys
import time

import numpy as np
import onnx
from onnx import helper, numpy_helper, shape_inference

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import bench  # noqa: E402
from manifest import BENCH_SEEDS  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_OUT = os.path.join(REPO, "build", "benchset")
INDEX = "index.json"
FORMAT = "npulens-benchset/1"
# What a model's files depend on: a change to any of these regenerates the set.
SOURCES = ("benchset.py", "bench.py", "quantize.py", "onnxexec.py", "onnxutil.py", "preprocess.py")
CALIB_IMAGES = 8


def make_divisible(v, divisor=8):
    """torchvision's _make_divisible: channels rounded to a multiple of 8, never down by more than 10%."""
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


class Builder(bench.GraphBuilder):
    """bench.GraphBuilder plus the blocks of the broad set."""

    def cba(self, x, cin, cout, k, stride=1, groups=1, act="Relu", gain=1.0, pad=None):
        """Convolution (batch norm folded) and its activation: Relu, HardSwish, SiLU or None."""
        y = self.conv(x, cin, cout, k, stride, groups, gain, pad)
        return self.activation(y, act)

    def activation(self, x, act):
        if act is None:
            return x
        if act == "Relu":
            return self.act(x, "Relu")
        if act == "HardSwish":
            return self.op("Mul", [x, self.hard_sigmoid(x)])
        if act == "SiLU":
            return self.op("Mul", [x, self.op("Sigmoid", [x])])
        raise ValueError(f"activation {act}")

    def hard_sigmoid(self, x):
        return self.op("HardSigmoid", [x], alpha=1.0 / 6.0, beta=0.5)  # torch's relu6(x + 3) / 6

    def squeeze_excite(self, x, channels, squeeze, inner="Relu", gate="Sigmoid"):
        """GlobalAveragePool -> Conv 1x1 -> inner -> Conv 1x1 -> gate -> Mul with x."""
        s = self.op("GlobalAveragePool", [x])
        s = self.cba(s, channels, squeeze, 1, act=inner)
        s = self.conv(s, squeeze, channels, 1)
        s = self.hard_sigmoid(s) if gate == "HardSigmoid" else self.op("Sigmoid", [s])
        return self.op("Mul", [x, s])

    def batchnorm(self, x, channels):
        """A batch norm that follows no convolution (kept as BatchNormalization): near-identity statistics."""
        name = self._name("bn")
        params = [
            self.rng.uniform(0.8, 1.2, channels),  # scale
            self.rng.normal(0, 0.1, channels),  # bias
            self.rng.normal(0, 0.1, channels),  # running mean
            self.rng.uniform(0.8, 1.2, channels),  # running variance
        ]
        names = [f"{name}_{p}" for p in ("gamma", "beta", "mean", "var")]  # not _scale: the output's Q/DQ has it
        self.inits += [numpy_helper.from_array(v.astype(np.float32), n) for v, n in zip(params, names)]
        self.nodes.append(helper.make_node("BatchNormalization", [x] + names, [name], name=name, epsilon=1e-5))
        return name

    def pool(self, kind, x, k, stride, pad=0):
        return self.op(kind, [x], kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4)

    def gemm(self, x, cin, cout, out=None):
        name = out or self._name("fc")
        w = (self.rng.standard_normal((cout, cin)) * np.sqrt(1.0 / cin)).astype(np.float32)
        b = (self.rng.standard_normal(cout) * 0.05).astype(np.float32)
        self.inits += [numpy_helper.from_array(w, name + "_w"), numpy_helper.from_array(b, name + "_b")]
        self.nodes.append(helper.make_node("Gemm", [x, name + "_w", name + "_b"], [name], name=name, transB=1))
        return name

    def flat(self, x):
        return self.op("Flatten", [self.op("GlobalAveragePool", [x])], axis=1)

    def const_ints(self, values):
        name = self._name("shape")
        self.inits.append(numpy_helper.from_array(np.array(values, np.int64), name))
        return name

    def split(self, x, sizes, axis=1):
        name = self._name("split")
        outs = [f"{name}_{i}" for i in range(len(sizes))]
        self.nodes.append(helper.make_node("Split", [x, self.const_ints(sizes)], outs, name=name, axis=axis))
        return outs

    def channel_shuffle(self, x, channels, hw, groups=2):
        y = self.op("Reshape", [x, self.const_ints([1, groups, channels // groups, hw, hw])])
        y = self.op("Transpose", [y], perm=[0, 2, 1, 3, 4])
        return self.op("Reshape", [y, self.const_ints([1, channels, hw, hw])])


def _model(b, key, seed):
    return b.model(
        f"{key}_224",
        224,
        1000,
        f"{ARCHS[key]}, deterministic random weights (seed {seed}); latency and agreement only "
        "(tools/models/benchset.py)",
    )


def mobilenet_v3(seed, small=False):
    b = Builder(seed)
    # (kernel, expanded, out, squeeze-excite, activation, stride): torchvision's mobilenet_v3_large / _small
    if small:
        cfg = [
            (3, 16, 16, True, "Relu", 2),
            (3, 72, 24, False, "Relu", 2),
            (3, 88, 24, False, "Relu", 1),
            (5, 96, 40, True, "HardSwish", 2),
            (5, 240, 40, True, "HardSwish", 1),
            (5, 240, 40, True, "HardSwish", 1),
            (5, 120, 48, True, "HardSwish", 1),
            (5, 144, 48, True, "HardSwish", 1),
            (5, 288, 96, True, "HardSwish", 2),
            (5, 576, 96, True, "HardSwish", 1),
            (5, 576, 96, True, "HardSwish", 1),
        ]
        last, hidden = 576, 1024
    else:
        cfg = [
            (3, 16, 16, False, "Relu", 1),
            (3, 64, 24, False, "Relu", 2),
            (3, 72, 24, False, "Relu", 1),
            (5, 72, 40, True, "Relu", 2),
            (5, 120, 40, True, "Relu", 1),
            (5, 120, 40, True, "Relu", 1),
            (3, 240, 80, False, "HardSwish", 2),
            (3, 200, 80, False, "HardSwish", 1),
            (3, 184, 80, False, "HardSwish", 1),
            (3, 184, 80, False, "HardSwish", 1),
            (3, 480, 112, True, "HardSwish", 1),
            (3, 672, 112, True, "HardSwish", 1),
            (5, 672, 160, True, "HardSwish", 2),
            (5, 960, 160, True, "HardSwish", 1),
            (5, 960, 160, True, "HardSwish", 1),
        ]
        last, hidden = 960, 1280
    x = b.cba("input", 3, 16, 3, 2, act="HardSwish")
    cin = 16
    for k, exp, out, se, act, s in cfg:
        y = x if exp == cin else b.cba(x, cin, exp, 1, act=act)
        y = b.cba(y, exp, exp, k, s, groups=exp, act=act)
        if se:
            y = b.squeeze_excite(y, exp, make_divisible(exp // 4), "Relu", "HardSigmoid")
        x, cin = b.project_residual(x, y, cin, exp, out, s), out
    x = b.cba(x, cin, last, 1, act="HardSwish")
    x = b.activation(b.gemm(b.flat(x), last, hidden), "HardSwish")
    b.gemm(x, hidden, 1000, out="logits")
    return _model(b, "mobilenetv3s" if small else "mobilenetv3l", seed)


def efficientnet_b0(seed):
    b = Builder(seed)
    x = b.cba("input", 3, 32, 3, 2, act="SiLU")
    cin = 32
    # (expand ratio, kernel, stride, out, layers)
    for t, k, s, c, n in [(1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3)] + [
        (6, 5, 1, 112, 3),
        (6, 5, 2, 192, 4),
        (6, 3, 1, 320, 1),
    ]:
        for i in range(n):
            x, cin = _mbconv(b, x, cin, c, t, k, s if i == 0 else 1), c
    x = b.cba(x, cin, 1280, 1, act="SiLU")
    b.gemm(b.flat(x), 1280, 1000, out="logits")
    return _model(b, "efficientnetb0", seed)


def _mbconv(b, x, cin, out, t, k, s):
    hidden = cin * t
    y = x if t == 1 else b.cba(x, cin, hidden, 1, act="SiLU")
    y = b.cba(y, hidden, hidden, k, s, groups=hidden, act="SiLU")
    y = b.squeeze_excite(y, hidden, max(1, cin // 4), "SiLU", "Sigmoid")
    return b.project_residual(x, y, cin, hidden, out, s)


def resnet50(seed):
    b = Builder(seed)
    x = b.pool("MaxPool", b.cba("input", 3, 64, 7, 2), 3, 2, 1)
    cin = 64
    for width, n, s in [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]:
        for i in range(n):
            stride = s if i == 0 else 1
            y = b.cba(x, cin, width, 1)
            y = b.cba(y, width, width, 3, stride)
            y = b.conv(y, width, width * 4, 1, gain=0.3)
            x, cin = b.shortcut_relu(x, y, cin, width * 4, stride), width * 4
    b.gemm(b.flat(x), 2048, 1000, out="logits")
    return _model(b, "resnet50", seed)


def squeezenet1_1(seed):
    b = Builder(seed)
    x = b.pool("MaxPool", b.cba("input", 3, 64, 3, 2, pad=0), 3, 2)
    cin = 64
    for squeeze, expand, pool_after in [(16, 64, False), (16, 64, True), (32, 128, False), (32, 128, True)] + [
        (48, 192, False),
        (48, 192, False),
        (64, 256, False),
        (64, 256, False),
    ]:
        s = b.cba(x, cin, squeeze, 1)
        x = b.op("Concat", [b.cba(s, squeeze, expand, 1), b.cba(s, squeeze, expand, 3)], axis=1)
        cin = 2 * expand
        if pool_after:
            x = b.pool("MaxPool", x, 3, 2)
    x = b.cba(x, cin, 1000, 1)  # the classifier is a convolution
    b.nodes.append(helper.make_node("Flatten", [b.op("GlobalAveragePool", [x])], ["logits"], name="logits", axis=1))
    return _model(b, "squeezenet11", seed)


def shufflenet_v2(seed):
    b = Builder(seed)
    x = b.pool("MaxPool", b.cba("input", 3, 24, 3, 2), 3, 2, 1)
    cin, hw = 24, 56
    for out, n in [(116, 4), (232, 8), (464, 4)]:
        half = out // 2
        for i in range(n):
            if i == 0:  # downsampling unit: both branches see the whole input
                hw //= 2
                left = b.cba(b.conv(x, cin, cin, 3, 2, groups=cin), cin, half, 1)
                right = b.cba(x, cin, half, 1)
            else:
                left, right = b.split(x, [half, half])
                right = b.cba(right, half, half, 1)
            right = b.conv(right, half, half, 3, 2 if i == 0 else 1, groups=half)
            right = b.cba(right, half, half, 1)
            x = b.channel_shuffle(b.op("Concat", [left, right], axis=1), out, hw)
            cin = out
    x = b.cba(x, cin, 1024, 1)
    b.gemm(b.flat(x), 1024, 1000, out="logits")
    return _model(b, "shufflenetv2", seed)


def regnet_y_400mf(seed):
    b = Builder(seed)
    x = b.cba("input", 3, 32, 3, 2)
    cin, group_width = 32, 8
    for width, n in [(48, 1), (104, 3), (208, 6), (440, 6)]:
        for i in range(n):
            stride = 2 if i == 0 else 1
            y = b.cba(x, cin, width, 1)
            y = b.cba(y, width, width, 3, stride, groups=width // group_width)
            y = b.squeeze_excite(y, width, int(round(0.25 * cin)))
            y = b.conv(y, width, width, 1, gain=0.3)
            x, cin = b.shortcut_relu(x, y, cin, width, stride), width
    b.gemm(b.flat(x), cin, 1000, out="logits")
    return _model(b, "regnety400mf", seed)


def googlenet(seed):
    b = Builder(seed)
    x = b.pool("MaxPool", b.cba("input", 3, 64, 7, 2), 3, 2, 1)
    x = b.pool("MaxPool", b.cba(b.cba(x, 64, 64, 1), 64, 192, 3), 3, 2, 1)
    cin = 192
    # (1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5, pool projection); a MaxPool 3x3/2 after 3b and 4e
    for c1, r3, c3, r5, c5, pp, pool_after in [
        (64, 96, 128, 16, 32, 32, False),
        (128, 128, 192, 32, 96, 64, True),
        (192, 96, 208, 16, 48, 64, False),
        (160, 112, 224, 24, 64, 64, False),
        (128, 128, 256, 24, 64, 64, False),
        (112, 144, 288, 32, 64, 64, False),
        (256, 160, 320, 32, 128, 128, True),
        (256, 160, 320, 32, 128, 128, False),
        (384, 192, 384, 48, 128, 128, False),
    ]:
        branches = [
            b.cba(x, cin, c1, 1),
            b.cba(b.cba(x, cin, r3, 1), r3, c3, 3),
            b.cba(b.cba(x, cin, r5, 1), r5, c5, 5),
            b.cba(b.pool("MaxPool", x, 3, 1, 1), cin, pp, 1),
        ]
        x, cin = b.op("Concat", branches, axis=1), c1 + c3 + c5 + pp
        if pool_after:
            x = b.pool("MaxPool", x, 3, 2, 1)
    b.gemm(b.flat(x), cin, 1000, out="logits")
    return _model(b, "googlenet", seed)


def densenet121(seed, growth=32):
    b = Builder(seed)
    x = b.pool("MaxPool", b.cba("input", 3, 64, 7, 2), 3, 2, 1)
    cin = 64
    for block, n in enumerate([6, 12, 24, 16]):
        features = [x]
        for _ in range(n):
            cat = features[0] if len(features) == 1 else b.op("Concat", features, axis=1)
            y = b.act(b.batchnorm(cat, cin), "Relu")
            y = b.cba(y, cin, 4 * growth, 1)  # its batch norm folded
            features.append(b.conv(y, 4 * growth, growth, 3))
            cin += growth
        x = b.op("Concat", features, axis=1)
        if block < 3:  # transition: BN, ReLU, 1x1 halving the channels, AveragePool 2x2/2
            x = b.conv(b.act(b.batchnorm(x, cin), "Relu"), cin, cin // 2, 1)
            x, cin = b.pool("AveragePool", x, 2, 2), cin // 2
    x = b.act(b.batchnorm(x, cin), "Relu")
    b.gemm(b.flat(x), cin, 1000, out="logits")
    return _model(b, "densenet121", seed)


ARCHS = {
    "mobilenetv2": "MobileNetV2-1.0-224",
    "resnet18": "ResNet18-224",
    "mobilenetv3l": "MobileNetV3-Large-224",
    "mobilenetv3s": "MobileNetV3-Small-224",
    "efficientnetb0": "EfficientNet-B0-224",
    "resnet50": "ResNet50-224",
    "squeezenet11": "SqueezeNet1.1-224",
    "shufflenetv2": "ShuffleNetV2-x1.0-224",
    "regnety400mf": "RegNetY-400MF-224",
    "googlenet": "GoogLeNet-224 (Inception v1)",
    "densenet121": "DenseNet-121-224",
}
BUILDERS = {
    "mobilenetv2": bench.mobilenet_v2,  # the same models as the bench folder's (same builder and seed)
    "resnet18": bench.resnet18,
    "mobilenetv3l": mobilenet_v3,
    "mobilenetv3s": lambda seed: mobilenet_v3(seed, small=True),
    "efficientnetb0": efficientnet_b0,
    "resnet50": resnet50,
    "squeezenet11": squeezenet1_1,
    "shufflenetv2": shufflenet_v2,
    "regnety400mf": regnet_y_400mf,
    "googlenet": googlenet,
    "densenet121": densenet121,
}
SEEDS = {**BENCH_SEEDS, **{k: 2001 + i for i, k in enumerate(k for k in BUILDERS if k not in BENCH_SEEDS)}}
# Conv + Gemm multiply-accumulates of the published networks at 224x224 (torchvision's model docs, GoogLeNet's and
# DenseNet's papers), the figure each generated model is checked against.
PUBLISHED_MACS = {
    "mobilenetv2": 300e6,
    "resnet18": 1.81e9,
    "mobilenetv3l": 217e6,
    "mobilenetv3s": 56e6,
    "efficientnetb0": 386e6,
    "resnet50": 4.09e9,
    "squeezenet11": 349e6,
    "shufflenetv2": 146e6,
    "regnety400mf": 402e6,
    "googlenet": 1.5e9,
    "densenet121": 2.83e9,
}


def conv_gemm_macs(model):
    """Conv and Gemm MACs of one inference of one image, from ONNX shape inference (a symbolic batch counts 1)."""
    m = shape_inference.infer_shapes(model)

    def dims(vi):
        return [d.dim_value if d.HasField("dim_value") else 1 for d in vi.type.tensor_type.shape.dim]

    shapes = {vi.name: dims(vi) for vi in m.graph.value_info}
    shapes.update({vi.name: dims(vi) for vi in m.graph.output})
    inits = {t.name: list(t.dims) for t in m.graph.initializer}
    total = 0
    for nd in m.graph.node:
        if nd.op_type == "Conv":
            w = inits[nd.input[1]]
            total += int(np.prod(shapes[nd.output[0]])) * int(np.prod(w[1:]))
        elif nd.op_type == "Gemm":
            w = inits[nd.input[1]]
            total += int(np.prod(shapes[nd.output[0]])) * w[1]
    return total


def source_hash():
    h = hashlib.sha256()
    for name in SOURCES:
        with open(os.path.join(HERE, name), "rb") as f:
            h.update(name.encode() + b"\0" + f.read())
    return h.hexdigest()


def paths(out_dir, key):
    base = os.path.join(out_dir, key)
    return {"fp32": base + "_fp32.onnx", "int8": base + "_int8.onnx", "int8U8act": bench.twin_path(base + "_int8.onnx")}


def stamp_of(key, digest):
    return f"{key} seed {SEEDS[key]} calibration {CALIB_IMAGES} sources {digest}\n"


def up_to_date(out_dir, key, digest):
    stamp = os.path.join(out_dir, key + ".stamp")
    if not all(os.path.exists(p) for p in paths(out_dir, key).values()) or not os.path.exists(stamp):
        return False
    with open(stamp) as f:
        return f.read() == stamp_of(key, digest)


def logits_scale(int8_model):
    """The scale of the int8 model's output (its last DequantizeLinear): one output LSB."""
    inits = {t.name: t for t in int8_model.graph.initializer}
    out = int8_model.graph.output[0].name
    dq = next(nd for nd in int8_model.graph.node if nd.op_type == "DequantizeLinear" and nd.output[0] == out)
    return float(numpy_helper.to_array(inits[dq.input[1]]))


def build_one(args):
    """Generates one model's three files and its stamp; returns (key, seconds, error message or None)."""
    try:
        return _build_one(*args)
    except Exception as e:  # reported by the parent, which goes on with the other models
        return args[1], 0.0, f"{type(e).__name__}: {e}"


def _build_one(out_dir, key, digest):
    import quantize

    t = time.time()
    m = BUILDERS[key](SEEDS[key])
    calib = bench.synthetic_images(CALIB_IMAGES, 224)
    prepared = quantize.prepare(m, keep_unfoldable_bn=True, any_executable_op=True)
    model_q, _ = quantize.quantize(prepared, [calib[i : i + 4] for i in range(0, len(calib), 4)], "minmax")
    if key in bench.BUILDERS:  # the bench folder's models, byte for byte: they take batches (gears in metadata)
        bench.declare_batch_gears(m)
        bench.declare_batch_gears(model_q)
    p = paths(out_dir, key)
    bench.save(m, p["fp32"])
    bench.save(model_q, p["int8"])
    bench.save(bench.uint8_activation_twin(model_q), p["int8U8act"])
    with open(os.path.join(out_dir, key + ".stamp"), "w") as f:
        f.write(stamp_of(key, digest))
    return key, time.time() - t, None


def entry(out_dir, key):
    p = paths(out_dir, key)
    fp32 = onnx.load(p["fp32"])
    return {
        "key": key,
        "arch": ARCHS[key],
        "seed": SEEDS[key],
        "macs": conv_gemm_macs(fp32),
        "publishedMacs": PUBLISHED_MACS[key],
        "ops": sorted({nd.op_type for nd in fp32.graph.node}),
        "files": {k: os.path.basename(v) for k, v in p.items()},
        "int8LogitsScale": logits_scale(onnx.load(p["int8"])),
    }


def generate(out_dir, keys=None, jobs=2, force=False, log=print):
    """Generates the models of `keys` (default all) that are missing or stale, then writes the index of the whole
    set when every model is present. Returns the keys that failed, and whether the index was written."""
    os.makedirs(out_dir, exist_ok=True)
    digest = source_hash()
    keys = list(keys or BUILDERS)
    todo = [k for k in keys if force or not up_to_date(out_dir, k, digest)]
    t0, failed = time.time(), []
    if todo:
        # The largest first, so the two workers finish together.
        todo.sort(key=lambda k: -PUBLISHED_MACS[k])
        with multiprocessing.get_context("fork").Pool(max(1, min(jobs, len(todo)))) as pool:
            for key, seconds, error in pool.imap_unordered(build_one, [(out_dir, k, digest) for k in todo]):
                log(f"benchset: {key} " + (f"FAILED: {error}" if error else f"generated ({seconds:.1f} s)"))
                failed += [key] if error else []
    for k in keys:
        if k not in todo:
            log(f"benchset: {k} up to date, skipped")
    missing = [k for k in BUILDERS if not up_to_date(out_dir, k, digest)]
    if missing:
        log(f"benchset: index not written: {', '.join(missing)} missing or stale")
        return failed, False
    index = {"format": FORMAT, "inputSize": 224, "classes": 1000, "models": [entry(out_dir, k) for k in BUILDERS]}
    with open(os.path.join(out_dir, INDEX) + ".tmp", "w") as f:
        json.dump(index, f, indent=2)
        f.write("\n")
    os.replace(os.path.join(out_dir, INDEX) + ".tmp", os.path.join(out_dir, INDEX))
    seconds = time.time() - t0
    log(f"benchset: {len(todo)} of {len(BUILDERS)} models generated in {seconds:.1f} s ({jobs} jobs) into {out_dir}")
    return failed, True


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--only", help="comma-separated keys: " + ",".join(BUILDERS))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--force", action="store_true")
    a = ap.parse_args(argv)
    keys = a.only.split(",") if a.only else None
    bad = [k for k in keys or [] if k not in BUILDERS]
    if bad or a.jobs < 1:
        print(f"error: unknown model {bad} or --jobs < 1 (benchset)", file=sys.stderr)
        return 2
    failed, indexed = generate(a.out, keys, a.jobs, a.force, log=lambda s: print(s, file=sys.stderr))
    return 1 if failed or not (indexed or keys) else 0


if __name__ == "__main__":
    sys.exit(main())
