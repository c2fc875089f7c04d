"""The bundled models' manifest (docs/manifest.md): its entries are defined here and written by

  /usr/bin/python3 tools/models/manifest.py declare    # the onnx targets' metadata_props say their "aipp"
  /usr/bin/python3 tools/models/manifest.py write      # entry/src/main/resources/rawfile/models/manifest.json
                                                       # and models/zoo_reference.json (the Model Zoo's latencies)

`declare` comes first when an onnx target's "aipp" changes: it rewrites the model files present (deterministic: the
same model bytes plus the metadata, other props kept), and `write` records their new sha256.

sha256 is recorded for the committed demo files only; bench models are generated at setup (numpy builds may
differ in the last bits between machines) and CANN Model Zoo .om files are dropped in by the user.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import aipp  # noqa: E402

MODELS_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "entry", "src", "main", "resources", "rawfile", "models"))
MANIFEST = os.path.join(MODELS_DIR, "manifest.json")

IMAGENET_RGB = {"colorOrder": "RGB", "mean": [123.675, 116.28, 103.53], "std": [58.395, 57.12, 57.375]}
SHAPES_INPUT = {
    "name": "input",
    "width": 96,
    "height": 96,
    "channels": 3,
    "layout": "NCHW",
    "dtype": "float32",
    **IMAGENET_RGB,
    "resize": "bilinear",
    "centerCrop": 1.0,
}
LOGITS = {"name": "logits", "dtype": "float32", "kind": "logits"}

# The demo models take every source format through dynamic AIPP (docs/device-conversion.md, "AIPP"): the om target
# because devicekit.py converts it with the matching insert_op_conf, the onnx target because its metadata_props
# declare it (manifest.py declare), so the host runtime emulates what the phone's NPU does.
AIPP_DYNAMIC = {
    "mode": "dynamic",
    "maxSrcImageSize": aipp.DEFAULT_MAX_SRC_IMAGE_SIZE,
    "formats": list(aipp.ALL_FORMATS),
}


def _input224(**over):
    d = {
        "name": "input",
        "width": 224,
        "height": 224,
        "channels": 3,
        "layout": "NCHW",
        "dtype": "float32",
        **IMAGENET_RGB,
        "resize": "bilinear",
        "centerCrop": 0.875,
    }
    d.update(over)
    return d


def demo_entries():
    out = []
    for prec, title in (
        ("int8", "NpuLens Shapes (MobileNet-style, int8)"),
        ("fp32", "NpuLens Shapes (MobileNet-style, fp32)"),
    ):
        e = {
            "id": f"shapes-{prec}",
            "title": title,
            "precision": prec,
            "pretrained": True,
            "notes": (
                "Trained on the synthetic NpuLens Shapes dataset (tools/models/dataset.py): "
                "12 classes, 96x96 RGB. "
                + (
                    "int8 QDQ from tools/models/quantize.py " "(per-channel symmetric weights, per-tensor activations)."
                    if prec == "int8"
                    else "Float reference for the int8 model."
                )
                + " The .om is produced with tools/models/devicekit.py (docs/device-conversion.md)."
            ),
            "labels": "shapes_labels.txt",
            "targets": {
                "onnx": {"file": f"shapes_{prec}.onnx", "aipp": dict(AIPP_DYNAMIC)},
                "om": {"file": f"shapes_{prec}.om", "aipp": dict(AIPP_DYNAMIC)},
            },
            "input": dict(SHAPES_INPUT),
            "output": {**LOGITS, "classes": 12},
        }
        if prec == "int8":
            e["default"] = True
        out.append(e)
    return out


BENCH_NOTE = (
    "Benchmark model: {arch} architecture with deterministic random weights (seed {seed}), "
    "generated at setup by scripts/setup.d/20-bench-models.sh; "
    "latency/throughput only, its predictions mean nothing."
)


def bench_entries():
    out = []
    for arch, key, title in (
        ("MobileNetV2-1.0", "mobilenetv2", "MobileNetV2 1.0 224"),
        ("ResNet18", "resnet18", "ResNet18 224"),
    ):
        for prec in ("fp32", "int8"):
            out.append(
                {
                    "id": f"{key}-{prec}",
                    "title": f"{title} ({prec}, random weights)",
                    "precision": prec,
                    "pretrained": False,
                    "notes": BENCH_NOTE.format(arch=arch, seed=BENCH_SEEDS[key]),
                    "targets": {"onnx": {"file": f"bench/{key}_{prec}.onnx", "batchSizes": list(BENCH_BATCH_SIZES)}},
                    "input": _input224(),
                    "output": {**LOGITS, "classes": 1000},
                }
            )
    return out


BENCH_SEEDS = {"mobilenetv2": 1001, "resnet18": 1018}
# The bench models' dynamic-batch gears (bench.py writes them as metadata hiai.dynamic_dims, as omg --dynamic_dims).
BENCH_BATCH_SIZES = (1, 2, 4, 8)

# CANN Model Zoo: the classification networks of the CANN Kit guide's "Model Zoo" table, as presets for its int8
# (quant8_8) and float .om files, with the table's single-batch latencies on a Kirin 9000 phone (float .om, quant8_8
# .om; ms). ZOO_TABLE is the one definition of those figures: the manifest notes and models/zoo_reference.json (what
# the Benchmark screen shows next to the measured latency) are written from it.
ZOO_DEVICE = "Kirin 9000"
ZOO_SOURCE = "CANN Kit guide, Model Zoo table: single batch, measured on a Kirin 9000 phone"
ZOO_REFERENCE = os.path.join(MODELS_DIR, "zoo_reference.json")

CAFFE_BGR = {"colorOrder": "BGR", "mean": [104.0, 117.0, 123.0], "std": [1.0, 1.0, 1.0]}
VGG_RGB = {"colorOrder": "RGB", "mean": [123.68, 116.78, 103.94], "std": [1.0, 1.0, 1.0]}
INCEPTION = {"colorOrder": "RGB", "mean": [127.5, 127.5, 127.5], "std": [127.5, 127.5, 127.5]}
IMAGENET_RGB_NORM = {k: IMAGENET_RGB[k] for k in ("colorOrder", "mean", "std")}
TF = "TensorFlow"
PROBS = "probabilities"


# Input facts follow each network's public reference implementation (Caffe: BGR minus the ImageNet mean; TF slim:
# VGG/ResNet-v1 mean subtraction or Inception's [-1, 1], 1001 classes with background; the ONNX zoo). Layout NCHW for
# every preset: omg converts a TensorFlow model's NHWC input to NCHW unless --use_origin_format is set, which the guide
# allows only for yolo/inception networks (OMG参数); Caffe and ONNX models are NCHW already.
# (family, the table's network name, file stem, (float ms, quant8_8 ms), input side, normalisation, classes, output
# kind, framework): each is two presets, <family>-int8 (<stem>_quant8_8.om) and <family>-fp32 (<stem>.om, the float
# model, which the NPU computes in fp16).
ZOO_TABLE = [
    ("zoo-alexnet", "Alexnet", "alexnet", (9.92, 4.49), 227, CAFFE_BGR, 1000, PROBS, "Caffe"),
    ("zoo-resnet18", "Resnet18", "resnet18", (2.63, 1.24), 224, CAFFE_BGR, 1000, PROBS, "Caffe"),
    ("zoo-vgg16", "VGG16", "vgg16", (16.56, 8.55), 224, VGG_RGB, 1000, PROBS, TF),
    ("zoo-vgg19", "VGG19", "vgg19", (18.34, 8.73), 224, VGG_RGB, 1000, PROBS, TF),
    ("zoo-resnet50", "Resnet50", "resnet50", (5.15, 3.54), 224, VGG_RGB, 1000, PROBS, TF),
    ("zoo-inceptionv3", "Inception_v3", "inception_v3", (6.56, 3.76), 299, INCEPTION, 1001, PROBS, TF),
    ("zoo-inceptionv4", "Inception_v4", "inception_v4", (11.90, 7.29), 299, INCEPTION, 1001, PROBS, TF),
    (
        "zoo-inceptionresnetv2",
        "Inception_Resnet_v2",
        "inception_resnet_v2",
        (15.91, 5.59),
        299,
        INCEPTION,
        1001,
        PROBS,
        TF,
    ),
    ("zoo-mobilenetv1", "Mobilenet_v1", "mobilenet_v1", (2.16, 0.52), 224, INCEPTION, 1001, PROBS, TF),
    ("zoo-mobilenetv2", "Mobilenet_v2", "mobilenet_v2", (2.49, 1.18), 224, INCEPTION, 1001, PROBS, TF),
    ("zoo-mobilenetv2-1.4", "Mobilenet_v2_1.4", "mobilenet_v2_1_4", (3.16, 1.67), 224, INCEPTION, 1001, PROBS, TF),
    ("zoo-mobilenetv3large", "Mobilenet_v3_Large", "mobilenet_v3_large", (3.29, 2.33), 224, INCEPTION, 1001, PROBS, TF),
    ("zoo-googlenet", "Googlenet", "googlenet", (34.69, 1.64), 224, CAFFE_BGR, 1000, PROBS, "ONNX"),
    ("zoo-squeezenet", "Squeezenet_v1", "squeezenet_v1", (2.13, 1.24), 227, IMAGENET_RGB_NORM, 1000, "logits", "ONNX"),
]
ZOO = [
    {
        "family": family,
        "network": network,
        "stem": stem,
        "floatMs": ms[0],
        "int8Ms": ms[1],
        "input": {"width": side, "height": side, "layout": "NCHW", **norm, "centerCrop": 0.875},
        "classes": classes,
        "kind": kind,
        "framework": fw,
    }
    for family, network, stem, ms, side, norm, classes, kind, fw in ZOO_TABLE
]


def zoo_entries():
    out = []
    for z in ZOO:
        for prec in ("int8", "fp32"):
            fname = f"{z['stem']}_quant8_8.om" if prec == "int8" else f"{z['stem']}.om"
            what = "quant8_8 .om" if prec == "int8" else "float .om, computed in fp16 on the NPU"
            out.append(
                {
                    "id": f"{z['family']}-{prec}",
                    "title": f"CANN Model Zoo {z['network']} ({'int8' if prec == 'int8' else 'float'} .om)",
                    "precision": prec,
                    "pretrained": True,
                    "notes": (
                        f"Preset for the CANN Model Zoo {z['framework']} model's {what} ({ZOO_DEVICE} reference: "
                        f"{z['floatMs']:.2f} ms float, {z['int8Ms']:.2f} ms int8). Not bundled: download it from "
                        f"the Model Zoo and put it at models/zoo/{fname}. Input/output facts follow the public "
                        "reference implementation of this network"
                        + (
                            "; the input is NCHW because omg converts a TensorFlow model's NHWC input to NCHW (one "
                            "converted with --use_origin_format keeps NHWC)"
                            if z["framework"] == "TensorFlow"
                            else ""
                        )
                        + "; confirm them with `omg --mode 1 --om <file> --json <out>` (docs/device-conversion.md)."
                    ),
                    "targets": {"om": {"file": f"zoo/{fname}"}},
                    "input": {"name": "input", "channels": 3, "dtype": "float32", "resize": "bilinear", **z["input"]},
                    "output": {"dtype": "float32", "kind": z["kind"], "classes": z["classes"]},
                }
            )
    return out


def zoo_reference():
    """The Model Zoo's reference latencies by model family (the ids without -int8/-fp32), as the app reads them
    (models/zoo_reference.json)."""
    return {
        "format": "npulens-zoo-reference/1",
        "device": ZOO_DEVICE,
        "source": ZOO_SOURCE,
        "models": [
            {"family": z["family"], "network": z["network"], "floatMs": z["floatMs"], "int8Ms": z["int8Ms"]}
            for z in ZOO
        ],
    }


def entries():
    return demo_entries() + bench_entries() + zoo_entries()


def attach_hashes(models, models_dir=MODELS_DIR):
    from onnxutil import sha256

    for e in models:
        if not e["id"].startswith("shapes-"):
            continue
        t = e["targets"]["onnx"]
        path = os.path.join(models_dir, t["file"])
        if os.path.exists(path):
            t["sha256"] = sha256(path)
    return models


def declare_onnx_targets(models=None, models_dir=MODELS_DIR, log=print, dry_run=False):
    """Makes every onnx target file present declare its target's "aipp" in metadata_props (dynamic, or nothing).
    Returns the paths it rewrote (dry_run: would rewrite, leaving the files alone)."""
    import onnxutil

    changed = []
    for e in entries() if models is None else models:
        t = e["targets"].get("onnx")
        path = os.path.join(models_dir, t["file"]) if t else None
        if path is None or not os.path.exists(path):
            continue
        model = onnxutil.load(path)
        if aipp.declare_onnx(model, t.get("aipp", e.get("aipp"))):
            changed.append(path)
            if dry_run:
                continue
            with open(path + ".tmp", "wb") as f:
                f.write(model.SerializeToString())
            os.replace(path + ".tmp", path)
            log(f"manifest: {path}: metadata_props now declare {aipp.onnx_declaration(model) or 'no AIPP'}")
    return changed


def load_manifest(path=MANIFEST):
    with open(path) as f:
        return json.load(f)


def model_entry(manifest, model_id):
    for e in manifest["models"]:
        if e["id"] == model_id:
            return e
    raise KeyError(f"manifest: no model with id {model_id!r}")


def _write_json(path, doc):
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")


def write(path=MANIFEST, models_dir=MODELS_DIR, zoo_path=ZOO_REFERENCE):
    doc = {"version": 1, "models": attach_hashes(entries(), models_dir)}
    _write_json(path, doc)
    _write_json(zoo_path, zoo_reference())
    return doc


if __name__ == "__main__":
    if sys.argv[1:] == ["declare"]:
        n = len(declare_onnx_targets())
        print(f"manifest: {n} onnx target file(s) rewritten")
    elif sys.argv[1:] == ["write"]:
        d = write()
        print(f"manifest: wrote {MANIFEST} ({len(d['models'])} models) and {ZOO_REFERENCE}")
    else:
        print("usage: manifest.py declare | write", file=sys.stderr)
        sys.exit(2)
