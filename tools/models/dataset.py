"""NpuLens Shapes: a deterministic, seeded synthetic photo dataset of 12 everyday symbols.

Every image is a function of (seed, split, index) only, so any image can be regenerated on its own and the
splits never overlap. Objects are drawn as anti-aliased masks (polygons in a unit frame, posed by a random
affine transform) over a lit, textured, noisy background; colour, pose, scale, aspect ratio, background,
lighting and noise all vary.

  /usr/bin/python3 tools/models/dataset.py preview --out /tmp/shapes-preview.png     # contact sheet
  /usr/bin/python3 tools/models/dataset.py export --split test --count 5 --out /tmp/shapes-test  # PNG files
"""
import argparse
import colorsys
import math
import os
import sys

import numpy as np

CLASSES = ["sun", "moon", "star", "heart", "tree", "house", "fish", "car", "umbrella", "key", "cloud", "flower"]
SPLITS = {"train": 0, "val": 1, "test": 2}
DEFAULT_SEED = 20261122
# Class colour priors: (hue 0..1, saturation, value); a fraction of objects gets a random colour instead.
_PRIOR = {
    "sun": (0.12, 0.9, 1.0),
    "moon": (0.14, 0.35, 0.95),
    "star": (0.14, 0.85, 1.0),
    "heart": (0.98, 0.85, 0.9),
    "tree": (0.33, 0.75, 0.6),
    "house": (0.07, 0.6, 0.85),
    "fish": (0.55, 0.7, 0.9),
    "car": (0.0, 0.8, 0.85),
    "umbrella": (0.75, 0.7, 0.85),
    "key": (0.13, 0.6, 0.8),
    "cloud": (0.6, 0.05, 0.97),
    "flower": (0.9, 0.7, 0.95),
}


def _rng(seed, split, index):
    return np.random.default_rng([seed, SPLITS[split], index])


# ---------------------------------------------------------------- geometry in the object's unit frame


def _circle(cx, cy, r, n=48):
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.stack([cx + r * np.cos(t), cy + r * np.sin(t)], 1)


def _ellipse(cx, cy, rx, ry, rot=0.0, n=48):
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    p = np.stack([rx * np.cos(t), ry * np.sin(t)], 1)
    c, s = math.cos(rot), math.sin(rot)
    return p @ np.array([[c, s], [-s, c]]) + [cx, cy]


def _rect(x0, y0, x1, y1):
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)


def _thick_line(points, width):
    """Quads along a polyline plus round joints: a list of polygons."""
    polys = []
    pts = np.asarray(points, dtype=np.float64)
    for a, b in zip(pts[:-1], pts[1:]):
        d = b - a
        n = np.array([-d[1], d[0]]) / (np.hypot(*d) + 1e-9) * width / 2
        polys.append(np.array([a + n, b + n, b - n, a - n]))
    polys += [_circle(p[0], p[1], width / 2, 16) for p in pts]
    return polys


