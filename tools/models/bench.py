"""Benchmark models built with onnx.helper + numpy (no torch): MobileNetV2-1.0-224 and ResNet18-224 with
deterministic random weights (He-scaled, batch norm already folded), fp32 and int8 QDQ (tools/models/quantize.py,
min-max calibration on synthetic images). For latency and throughput only: the predictions mean nothing.

The fp32 and int8 models take a batch: their batch dim is symbolic ("N") and metadata hiai.dynamic_dims lists the
gears ("1;2;4;8"), as an .om converted with omg --input_shape "input:-1,3,224,224" --dynamic_dims "1;2;4;8" carries
them (the host runtime builds one plan per gear; the manifest's batchSizes says the same).

Next to each int8 model, its uint8-activation twin (<key>_int8_u8act.onnx, for bench:peer only, not in the
manifest): the same graph and int8 weights with every activation QuantizeLinear/DequantizeLinear pair moved to
uint8 (zero point + 128, same scale). The ONNX definition gives the same dequantized values; onnxruntime runs it on
its fast x86 int8 path (MLAS U8S8), where int8 activations take its slow one.

  /usr/bin/python3 tools/models/bench.py --out entry/src/main/resources/rawfile/models/bench [--force]
"""
import argparse
import os
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import onnxutil  # noqa: E402
from manifest import BENCH_BATCH_SIZES, BENCH_SEEDS, MODELS_DIR  # noqa: E402

GEARS_KEY = "hiai.dynamic_dims"


class GraphBuilder:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits, self.n = [], [], 0

    def _name(self, kind):
        self.n += 1
        return f"{kind}_{self.n}"

    def conv(self, x, cin, cout, k, stride=1, groups=1, gain=1.0, pad=None):
        name = self._name("conv")
        fan_in = cin // groups * k * k
        w = (self.rng.standard_normal((cout, cin // groups, k, k)) * gain * np.sqrt(2.0 / fan_in)).astype(np.float32)
        b = (self.rng.standard_normal(cout) * 0.05).astype(np.float32)
        self.inits += [numpy_helper.from_array(w, name + "_w"), numpy_helper.from_array(b, name + "_b")]
        self.nodes.append(
            helper.make_node(
                "Conv",
                [x, name + "_w", name + "_b"],
                [name],
                name=name,
                kernel_shape=[k, k],
                strides=[stride, stride],
                pads=[k // 2 if pad is None else pad] * 4,
                group=groups,
            )
        )
        return name

    def act(self, x, kind):
        name = self._name(kind.lower())
        if kind == "Clip":
            if "clip_min" not in {t.name for t in self.inits}:
                self.inits += [
                    numpy_helper.from_array(np.array(0, np.float32), "clip_min"),
                    numpy_helper.from_array(np.array(6, np.float32), "clip_max"),
                ]
            self.nodes.append(helper.make_node("Clip", [x, "clip_min", "clip_max"], [name], name=name))
        else:
            self.nodes.append(helper.make_node(kind, [x], [name], name=name))
        return name

    def op(self, kind, inputs, **attrs):
        name = self._name(kind.lower())
        self.nodes.append(helper.make_node(kind, inputs, [name], name=name, **attrs))
        return name

    def project_residual(self, x, y, cin, hidden, cout, stride):
        """An inverted residual block's closing 1x1 projection of y (hidden -> cout channels), added to the block's
        input x when the block keeps its shape (smaller weights then: the sum stays in the range of x)."""
        keeps_shape = stride == 1 and cin == cout
        y = self.conv(y, hidden, cout, 1, gain=0.3 if keeps_shape else 1.0)
        return self.op("Add", [x, y]) if keeps_shape else y

    def shortcut_relu(self, x, y, cin, cout, stride):
        """A residual block's end: its input x (through a strided 1x1 convolution when the block changes the shape)
        plus its output y, then Relu."""
        short = x if stride == 1 and cin == cout else self.conv(x, cin, cout, 1, stride)
        return self.act(self.op("Add", [short, y]), "Relu")

    def head(self, x, cin, classes):
        g = self.op("GlobalAveragePool", [x])
        f = self.op("Flatten", [g], axis=1)
        w = (self.rng.standard_normal((classes, cin)) * np.sqrt(1.0 / cin)).astype(np.float32)
        self.inits += [
            numpy_helper.from_array(w, "fc_w"),
            numpy_helper.from_array(np.zeros(classes, np.float32), "fc_b"),
        ]
        self.nodes.append(helper.make_node("Gemm", [f, "fc_w", "fc_b"], ["logits"], name="fc", transB=1))

    def model(self, graph_name, size, classes, doc):
        g = helper.make_graph(
            self.nodes,
            graph_name,
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, size, size])],
            [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, classes])],
            self.inits,
        )
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", onnxutil.OPSET)])
        return onnxutil.normalize(m, doc=doc)


