"""Dataset generator: determinism, split separation, class balance, variation."""
import hashlib
import os
import subprocess
import sys
import unittest

import numpy as np

import dataset
from manifest import SHAPES_INPUT

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def digest(img):
    return hashlib.sha256(img.tobytes() + str(img.shape).encode()).hexdigest()


class DatasetTest(unittest.TestCase):
    def test_same_seed_same_image(self):
        a, la = dataset.sample(dataset.DEFAULT_SEED, "train", 17)
        dataset.sample(dataset.DEFAULT_SEED, "train", 3)  # no hidden global state between calls
        b, lb = dataset.sample(dataset.DEFAULT_SEED, "train", 17)
        self.assertEqual(la, lb)
        np.testing.assert_array_equal(a, b)

    def test_deterministic_across_processes(self):
        code = (
            "import sys, hashlib; sys.path.insert(0, %r); import dataset; "
            "img, _ = dataset.sample(dataset.DEFAULT_SEED, 'val', 5); "
            "print(hashlib.sha256(img.tobytes() + str(img.shape).encode()).hexdigest())"
        ) % TOOLS
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
        self.assertEqual(out, digest(dataset.sample(dataset.DEFAULT_SEED, "val", 5)[0]))

    def test_splits_and_seeds_differ(self):
        hashes = {digest(dataset.sample(dataset.DEFAULT_SEED, s, 0)[0]) for s in dataset.SPLITS}
        hashes.add(digest(dataset.sample(dataset.DEFAULT_SEED + 1, "train", 0)[0]))
        self.assertEqual(len(hashes), 4)

    def test_labels_cycle_through_all_classes(self):
        self.assertGreaterEqual(len(dataset.CLASSES), 10)
        self.assertEqual(len(set(dataset.CLASSES)), len(dataset.CLASSES))
        labels = [dataset.sample(1, "test", i)[1] for i in range(2 * len(dataset.CLASSES))]
        self.assertEqual(labels, list(range(len(dataset.CLASSES))) * 2)

    def test_images_vary_in_size_and_content(self):
        imgs = [dataset.sample(1, "train", i)[0] for i in range(24)]
        self.assertGreater(len({im.shape for im in imgs}), 10)
        for im in imgs:
            self.assertEqual(im.dtype, np.uint8)
            self.assertEqual(im.shape[2], 3)
            self.assertGreater(im.std(), 5.0)  # not blank

    def test_tensors_follow_the_input_spec(self):
        x, y = dataset.tensors(1, "val", 3, SHAPES_INPUT)
        self.assertEqual(x.shape, (3, 3, 96, 96))
        self.assertEqual(list(y), [0, 1, 2])

    def test_unknown_class_is_an_error(self):
        with self.assertRaises(ValueError):
            dataset.render("dragon", 32, 32, np.random.default_rng(0))


if __name__ == "__main__":
    unittest.main()
