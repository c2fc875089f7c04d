"""A small fp32 ONNX classifier with ONE deliberately quantization-hostile layer, for the per-layer accuracy tools
(layerdiff.py), calibration (quantize.py) and the model check (modelcheck.py) to be tested against.

The graph (input `input` [1,3,32,32] float32, ImageNet mean/std RGB; output `logits` [1,10]):

  conv1 3x3 3->16 + relu1 -> pool1 MaxPool 2x2 -> conv2 3x3 16->16 + relu2 -> conv3 3x3 16->16 (the bad layer)
  -> add1 (conv3 + relu2) -> relu_add -> pool2 MaxPool 2x2 -> conv4 3x3 16->32 + relu4 -> gap -> flatten -> fc Gemm

Why conv3 is bad: relu2's channel DEAD_CHANNEL is always exactly 0 (zero weights, negative bias), and conv3's
weights reading that channel are huge (OUTLIER). In float they multiply zeros and change nothing; in int8 each output
channel's symmetric scale is set by its outlier (|w| max / 127), so the ordinary weights (|w| ~ 0.1) round to 0 or
one step and conv3's output loses most of its signal. Per-channel weights cannot help and no activation calibration
method can either (the activations are ordinary): only keeping conv3 in float (--exclude conv3) does. Every other
layer has He-initialised weights and quantizes well. Weights are random but fixed (SEED): the model's predictions
mean nothing, its fp32 vs int8 agreement is what matters.

  /usr/bin/python3 tools/models/badlayer.py --out /tmp/bad_fp32.onnx [--int8 /tmp/bad_int8.onnx] [--images DIR]
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import onnxutil  # noqa: E402

SEED = 13013
SIZE = 32
CLASSES = 10
DEAD_CHANNEL = 5
OUTLIER = 40.0
# The model's pre-processing, in the manifest's `input` form (quantize.py / layerdiff.py --size/--mean/--std).
INPUT_SPEC = {
    "name": "input",
    "width": SIZE,
    "height": SIZE,
    "channels": 3,
    "layout": "NCHW",
    "dtype": "float32",
    "colorOrder": "RGB",
    "mean": [123.675, 116.28, 103.53],
    "std": [58.395, 57.12, 57.375],
    "resize": "bilinear",
    "centerCrop": 1.0,
}
# Layers that may be named: the bad one and its healthy neighbours (tests pick these).
LAYERS = ("conv1", "conv2", "conv3", "conv4", "fc")


def _he(rng, cout, cin, k):
    return (rng.standard_normal((cout, cin, k, k)) * np.sqrt(2.0 / (cin * k * k))).astype(np.float32)


def make_model(bad="conv3", seed=SEED):
    """The fp32 model (onnx.ModelProto). bad: 'conv3' (the hostile layer) or None (the same graph, all healthy:
    the control that shows the damage comes from that one layer)."""
    if bad not in ("conv3", None):
        raise ValueError(f"badlayer: bad must be 'conv3' or None (got {bad!r})")
    rng = np.random.default_rng(seed)
    w = {
        "conv1": _he(rng, 16, 3, 3),
        "conv2": _he(rng, 16, 16, 3),
        "conv3": _he(rng, 16, 16, 3),
        "conv4": _he(rng, 32, 16, 3),
    }
    b = {k: (rng.standard_normal(v.shape[0]) * 0.05).astype(np.float32) for k, v in w.items()}
    w["conv2"][DEAD_CHANNEL] = 0.0  # relu2's channel DEAD_CHANNEL: relu(-1) = 0 for every input
    b["conv2"][DEAD_CHANNEL] = -1.0
    if bad == "conv3":
        w["conv3"][:, DEAD_CHANNEL] = OUTLIER * np.sign(rng.standard_normal((16, 3, 3))).astype(np.float32)
    fc_w = (rng.standard_normal((CLASSES, 32)) * np.sqrt(2.0 / 32)).astype(np.float32)
    fc_b = (rng.standard_normal(CLASSES) * 0.05).astype(np.float32)
    inits = [numpy_helper.from_array(v, k + "_w") for k, v in w.items()]
    inits += [numpy_helper.from_array(v, k + "_b") for k, v in b.items()]
    inits += [numpy_helper.from_array(fc_w, "fc_w"), numpy_helper.from_array(fc_b, "fc_b")]
    pad = dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    pool = dict(kernel_shape=[2, 2], strides=[2, 2])
    nodes = [
        helper.make_node("Conv", ["input", "conv1_w", "conv1_b"], ["conv1_out"], name="conv1", **pad),
        helper.make_node("Relu", ["conv1_out"], ["relu1_out"], name="relu1"),
        helper.make_node("MaxPool", ["relu1_out"], ["pool1_out"], name="pool1", **pool),
        helper.make_node("Conv", ["pool1_out", "conv2_w", "conv2_b"], ["conv2_out"], name="conv2", **pad),
        helper.make_node("Relu", ["conv2_out"], ["relu2_out"], name="relu2"),
        helper.make_node("Conv", ["relu2_out", "conv3_w", "conv3_b"], ["conv3_out"], name="conv3", **pad),
        helper.make_node("Add", ["conv3_out", "relu2_out"], ["add1_out"], name="add1"),
        helper.make_node("Relu", ["add1_out"], ["relu_add_out"], name="relu_add"),
        helper.make_node("MaxPool", ["relu_add_out"], ["pool2_out"], name="pool2", **pool),
        helper.make_node("Conv", ["pool2_out", "conv4_w", "conv4_b"], ["conv4_out"], name="conv4", **pad),
        helper.make_node("Relu", ["conv4_out"], ["relu4_out"], name="relu4"),
        helper.make_node("GlobalAveragePool", ["relu4_out"], ["gap_out"], name="gap"),
        helper.make_node("Flatten", ["gap_out"], ["flat_out"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat_out", "fc_w", "fc_b"], ["logits"], name="fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        "badlayer",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, SIZE, SIZE])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, CLASSES])],
        inits,
    )
    doc = f"NpuLens test model: {bad} is deliberately quantization-hostile" if bad else "NpuLens test model: healthy"
    return onnxutil.normalize(helper.make_model(graph), doc)


def calibration(count=64, split="train"):
    """Deterministic pre-processed inputs (count, 3, 32, 32): Shapes dataset images at this model's size."""
    import dataset

    return dataset.tensors(dataset.DEFAULT_SEED, split, count, INPUT_SPEC)[0]


