"""Image pre-processing with the same semantics as the C++ core (cpp/core), in numpy.

Semantics (docs/models.md, "Pre-processing"):
  1. decode to 8-bit RGB, EXIF orientation applied;
  2. optional centre crop: centerCrop < 1 keeps a centred square whose side is round(centerCrop * shorter side);
     centerCrop == 1 keeps the whole image;
  3. resize to the model's width x height, each axis on its own: bilinear with half-pixel centres
     (src = (dst + 0.5) * in/out - 0.5, clamped to [0, in-1]) when the axis shrinks by at most 2x or grows,
     area averaging (exact box coverage) when it shrinks by more than 2x; values stay float (no rounding to 8 bit);
  4. value = (pixel - mean[c]) / std[c], pixel in 0..255, channel order per colorOrder (RGB or BGR);
  5. layout NCHW or NHWC, batch 1.
"""
import numpy as np


def axis_weights(n_in, n_out):
    """Dense (n_out, n_in) float64 matrix that resamples one axis from n_in to n_out samples."""
    if n_in <= 0 or n_out <= 0:
        raise ValueError(f"resize: sizes must be > 0 (got {n_in} -> {n_out})")
    w = np.zeros((n_out, n_in), dtype=np.float64)
    scale = n_in / n_out
    if scale > 2.0:
        # Area averaging: output pixel o covers [o*scale, (o+1)*scale) of the input.
        for o in range(n_out):
            lo, hi = o * scale, (o + 1) * scale
            i0, i1 = int(np.floor(lo)), min(int(np.ceil(hi)), n_in)
            for i in range(i0, i1):
                cover = min(hi, i + 1) - max(lo, i)
                if cover > 0:
                    w[o, i] = cover / scale
    else:
        src = (np.arange(n_out) + 0.5) * scale - 0.5
        src = np.clip(src, 0.0, n_in - 1)
        x0 = np.floor(src).astype(np.int64)
        x1 = np.minimum(x0 + 1, n_in - 1)
        frac = src - x0
        rows = np.arange(n_out)
        np.add.at(w, (rows, x0), 1.0 - frac)
        np.add.at(w, (rows, x1), frac)
    return w


def resize(img, out_w, out_h):
    """Resize an HxWxC uint8/float image to out_h x out_w x C float32 (semantics above)."""
    h, w = img.shape[:2]
    wy = axis_weights(h, out_h).astype(np.float32)
    wx = axis_weights(w, out_w).astype(np.float32)
    x = img.astype(np.float32)
    x = np.tensordot(wy, x, axes=([1], [0]))           # out_h, w, c
    x = np.tensordot(wx, x, axes=([1], [1]))           # out_w, out_h, c
    return np.ascontiguousarray(x.transpose(1, 0, 2))


def center_crop(img, fraction):
    if not (0.0 < fraction <= 1.0):
        raise ValueError(f"centerCrop must be in (0, 1] (got {fraction})")
    if fraction == 1.0:
        return img
    h, w = img.shape[:2]
    side = max(1, int(round(fraction * min(h, w))))
    top, left = (h - side) // 2, (w - side) // 2
    return img[top:top + side, left:left + side]


def preprocess(rgb, spec):
    """rgb: HxWx3 uint8 array in RGB order. spec: the manifest's `input` object. Returns float32 tensor, batch 1."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.shape[0] == 0 or rgb.shape[1] == 0:
        raise ValueError(f"preprocess: expected a non-empty HxWx3 image, got shape {rgb.shape}")
    img = center_crop(rgb, float(spec.get("centerCrop", 1.0)))
    x = resize(img, int(spec["width"]), int(spec["height"]))
    if spec.get("colorOrder", "RGB") == "BGR":
        x = x[:, :, ::-1]
    mean = np.asarray(spec["mean"], dtype=np.float32)
    std = np.asarray(spec["std"], dtype=np.float32)
    x = (x - mean) / std
    if spec.get("layout", "NCHW") == "NCHW":
        x = x.transpose(2, 0, 1)
    return np.ascontiguousarray(x[None].astype(np.float32))


def load_rgb(path):
    """Decode PNG/JPEG to HxWx3 uint8 RGB with EXIF orientation applied (PIL only decodes; no PIL resampling)."""
    from PIL import Image, ImageOps
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im)
        return np.asarray(im.convert("RGB"), dtype=np.uint8)