def _shape(name, rng):
    """Parts of one object: list of (fill polygons, erase polygons, colour role). Roles: main, accent, dark, light."""
    if name == "sun":
        n = int(rng.integers(8, 14))
        rays = []
        for k in range(n):
            a = 2 * np.pi * k / n
            w = np.pi / n * 0.55
            rays.append(
                np.array(
                    [
                        [0.5 * math.cos(a - w), 0.5 * math.sin(a - w)],
                        [0.95 * math.cos(a), 0.95 * math.sin(a)],
                        [0.5 * math.cos(a + w), 0.5 * math.sin(a + w)],
                    ]
                )
            )
        return [(rays + [_circle(0, 0, 0.5)], [], "main")]
    if name == "moon":
        off = rng.uniform(0.3, 0.5)
        return [([_circle(0, 0, 0.85)], [_circle(off, -0.15, 0.75)], "main")]
    if name == "star":
        pts = []
        inner = rng.uniform(0.35, 0.45)
        for k in range(10):
            a = -np.pi / 2 + np.pi * k / 5
            r = 0.95 if k % 2 == 0 else inner
            pts.append([r * math.cos(a), r * math.sin(a)])
        return [([np.array(pts)], [], "main")]
    if name == "heart":
        t = np.linspace(0, 2 * np.pi, 80, endpoint=False)
        x = 16 * np.sin(t) ** 3
        y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
        return [([np.stack([x, y + 2.5], 1) / 17.5], [], "main")]
    if name == "tree":
        parts = [([_rect(-0.12, 0.3, 0.12, 0.95)], [], "dark")]
        if rng.random() < 0.5:  # conifer
            tiers = [
                np.array([[-0.75, 0.45], [0.75, 0.45], [0, -0.2]]),
                np.array([[-0.6, 0.1], [0.6, 0.1], [0, -0.55]]),
                np.array([[-0.45, -0.25], [0.45, -0.25], [0, -0.95]]),
            ]
            parts.append((tiers, [], "main"))
        else:  # broadleaf
            blobs = [
                _circle(0, -0.35, 0.5),
                _circle(-0.35, -0.05, 0.38),
                _circle(0.35, -0.05, 0.38),
                _circle(0, -0.7, 0.3),
            ]
            parts.append((blobs, [], "main"))
        return parts
    if name == "house":
        return [
            ([_rect(-0.65, -0.15, 0.65, 0.9)], [], "main"),
            ([np.array([[-0.85, -0.1], [0.85, -0.1], [0, -0.9]])], [], "accent"),
            ([_rect(-0.15, 0.35, 0.15, 0.9)], [], "dark"),
            ([_rect(0.28, 0.05, 0.52, 0.3), _rect(-0.52, 0.05, -0.28, 0.3)], [], "light"),
        ]
    if name == "fish":
        return [
            ([_ellipse(-0.1, 0, 0.65, 0.38), np.array([[0.4, 0], [0.95, -0.45], [0.95, 0.45]])], [], "main"),
            ([np.array([[-0.2, -0.3], [0.15, -0.3], [0.05, -0.55]])], [], "accent"),
            ([_circle(-0.45, -0.08, 0.08, 20)], [], "dark"),
        ]
    if name == "car":
        return [
            ([_rect(-0.95, -0.05, 0.95, 0.42)], [], "main"),
            ([np.array([[-0.55, -0.05], [-0.35, -0.45], [0.35, -0.45], [0.6, -0.05]])], [], "main"),
            (
                [
                    np.array([[-0.45, -0.1], [-0.3, -0.37], [-0.03, -0.37], [-0.03, -0.1]]),
                    np.array([[0.05, -0.1], [0.05, -0.37], [0.3, -0.37], [0.47, -0.1]]),
                ],
                [],
                "light",
            ),
            ([_circle(-0.55, 0.42, 0.22), _circle(0.55, 0.42, 0.22)], [], "dark"),
        ]
    if name == "umbrella":
        t = np.linspace(np.pi, 2 * np.pi, 40)
        dome = np.stack([0.9 * np.cos(t), 0.75 * np.sin(t) - 0.05], 1)
        bumps = [_circle(x, -0.05, 0.15, 20) for x in (-0.675, -0.225, 0.225, 0.675)]
        hook = [[0, -0.05], [0, 0.75]] + [
            [0.15 - 0.15 * math.cos(a), 0.75 + 0.15 * math.sin(a)] for a in np.linspace(0, np.pi, 8)
        ]
        return [(_thick_line(hook, 0.08), [], "dark"), ([dome], bumps, "main")]
    if name == "key":
        teeth = [_rect(0.55, 0.0, 0.65, 0.25), _rect(0.75, 0.0, 0.85, 0.2)]
        return [([_circle(-0.55, 0, 0.38), _rect(-0.2, -0.08, 0.95, 0.08)] + teeth, [_circle(-0.55, 0, 0.17)], "main")]
    if name == "cloud":
        return [
            (
                [
                    _circle(-0.45, 0.1, 0.35),
                    _circle(0, -0.15, 0.48),
                    _circle(0.45, 0.05, 0.38),
                    _ellipse(0, 0.25, 0.8, 0.22),
                ],
                [],
                "main",
            )
        ]
    if name == "flower":
        n = int(rng.integers(5, 9))
        petals = [
            _ellipse(
                0.3 * math.cos(2 * np.pi * k / n),
                -0.35 + 0.3 * math.sin(2 * np.pi * k / n),
                0.3,
                0.15,
                -2 * np.pi * k / n,
            )
            for k in range(n)
        ]
        stem = _thick_line([[0, -0.3], [0.05, 0.3], [0, 0.95]], 0.08) + [_ellipse(0.2, 0.45, 0.2, 0.08, -0.5)]
        return [(stem, [], "dark"), (petals, [], "main"), ([_circle(0, -0.35, 0.16)], [], "accent")]
    raise ValueError(f"unknown class {name!r}")


