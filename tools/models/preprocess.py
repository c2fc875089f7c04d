"""Image pre-processing with the same semantics as the C++ core (cpp/core), in numpy.

Semantics (docs/models.md, "Pre-processing"):
  1. decode to 8-bit RGB, EXIF orientation applied;
  2. optional centre crop: centerCrop < 1 keeps the centred square window of side centerCrop * shorter side,
     sub-pixel exact (start = (len - side) / 2, not rounded); centerCrop == 1 keeps the whole image;
  3. resize the window to the model's width x height, each axis on its own: bilinear with half-pixel centres
     (src = start + (dst + 0.5) * win/out - 0.5, clamped to [0, in-1]) when the axis shrinks by at most 2x or
     grows; area averaging over [start + o*s, start + (o+1)*s) (partial pixels weighted by coverage) when it
     shrinks by more than 2x; values stay float (no rounding to 8 bit);
  4. value = (pixel - mean[c]) / std[c], pixel in 0..255, channel order per colorOrder (RGB or BGR);
  5. layout NCHW or NHWC, batch 1.
"""
import numpy as np


def axis_weights(n_in, n_out, start=0.0, length=None):
    """Dense (n_out, n_in) float64 matrix that resamples the window [start, start + length) of one axis of
    n_in samples to n_out samples."""
    if n_in <= 0 or n_out <= 0:
        raise ValueError(f"resize: sizes must be > 0 (got {n_in} -> {n_out})")
    length = float(n_in) if length is None else float(length)
    w = np.zeros((n_out, n_in), dtype=np.float64)
    scale = length / n_out
    if scale > 2.0:
        # Area averaging: output pixel o covers [start + o*scale, start + (o+1)*scale) of the input.
        for o in range(n_out):
            lo, hi = start + o * scale, min(start + (o + 1) * scale, n_in)
            i0, i1 = max(0, int(np.floor(lo))), min(int(np.ceil(hi)), n_in)
            for i in range(i0, i1):
                cover = min(hi, i + 1) - max(lo, i)
                if cover > 1e-9:
                    w[o, i] = cover
            w[o] /= w[o].sum()
    else:
        src = start + (np.arange(n_out) + 0.5) * scale - 0.5
        src = np.clip(src, 0.0, n_in - 1)
        x0 = np.floor(src).astype(np.int64)
        x1 = np.minimum(x0 + 1, n_in - 1)
        frac = src - x0
        rows = np.arange(n_out)
        np.add.at(w, (rows, x0), 1.0 - frac)
        np.add.at(w, (rows, x1), frac)
    return w


def resize(img, out_w, out_h, window=None):
    """Resize an HxWxC uint8/float image (or its window (x0, y0, side_w, side_h)) to out_h x out_w x C float32."""
    h, w = img.shape[:2]
    x0, y0, ww, wh = window if window is not None else (0.0, 0.0, float(w), float(h))
    wy = axis_weights(h, out_h, y0, wh).astype(np.float32)
    wx = axis_weights(w, out_w, x0, ww).astype(np.float32)
    x = img.astype(np.float32)
    x = np.tensordot(wy, x, axes=([1], [0]))  # out_h, w, c
    x = np.tensordot(wx, x, axes=([1], [1]))  # out_w, out_h, c
    return np.ascontiguousarray(x.transpose(1, 0, 2))


def crop_window(w, h, fraction):
    """(x0, y0, width, height) of the centre-crop window in source pixels (sub-pixel exact)."""
    if not (0.0 < fraction <= 1.0):
        raise ValueError(f"centerCrop must be in (0, 1] (got {fraction})")
    if fraction == 1.0:
        return 0.0, 0.0, float(w), float(h)
    side = fraction * min(w, h)
    return (w - side) / 2, (h - side) / 2, side, side


def preprocess(rgb, spec):
    """rgb: HxWx3 uint8 array in RGB order. spec: the manifest's `input` object. Returns float32 tensor, batch 1."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.shape[0] == 0 or rgb.shape[1] == 0:
        raise ValueError(f"preprocess: expected a non-empty HxWx3 image, got shape {rgb.shape}")
    window = crop_window(rgb.shape[1], rgb.shape[0], float(spec.get("centerCrop", 1.0)))
    x = resize(rgb, int(spec["width"]), int(spec["height"]), window)
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