def mobilenet_v2(seed, classes=1000, size=224):
    b = GraphBuilder(seed)
    x = b.act(b.conv("input", 3, 32, 3, 2), "Clip")
    cin = 32
    for t, c, n, s in [
        (1, 16, 1, 1),
        (6, 24, 2, 2),
        (6, 32, 3, 2),
        (6, 64, 4, 2),
        (6, 96, 3, 1),
        (6, 160, 3, 2),
        (6, 320, 1, 1),
    ]:
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = cin * t
            y = x if t == 1 else b.act(b.conv(x, cin, hidden, 1), "Clip")
            y = b.act(b.conv(y, hidden, hidden, 3, stride, groups=hidden), "Clip")
            x, cin = b.project_residual(x, y, cin, hidden, c, stride), c
    x = b.act(b.conv(x, cin, 1280, 1), "Clip")
    b.head(x, 1280, classes)
    return b.model(
        "mobilenetv2_1.0_224",
        size,
        classes,
        f"MobileNetV2-1.0-224, deterministic random weights (seed {seed}); " "latency only (tools/models/bench.py)",
    )


def resnet18(seed, classes=1000, size=224):
    b = GraphBuilder(seed)
    x = b.act(b.conv("input", 3, 64, 7, 2), "Relu")
    x = b.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    cin = 64
    for c, s in [(64, 1), (128, 2), (256, 2), (512, 2)]:
        for i in range(2):
            stride = s if i == 0 else 1
            y = b.act(b.conv(x, cin, c, 3, stride), "Relu")
            y = b.conv(y, c, c, 3, 1, gain=0.3)
            x, cin = b.shortcut_relu(x, y, cin, c, stride), c
    b.head(x, 512, classes)
    return b.model(
        "resnet18_224",
        size,
        classes,
        f"ResNet18-224, deterministic random weights (seed {seed}); latency only (tools/models/bench.py)",
    )


def synthetic_images(count, size, seed=7):
    """Calibration data for random-weight models, normalised like ImageNet inputs: alternately smooth random colour
    fields and pixel noise, so that both low- and high-frequency inputs stay inside the calibrated ranges."""
    rng = np.random.default_rng(seed)
    from preprocess import resize

    out = []
    for i in range(count):
        small = rng.uniform(0, 255, (8, 8, 3) if i % 2 == 0 else (size, size, 3)).astype(np.float32)
        img = resize(small, size, size) + rng.normal(0, 12, (size, size, 3)).astype(np.float32)
        x = (np.clip(img, 0, 255) - [123.675, 116.28, 103.53]) / [58.395, 57.12, 57.375]
        out.append(x.transpose(2, 0, 1).astype(np.float32))
    return np.stack(out)


BUILDERS = {"mobilenetv2": mobilenet_v2, "resnet18": resnet18}
TWIN_SUFFIX = "_u8act.onnx"  # <key>_int8.onnx -> <key>_int8_u8act.onnx; src/bench/peer.ts derives the same name


def twin_path(int8_path):
    return int8_path[: -len(".onnx")] + TWIN_SUFFIX