def _hsv(h, s, v):
    return np.array(colorsys.hsv_to_rgb(h % 1.0, min(max(s, 0), 1), min(max(v, 0), 1))) * 255.0


def _palette(name, rng):
    h, s, v = _PRIOR[name]
    if rng.random() < 0.25:  # any colour: the shape, not the colour, names the class
        h, s, v = rng.random(), rng.uniform(0.3, 1.0), rng.uniform(0.5, 1.0)
    else:
        h, s, v = h + rng.normal(0, 0.03), s + rng.normal(0, 0.08), v + rng.normal(0, 0.08)
    dark = (0.08, 0.6, 0.35) if name in ("tree", "flower") else (rng.random(), 0.3, rng.uniform(0.1, 0.3))
    if name == "flower":
        dark = (0.3, 0.7, 0.5)
    return {
        "main": _hsv(h, s, v),
        "accent": _hsv(h + rng.uniform(0.3, 0.7), rng.uniform(0.5, 1), rng.uniform(0.6, 1)),
        "dark": _hsv(*dark),
        "light": _hsv(0.55, 0.15, 0.95),
    }


# ---------------------------------------------------------------- rendering


def _background(w, h, rng, obj_rgb):
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a = rng.uniform(0, 2 * np.pi)
    g = np.cos(a) * xx / w + np.sin(a) * yy / h
    g = (g - g.min()) / (np.ptp(g) + 1e-6)
    c0 = _hsv(rng.random(), rng.uniform(0, 0.6), rng.uniform(0.15, 1.0))
    c1 = _hsv(rng.random(), rng.uniform(0, 0.6), rng.uniform(0.15, 1.0))
    # Keep contrast with the object: push the background away from the object's brightness.
    obj_v = obj_rgb.mean()
    for c in (c0, c1):
        if abs(c.mean() - obj_v) < 60:
            c *= 0.45 if obj_v > 110 else 1.0
            c += 0 if obj_v > 110 else 110
    bg = c0[None, None] * (1 - g[..., None]) + c1[None, None] * g[..., None]
    if rng.random() < 0.4:  # ground band
        horizon = rng.uniform(0.6, 0.85) * h
        ground = _hsv(rng.uniform(0.05, 0.4), rng.uniform(0.2, 0.7), rng.uniform(0.2, 0.7))
        m = np.clip((yy - horizon) / max(2.0, h * 0.01), 0, 1)[..., None]
        bg = bg * (1 - m) + ground * m
    return np.clip(bg, 0, 255).astype(np.float32)


def _pose(rng, name, w, h):
    side = min(w, h)
    rot_range = np.pi if name in ("sun", "star", "flower", "key") else 0.45
    return {
        "scale": rng.uniform(0.26, 0.46) * side,
        "rot": rng.uniform(-rot_range, rot_range),
        "sx": rng.uniform(0.8, 1.2),
        "flip": name in ("fish", "car", "key", "umbrella") and rng.random() < 0.5,
        "cx": w / 2 + rng.uniform(-0.12, 0.12) * w,
        "cy": h / 2 + rng.uniform(-0.12, 0.12) * h,
    }


def _to_pixels(poly, pose):
    p = np.asarray(poly, dtype=np.float64).copy()
    if pose["flip"]:
        p[:, 0] = -p[:, 0]
    p[:, 0] *= pose["sx"]
    c, s = math.cos(pose["rot"]), math.sin(pose["rot"])
    p = p @ np.array([[c, s], [-s, c]])
    return p * pose["scale"] + [pose["cx"], pose["cy"]]


def _mask(w, h, fills, erases, pose, ss):
    from PIL import Image, ImageDraw

    im = Image.new("L", (w * ss, h * ss), 0)
    d = ImageDraw.Draw(im)
    for poly in fills:
        d.polygon([tuple(q) for q in (_to_pixels(poly, pose) * ss)], fill=255)
    for poly in erases:
        d.polygon([tuple(q) for q in (_to_pixels(poly, pose) * ss)], fill=0)
    m = np.asarray(im, dtype=np.float32) / 255.0
    if ss > 1:
        m = m.reshape(h, ss, w, ss).mean(axis=(1, 3))
    return m


