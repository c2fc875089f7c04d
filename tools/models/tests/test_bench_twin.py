"""The uint8-activation twins of the int8 bench models (bench.py): what bench:peer runs onnxruntime's fast int8 path
on. They must compute the same function as the int8 model, really carry uint8 activations, and be regenerated
(deterministically) when an old bench folder lacks them."""
import os
import shutil
import subprocess
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, numpy_helper

import bench
import manifest as mf

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BENCH = os.path.join(mf.MODELS_DIR, "bench")
KEYS = ("mobilenetv2", "resnet18")


def int8_path(key):
    return os.path.join(BENCH, f"{key}_int8.onnx")


def zero_points(model, activations):
    """{zero-point name: dtype} of the activation (or weight) QuantizeLinear/DequantizeLinear nodes."""
    inits = {t.name: t for t in model.graph.initializer}
    out = {}
    for nd in model.graph.node:
        if nd.op_type in ("QuantizeLinear", "DequantizeLinear") and (nd.input[0] not in inits) == activations:
            out[nd.input[2]] = inits[nd.input[2]].data_type
    return out


class TwinTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        missing = [p for k in KEYS for p in (int8_path(k), bench.twin_path(int8_path(k))) if not os.path.exists(p)]
        if missing:
            raise AssertionError(f"missing {missing}: run scripts/setup.d/20-bench-models.sh")
        cls.models = {k: (onnx.load(int8_path(k)), onnx.load(bench.twin_path(int8_path(k)))) for k in KEYS}

    def test_activations_are_uint8_weights_unchanged(self):
        for key, (q, twin) in self.models.items():
            acts = zero_points(twin, activations=True)
            self.assertGreater(len(acts), 10, key)
            self.assertEqual(set(acts.values()), {TensorProto.UINT8}, key)
            self.assertEqual(zero_points(q, activations=True).keys() & acts.keys(), set(), key)
            self.assertEqual(zero_points(twin, activations=False), zero_points(q, activations=False), key)
            inits_q = {t.name: numpy_helper.to_array(t) for t in q.graph.initializer}
            inits_t = {t.name: numpy_helper.to_array(t) for t in twin.graph.initializer}
            for nq, nt in zip(q.graph.node, twin.graph.node):
                self.assertEqual(
                    (nq.op_type, list(nq.input[:2]), list(nq.output)), (nt.op_type, list(nt.input[:2]), list(nt.output))
                )
                if nq.op_type in ("QuantizeLinear", "DequantizeLinear") and nq.input[0] not in inits_q:
                    self.assertEqual(inits_t[nt.input[1]], inits_q[nq.input[1]])  # same scale
                    self.assertEqual(int(inits_t[nt.input[2]]), int(inits_q[nq.input[2]]) + 128, nq.name)
            for name, w in inits_q.items():
                if w.dtype == np.int8 and w.ndim > 0:  # the int8 weights, as they were
                    np.testing.assert_array_equal(inits_t[name], w)

    def test_twin_of_a_model_without_int8_activations_is_refused(self):
        with self.assertRaisesRegex(ValueError, "not an int8 QDQ model"):
            bench.uint8_activation_twin(bench.resnet18(5))

    def test_outputs_equal_the_int8_model_under_onnxruntime(self):
        node = shutil.which("node")
        self.assertTrue(node, "node is not on PATH (needed to run onnxruntime-node)")
        helper = os.path.join(REPO, "dist", "ort", "session.js")  # ort_run.js opens its session there
        self.assertTrue(os.path.isfile(helper), f"{helper} is missing: run npm run build:ts")
        ort_run = os.path.join(os.path.dirname(os.path.dirname(__file__)), "ort_run.js")
        x = bench.synthetic_images(3, 224, seed=31)
        with tempfile.TemporaryDirectory() as tmp:
            for key in KEYS:
                for i, xi in enumerate(x):
                    f = os.path.join(tmp, f"x{i}.f32")
                    xi[None].astype("<f4").tofile(f)
                    a, b = (
                        np.frombuffer(
                            subprocess.run(
                                [node, ort_run, p, f, "1,3,224,224"], capture_output=True, check=True
                            ).stdout,
                            np.float32,
                        )
                        for p in (int8_path(key), bench.twin_path(int8_path(key)))
                    )
                    self.assertEqual(a.shape, (1000,))
                    # Same dequantized values everywhere: equal up to float rounding (the graph runs as written).
                    np.testing.assert_allclose(b, a, rtol=0, atol=1e-5 * np.abs(a).max(), err_msg=f"{key} input {i}")
                    self.assertGreater(np.abs(a).max(), 0)

    def test_an_old_folder_gets_only_the_missing_twins_and_the_same_bytes(self):
        with tempfile.TemporaryDirectory() as tmp:
            for key in KEYS:  # a bench folder from before the twins (links: generate must not rewrite them)
                for kind in ("fp32", "int8"):
                    os.symlink(os.path.join(BENCH, f"{key}_{kind}.onnx"), os.path.join(tmp, f"{key}_{kind}.onnx"))
            logs = []
            bench.generate(tmp, log=logs.append)
            for key in KEYS:
                for kind in ("fp32", "int8"):
                    self.assertTrue(os.path.islink(os.path.join(tmp, f"{key}_{kind}.onnx")), f"{key}_{kind} rewritten")
                with open(bench.twin_path(os.path.join(tmp, f"{key}_int8.onnx")), "rb") as a:
                    with open(bench.twin_path(int8_path(key)), "rb") as b:
                        self.assertEqual(a.read(), b.read(), f"{key}: twin not deterministic")
            self.assertEqual(len(logs), len(KEYS), logs)
            bench.generate(tmp, log=logs.append)  # now complete: skipped
            self.assertEqual(logs[len(KEYS) :], [f"bench: {k} present, skipped" for k in KEYS])


if __name__ == "__main__":
    unittest.main()
