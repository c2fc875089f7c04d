"""The bundled models' manifest (docs/manifest.md): its entries are defined here and written by

  /usr/bin/python3 tools/models/manifest.py declare    # the onnx targets' metadata_props say their "aipp"
  /usr/bin/python3 tools/models/manifest.py write      # entry/src/main/resources/rawfile/models/manifest.json

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
                    "targets": {"onnx": {"file": f"bench/{key}_{prec}.onnx"}},
                    "input": _input224(),
                    "output": {**LOGITS, "classes": 1000},
                }
            )
    return out


BENCH_SEEDS = {"mobilenetv2": 1001, "resnet18": 1018}

# CANN Model Zoo (seeds/000, "Model Zoo"): int8 (quant8_8) .om files, Kirin 9000 anchors float/int8 ms.
ZOO = [
    (
        "zoo-resnet18-int8",
        "CANN Model Zoo ResNet18 (int8 .om)",
        "resnet18_quant8_8.om",
        (2.63, 1.24),
        {
            "width": 224,
            "height": 224,
            "layout": "NCHW",
            "colorOrder": "BGR",
            "mean": [104.0, 117.0, 123.0],
            "std": [1.0, 1.0, 1.0],
            "centerCrop": 0.875,
        },
        1000,
        "probabilities",
        "Caffe",
    ),
    (
        "zoo-mobilenetv2-int8",
        "CANN Model Zoo MobileNetV2 (int8 .om)",
        "mobilenet_v2_quant8_8.om",
        (2.49, 1.18),
        {
            "width": 224,
            "height": 224,
            "layout": "NHWC",
            "colorOrder": "RGB",
            "mean": [127.5, 127.5, 127.5],
            "std": [127.5, 127.5, 127.5],
            "centerCrop": 0.875,
        },
        1001,
        "probabilities",
        "TensorFlow",
    ),
    (
        "zoo-mobilenetv1-int8",
        "CANN Model Zoo MobileNetV1 (int8 .om)",
        "mobilenet_v1_quant8_8.om",
        (2.16, 0.52),
        {
            "width": 224,
            "height": 224,
            "layout": "NHWC",
            "colorOrder": "RGB",
            "mean": [127.5, 127.5, 127.5],
            "std": [127.5, 127.5, 127.5],
            "centerCrop": 0.875,
        },
        1001,
        "probabilities",
        "TensorFlow",
    ),
    (
        "zoo-squeezenet-int8",
        "CANN Model Zoo SqueezeNet v1 (int8 .om)",
        "squeezenet_v1_quant8_8.om",
        (2.13, 1.24),
        {
            "width": 227,
            "height": 227,
            "layout": "NCHW",
            "colorOrder": "RGB",
            **{k: IMAGENET_RGB[k] for k in ("mean", "std")},
            "centerCrop": 0.875,
        },
        1000,
        "logits",
        "ONNX",
    ),
]


def zoo_entries():
    out = []
    for mid, title, fname, (f_ms, q_ms), inp, classes, kind, fw in ZOO:
        out.append(
            {
                "id": mid,
                "title": title,
                "precision": "int8",
                "pretrained": True,
                "notes": (
                    f"Preset for the CANN Model Zoo {fw} model's quant8_8 .om (Kirin 9000 reference: "
                    f"{f_ms} ms float, {q_ms} ms int8). Not bundled: download it from the Model Zoo "
                    f"and put it at models/zoo/{fname}. Input/output facts follow the public reference "
                    "implementation of this network; confirm them with "
                    "`omg --mode 1 --om <file> --json <out>` (docs/device-conversion.md)."
                ),
                "targets": {"om": {"file": f"zoo/{fname}"}},
                "input": {"name": "input", "channels": 3, "dtype": "float32", "resize": "bilinear", **inp},
                "output": {"dtype": "float32", "kind": kind, "classes": classes},
            }
        )
    return out


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


def write(path=MANIFEST, models_dir=MODELS_DIR):
    doc = {"version": 1, "models": attach_hashes(entries(), models_dir)}
    with open(path, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    return doc


if __name__ == "__main__":
    if sys.argv[1:] == ["declare"]:
        n = len(declare_onnx_targets())
        print(f"manifest: {n} onnx target file(s) rewritten")
    elif sys.argv[1:] == ["write"]:
        d = write()
        print(f"manifest: wrote {MANIFEST} ({len(d['models'])} models)")
    else:
        print("usage: manifest.py declare | write", file=sys.stderr)
        sys.exit(2)
