"""Train the NpuLens Shapes demo classifier (MobileNet-style, depthwise-separable) and export it to ONNX fp32.

  /usr/bin/python3 tools/models/train_demo.py [--epochs 14] [--train-per-class 800]

Writes shapes_fp32.onnx and shapes_labels.txt into entry/src/main/resources/rawfile/models/ and prints the
val/test accuracy of the exported ONNX model (run by our numpy executor, not by torch). Deterministic for a
given seed and thread count (torch CPU kernels). Needs torch; keeps to 2 threads (shared machine).
"""
import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import dataset  # noqa: E402
import onnxutil  # noqa: E402

MODELS_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "entry", "src", "main", "resources", "rawfile", "models"))
INPUT_SPEC = {
    "width": 96,
    "height": 96,
    "channels": 3,
    "layout": "NCHW",
    "dtype": "float32",
    "colorOrder": "RGB",
    "mean": [123.675, 116.28, 103.53],
    "std": [58.395, 57.12, 57.375],
    "resize": "bilinear",
    "centerCrop": 1.0,
}
# (out channels, stride) of the depthwise-separable blocks after the 3x3 stride-2 stem (16 channels).
BLOCKS = [(32, 1), (48, 2), (48, 1), (96, 2), (96, 1), (160, 2), (160, 1)]


def build_model(num_classes):
    import torch.nn as nn

    def cbr(cin, cout, k, s, groups=1):
        return [
            nn.Conv2d(cin, cout, k, s, k // 2, groups=groups, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU6(inplace=True),
        ]

    layers, cin = cbr(3, 16, 3, 2), 16
    for cout, s in BLOCKS:
        layers += cbr(cin, cin, 3, s, groups=cin) + cbr(cin, cout, 1, 1)
        cin = cout
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.1), nn.Linear(cin, num_classes))


def cached_split(seed, split, count, cache_dir):
    path = os.path.join(cache_dir, f"shapes_{seed}_{split}_{count}.npz")
    if os.path.exists(path):
        d = np.load(path)
        return d["x"], d["y"]
    t = time.time()
    x, y = dataset.tensors(seed, split, count, INPUT_SPEC)
    x = x.astype(np.float16)
    os.makedirs(cache_dir, exist_ok=True)
    np.savez(path, x=x, y=y)
    print(f"train: generated {split} ({count} images) in {time.time() - t:.1f} s", file=sys.stderr)
    return x, y


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=14)
    ap.add_argument("--train-per-class", type=int, default=800)
    ap.add_argument("--seed", type=int, default=dataset.DEFAULT_SEED)
    ap.add_argument("--cache", default="/tmp/npulens-shapes-cache")
    ap.add_argument("--out", default=MODELS_DIR)
    a = ap.parse_args(argv)
    import torch

    torch.set_num_threads(2)
    torch.manual_seed(a.seed)
    n_cls = len(dataset.CLASSES)
    xtr, ytr = cached_split(a.seed, "train", a.train_per_class * n_cls, a.cache)
    xva, yva = cached_split(a.seed, "val", 50 * n_cls, a.cache)
    model = build_model(n_cls)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    steps = a.epochs * (len(xtr) // 64)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps, pct_start=0.15)
    lossf = torch.nn.CrossEntropyLoss(label_smoothing=0.05)
    g = np.random.default_rng(a.seed)
    xv, yv = torch.from_numpy(xva.astype(np.float32)), torch.from_numpy(yva)
    for ep in range(a.epochs):
        t = time.time()
        model.train()
        perm = g.permutation(len(xtr))
        tot = 0.0
        for b in range(len(xtr) // 64):
            idx = perm[b * 64 : (b + 1) * 64]
            xb = torch.from_numpy(xtr[idx].astype(np.float32))
            flip = torch.from_numpy(g.random(len(idx)) < 0.5)
            xb[flip] = xb[flip].flip(3)
            loss = lossf(model(xb), torch.from_numpy(ytr[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item()
        model.eval()
        with torch.no_grad():
            acc = (model(xv).argmax(1) == yv).float().mean().item()
        print(
            f"train: epoch {ep + 1}/{a.epochs} loss {tot / (len(xtr) // 64):.4f} val {acc * 100:.2f}% "
            f"({time.time() - t:.0f} s)",
            file=sys.stderr,
        )
    model.eval()
    os.makedirs(a.out, exist_ok=True)
    onnx_path = os.path.join(a.out, "shapes_fp32.onnx")
    tmp = onnx_path + ".torch"
    torch.onnx.export(
        model,
        torch.zeros(1, 3, INPUT_SPEC["height"], INPUT_SPEC["width"]),
        tmp,
        opset_version=13,
        input_names=["input"],
        output_names=["logits"],
        do_constant_folding=True,
    )
    import onnx

    m = onnxutil.normalize(onnx.load(tmp), doc="NpuLens Shapes demo classifier, fp32 (tools/models/train_demo.py)")
    os.remove(tmp)
    onnx.save(m, onnx_path)
    with open(os.path.join(a.out, "shapes_labels.txt"), "w") as f:
        f.write("\n".join(dataset.CLASSES) + "\n")
    import onnxexec

    ex = onnxexec.Executor(m)
    xte, yte = cached_split(a.seed, "test", 100 * n_cls, a.cache)
    for name, x, y in (("val", xva, yva), ("test", xte, yte)):
        pred = ex.run_batched(x.astype(np.float32)).argmax(1)
        print(f"train: exported ONNX {name} top-1 {np.mean(pred == y) * 100:.2f}%")
    print(f"train: wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes)")


if __name__ == "__main__":
    main()