def uint8_activation_twin(model):
    """A copy of the int8 QDQ `model` whose activation QuantizeLinear/DequantizeLinear nodes (those whose data input
    is not an initializer) use a uint8 zero point of the int8 one + 128 and the same scale: uint8 q = int8 q + 128
    over the whole range, saturation included, so every dequantized value is unchanged. Weights (DequantizeLinear of
    an initializer) and int32 biases stay as they are."""
    twin = onnx.ModelProto()
    twin.CopyFrom(model)
    g = twin.graph
    inits = {t.name: t for t in g.initializer}
    moved = {}
    for nd in g.node:
        if nd.op_type not in ("QuantizeLinear", "DequantizeLinear") or nd.input[0] in inits:
            continue
        if len(nd.input) < 3 or inits[nd.input[2]].data_type != TensorProto.INT8:
            raise ValueError(f"{nd.name}: activation {nd.op_type} without an int8 zero point")
        zp = nd.input[2]
        if zp not in moved:
            moved[zp] = zp + "_u8"
            z = numpy_helper.to_array(inits[zp]).astype(np.int16) + 128
            g.initializer.append(numpy_helper.from_array(z.astype(np.uint8), moved[zp]))
        nd.input[2] = moved[zp]
    if not moved:
        raise ValueError("no int8 activation QuantizeLinear/DequantizeLinear: not an int8 QDQ model")
    used = {i for nd in g.node for i in nd.input}
    live = [t for t in g.initializer if t.name in used]
    del g.initializer[:]
    g.initializer.extend(live)
    twin.doc_string = model.doc_string + "; uint8-activation twin of the int8 model (onnxruntime's U8S8 path)"
    return twin


def declare_batch_gears(model):
    """The model with a symbolic batch dim on its input and outputs and the gears in metadata hiai.dynamic_dims."""
    for vi in list(model.graph.input) + list(model.graph.output):
        dims = vi.type.tensor_type.shape.dim
        if dims:
            dims[0].Clear()
            dims[0].dim_param = "N"
    kept = [(p.key, p.value) for p in model.metadata_props if p.key != GEARS_KEY]
    del model.metadata_props[:]
    onnx.helper.set_model_props(model, dict(kept, **{GEARS_KEY: ";".join(str(b) for b in BENCH_BATCH_SIZES)}))
    return model


def has_batch_gears(path):
    return any(p.key == GEARS_KEY for p in onnx.load(path, load_external_data=False).metadata_props)


def save(model, path):
    onnx.save(model, path + ".tmp")
    os.replace(path + ".tmp", path)  # never leave a half-written model behind


def generate(out_dir, force=False, calib_count=8, log=print):
    import quantize

    os.makedirs(out_dir, exist_ok=True)
    calib = synthetic_images(calib_count, 224)
    for key, build in BUILDERS.items():
        f32, i8 = os.path.join(out_dir, f"{key}_fp32.onnx"), os.path.join(out_dir, f"{key}_int8.onnx")
        u8 = twin_path(i8)
        t = time.time()
        if force or not (os.path.exists(f32) and os.path.exists(i8)):
            m = build(BENCH_SEEDS[key])
            model_q, _ = quantize.quantize(
                quantize.prepare(m), [calib[i : i + 4] for i in range(0, len(calib), 4)], "minmax"
            )
            save(declare_batch_gears(m), f32)
            save(declare_batch_gears(model_q), i8)
        elif not (has_batch_gears(f32) and has_batch_gears(i8)):  # generated before the gears: declare them
            for path in (f32, i8):
                save(declare_batch_gears(onnx.load(path)), path)
            model_q = onnx.load(i8)  # and its twin follows it
        elif os.path.exists(u8):
            log(f"bench: {key} present, skipped")
            continue
        else:
            model_q = onnx.load(i8)  # a folder from before the twins: only the twin is missing
        save(uint8_activation_twin(model_q), u8)
        log(
            f"bench: {key}: fp32 {os.path.getsize(f32) / 1e6:.1f} MB, int8 {os.path.getsize(i8) / 1e6:.1f} MB, "
            f"uint8-activation twin {os.path.getsize(u8) / 1e6:.1f} MB ({time.time() - t:.1f} s)"
        )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(MODELS_DIR, "bench"))
    ap.add_argument("--force", action="store_true")
    a = ap.parse_args(argv)
    generate(a.out, a.force, log=lambda s: print(s, file=sys.stderr))


if __name__ == "__main__":
    main()
