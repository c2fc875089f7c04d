"""Pre-processing semantics (tools/models/preprocess.py) against plain per-pixel reference loops."""
import math
import os
import unittest

import numpy as np

import preprocess as pp
from manifest import SHAPES_INPUT
from make_samples import SAMPLES_DIR


def ref_resize(img, ow, oh, window=None):
    """Straightforward per-pixel version of the documented semantics (window: x0, y0, width, height)."""
    h, w, c = img.shape
    x0, y0, ww, wh = window or (0.0, 0.0, w, h)

    def taps(n_in, n_out, o, start, length):
        s = length / n_out
        if s > 2:
            lo, hi = start + o * s, min(start + (o + 1) * s, n_in)
            return [
                (i, (min(hi, i + 1) - max(lo, i)) / (hi - lo))
                for i in range(int(math.floor(lo)), n_in)
                if min(hi, i + 1) - max(lo, i) > 0
            ]
        src = min(max(start + (o + 0.5) * s - 0.5, 0.0), n_in - 1)
        x0 = int(math.floor(src))
        x1 = min(x0 + 1, n_in - 1)
        f = src - x0
        return [(x0, 1 - f), (x1, f)]

    out = np.zeros((oh, ow, c))
    for y in range(oh):
        for x in range(ow):
            acc = np.zeros(c)
            for iy, wy in taps(h, oh, y, y0, wh):
                for ix, wx in taps(w, ow, x, x0, ww):
                    acc += wy * wx * img[iy, ix].astype(np.float64)
            out[y, x] = acc
    return out


class ResizeTest(unittest.TestCase):
    def setUp(self):
        self.rng = np.random.default_rng(3)

    def check(self, h, w, oh, ow):
        img = self.rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        got = pp.resize(img, ow, oh)
        self.assertEqual(got.shape, (oh, ow, 3))
        np.testing.assert_allclose(got, ref_resize(img, ow, oh), atol=2e-3)

    def test_upscale(self):
        self.check(5, 7, 13, 11)

    def test_mild_downscale_is_bilinear(self):
        self.check(20, 30, 11, 16)

    def test_heavy_downscale_is_area(self):
        self.check(50, 37, 7, 5)

    def test_mixed_axes(self):
        self.check(40, 6, 9, 12)

    def test_identity(self):
        img = self.rng.integers(0, 256, (9, 14, 3), dtype=np.uint8)
        np.testing.assert_array_equal(pp.resize(img, 14, 9), img.astype(np.float32))

    def test_area_of_exact_blocks_is_block_mean(self):
        img = self.rng.integers(0, 256, (12, 12, 3), dtype=np.uint8)
        want = img.reshape(3, 4, 3, 4, 3).astype(np.float64).mean(axis=(1, 3))
        np.testing.assert_allclose(pp.resize(img, 3, 3), want, atol=1e-3)

    def test_zero_size_is_an_error(self):
        with self.assertRaises(ValueError):
            pp.resize(np.zeros((4, 4, 3), np.uint8), 0, 4)


class NormalizeTest(unittest.TestCase):
    def test_constant_image_nchw_rgb(self):
        img = np.zeros((10, 20, 3), np.uint8)
        img[..., 0], img[..., 1], img[..., 2] = 200, 100, 50
        x = pp.preprocess(img, SHAPES_INPUT)
        self.assertEqual(x.shape, (1, 3, 96, 96))
        self.assertEqual(x.dtype, np.float32)
        for c, v in enumerate((200, 100, 50)):
            np.testing.assert_allclose(x[0, c], (v - SHAPES_INPUT["mean"][c]) / SHAPES_INPUT["std"][c], rtol=1e-5)

    def test_bgr_and_nhwc(self):
        img = np.zeros((4, 4, 3), np.uint8)
        img[..., 0] = 255
        spec = {"width": 2, "height": 2, "layout": "NHWC", "colorOrder": "BGR", "mean": [0, 0, 0], "std": [1, 2, 4]}
        x = pp.preprocess(img, spec)
        self.assertEqual(x.shape, (1, 2, 2, 3))
        np.testing.assert_allclose(x[0, 0, 0], [0, 0, 255 / 4])

    def test_center_crop_window_is_subpixel_exact(self):
        self.assertEqual(pp.crop_window(10, 6, 0.5), (3.5, 1.5, 3.0, 3.0))
        self.assertEqual(pp.crop_window(10, 6, 1.0), (0.0, 0.0, 10.0, 6.0))
        with self.assertRaises(ValueError):
            pp.crop_window(10, 6, 0.0)
        img = np.random.default_rng(5).integers(0, 256, (30, 47, 3), dtype=np.uint8)
        for frac, size in ((0.875, 7), (0.5, 11), (0.9, 40)):  # area, area, bilinear upscale
            win = pp.crop_window(47, 30, frac)
            np.testing.assert_allclose(pp.resize(img, size, size, win), ref_resize(img, size, size, win), atol=2e-3)
        # an integer-aligned window equals slicing then resizing
        win = pp.crop_window(12, 8, 0.5)  # x0 4, y0 2, side 4
        np.testing.assert_allclose(pp.resize(img[:8, :12], 4, 4, win), img[2:6, 4:8].astype(np.float32), atol=1e-4)

    def test_bad_images_are_errors(self):
        for bad in (np.zeros((0, 5, 3), np.uint8), np.zeros((5, 5), np.uint8), np.zeros((5, 5, 4), np.uint8)):
            with self.assertRaises(ValueError):
                pp.preprocess(bad, SHAPES_INPUT)


class DecodeTest(unittest.TestCase):
    def test_exif_orientation_is_applied(self):
        from PIL import Image

        path = os.path.join(SAMPLES_DIR, "tree_1200x1600_exif6.jpg")
        with Image.open(path) as im:
            self.assertEqual(im.size, (1600, 1200))  # stored sideways
            self.assertEqual(im.getexif().get(0x0112), 6)
        self.assertEqual(pp.load_rgb(path).shape, (1600, 1200, 3))  # displayed upright

    def test_corrupt_file_is_an_error(self):
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".png") as f:
            f.write(b"\x89PNG\r\n\x1a\nnot really")
            f.flush()
            with self.assertRaises(Exception):
                pp.load_rgb(f.name)


if __name__ == "__main__":
    unittest.main()