def render(name, w, h, rng, noise=None):
    """One w x h RGB uint8 image of class `name`, all variation drawn from `rng`."""
    if name not in CLASSES:
        raise ValueError(f"unknown class {name!r}")
    pal = _palette(name, rng)
    img = _background(w, h, rng, pal["main"])
    ss = 2 if max(w, h) <= 512 else 1  # supersample small renders for anti-aliased edges
    # Distractors: faint blobs so that "any blob" is not a class.
    for _ in range(int(rng.integers(0, 4))):
        r = rng.uniform(0.03, 0.1) * min(w, h)
        pose = {"scale": r, "rot": 0.0, "sx": 1.0, "flip": False, "cx": rng.uniform(0, w), "cy": rng.uniform(0, h)}
        m = _mask(w, h, [_circle(0, 0, 1.0) if rng.random() < 0.5 else _rect(-1, -1, 1, 1)], [], pose, ss)
        col = _hsv(rng.random(), rng.uniform(0, 1), rng.uniform(0.2, 1))
        img = img * (1 - 0.5 * m[..., None]) + col * 0.5 * m[..., None]
    pose = _pose(rng, name, w, h)
    for fills, erases, role in _shape(name, rng):
        m = _mask(w, h, fills, erases, pose, ss)[..., None]
        img = img * (1 - m) + pal[role] * m
    # Lighting: a smooth multiplicative gradient, then sensor noise.
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    a = rng.uniform(0, 2 * np.pi)
    light = 1.0 + rng.uniform(0, 0.35) * (np.cos(a) * (xx / w - 0.5) + np.sin(a) * (yy / h - 0.5)) * 2
    img = img * light[..., None] * rng.uniform(0.75, 1.15)
    sigma = rng.uniform(0, 10) if noise is None else noise
    img = img + rng.normal(0, 1, img.shape).astype(np.float32) * sigma
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def sample(seed, split, index, size_range=(96, 200)):
    """(image, label index) for one dataset item: class = index mod classes, random size and aspect ratio."""
    rng = _rng(seed, split, index)
    label = index % len(CLASSES)
    side = rng.uniform(*size_range)
    aspect = math.exp(rng.uniform(math.log(0.6), math.log(1.7)))
    w = max(32, int(round(side * math.sqrt(aspect))))
    h = max(32, int(round(side / math.sqrt(aspect))))
    return render(CLASSES[label], w, h, rng), label


def tensors(seed, split, count, spec, start=0):
    """Pre-processed inputs (count, C, H, W) float32 and labels (count,) for a split, via the manifest input spec."""
    from preprocess import preprocess

    xs, ys = [], []
    for i in range(start, start + count):
        img, y = sample(seed, split, i)
        xs.append(preprocess(img, spec)[0])
        ys.append(y)
    return np.stack(xs), np.asarray(ys, dtype=np.int64)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("preview", help="contact sheet of the first images of a split")
    p.add_argument("--split", default="train", choices=SPLITS)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=DEFAULT_SEED)
    e = sub.add_parser("export", help="write images of a split as PNG files named <index>_<label>.png")
    e.add_argument("--split", default="test", choices=SPLITS)
    e.add_argument("--count", type=int, default=len(CLASSES))
    e.add_argument("--out", required=True)
    e.add_argument("--seed", type=int, default=DEFAULT_SEED)
    a = ap.parse_args(argv)
    from PIL import Image

    if a.cmd == "preview":
        from preprocess import resize

        tiles = []
        for i in range(48):
            img, _ = sample(a.seed, a.split, i)
            tiles.append(np.clip(resize(img, 96, 96), 0, 255).astype(np.uint8))
        rows = [np.concatenate(tiles[r * 12 : (r + 1) * 12], 1) for r in range(4)]
        Image.fromarray(np.concatenate(rows, 0)).save(a.out)
    else:
        os.makedirs(a.out, exist_ok=True)
        for i in range(a.count):
            img, y = sample(a.seed, a.split, i)
            Image.fromarray(img).save(os.path.join(a.out, f"{i:05d}_{CLASSES[y]}.png"))
    print(f"dataset: wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