def write_images(folder, count=12, split="test"):
    """Writes `count` Shapes dataset images as PNG files into folder (created); returns their paths."""
    import dataset
    from PIL import Image

    os.makedirs(folder, exist_ok=True)
    paths = []
    for i in range(count):
        img, y = dataset.sample(dataset.DEFAULT_SEED, split, i)
        p = os.path.join(folder, f"{i:03d}_{dataset.CLASSES[y]}.png")
        Image.fromarray(img).save(p)
        paths.append(p)
    return paths


def build(path_fp32, path_int8=None, *, bad="conv3", method="minmax"):
    """Writes the fp32 model (and with path_int8 its int8 QDQ form, quantize.py with `method` on calibration()).
    Returns the names: node (the bad node), weight (its weight initializer), output (its output tensor, the one
    the int8 model quantizes), dead_input (the always-zero tensor its outliers read), plus the paths written."""
    model = make_model(bad)
    onnx.save(model, path_fp32)
    info = {
        "node": bad,
        "weight": f"{bad}_w" if bad else None,
        "output": f"{bad}_out" if bad else None,
        "dead_input": "relu2_out",
        "fp32": path_fp32,
        "int8": None,
        "input": dict(INPUT_SPEC),
    }
    if path_int8:
        import quantize

        prepared = quantize.prepare(model)
        x = calibration()
        int8, _ = quantize.quantize(prepared, [x[i : i + 32] for i in range(0, len(x), 32)], method)
        onnx.save(int8, path_int8)
        info["int8"] = path_int8
    return info


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="fp32 model path")
    ap.add_argument("--int8", help="also write its int8 QDQ model here (minmax calibration)")
    ap.add_argument("--healthy", action="store_true", help="the control: same graph, no bad layer")
    ap.add_argument("--images", help="also write 12 test images (PNG) into this folder")
    a = ap.parse_args(argv)
    info = build(a.out, a.int8, bad=None if a.healthy else "conv3")
    if a.images:
        write_images(a.images)
    print(f"badlayer: wrote {a.out}" + (f" and {a.int8}" if a.int8 else "") + f"; bad layer: {info['node']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
