"""layerdiff.py: the per-layer report points at badlayer.py's hostile layer (compare's first drop, the isolated view,
sensitivity's top rank and exclude set) and at nothing on the healthy control and the bundled shapes models; one
model on two engines agrees everywhere; bad inputs give one-line errors and exit 1 (usage 2)."""
import contextlib
import io
import json
import os
import shutil
import tempfile
import unittest

import numpy as np
import onnx

import badlayer
import layerdiff as ld
import manifest as mf
import onnxexec
import quantize as qz
from climain import run_main

SAMPLES = os.path.normpath(os.path.join(mf.MODELS_DIR, "..", "samples"))
PRE = ["--size", "32x32", "--mean", "123.675,116.28,103.53", "--std", "58.395,57.12,57.375"]


def read(path):
    with open(path) as f:
        return f.read()


def run_cli(argv):
    """(exit code, stdout, stderr) of layerdiff.main(argv)."""
    return run_main(ld.main, argv)


class BadLayerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="layerdiff-test-")
        cls.info = badlayer.build(os.path.join(cls.tmp, "bad_fp32.onnx"), os.path.join(cls.tmp, "bad_int8.onnx"))
        cls.good = badlayer.build(
            os.path.join(cls.tmp, "good_fp32.onnx"), os.path.join(cls.tmp, "good_int8.onnx"), bad=None
        )
        cls.images = os.path.join(cls.tmp, "images")
        badlayer.write_images(cls.images, 12)
        cls.x, _ = ld.load_images([cls.images], badlayer.INPUT_SPEC)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def compare(self, which, **kw):
        return ld.compare(onnx.load(which["fp32"]), onnx.load(which["int8"]), self.x, **kw)

    def test_compare_points_at_the_bad_layer(self):
        r = self.compare(self.info)
        bad = self.info["node"]
        self.assertEqual(r["firstDrop"]["node"], bad)
        self.assertEqual(r["firstDrop"]["tensor"], self.info["output"])
        self.assertEqual(r["firstIsolatedDrop"]["node"], bad)
        self.assertEqual(r["worstIsolated"]["node"], bad)
        rows = {row["node"]: row for row in r["layers"]}
        self.assertLess(rows[bad]["accumulated"]["cosine"], 0.9)
        # Only the bad layer is bad on its own: every other layer fed the fp32 inputs stays above the threshold.
        others = [row for row in r["layers"] if row["node"] != bad]
        self.assertTrue(all(row["isolated"]["cosine"] >= 0.99 for row in others), [row["node"] for row in others])
        # Accumulated error after the bad layer stays (the final output still below the threshold).
        self.assertEqual(r["output"]["tensor"], "logits")
        self.assertLess(r["output"]["accumulated"]["cosine"], 0.99)

    def test_healthy_control_has_no_drop(self):
        r = self.compare(self.good)
        self.assertIsNone(r["firstDrop"])
        self.assertIsNone(r["firstIsolatedDrop"])
        self.assertGreater(r["output"]["accumulated"]["cosine"], 0.999)

    def test_rows_match_fp32_tensors_with_the_int8_dequantized_values(self):
        r = self.compare(self.info)
        fp32 = onnx.load(self.info["fp32"])
        self.assertEqual([row["tensor"] for row in r["layers"]], ["input"] + [n.output[0] for n in fp32.graph.node])
        pairs = {row["tensor"]: row["candidateTensor"] for row in r["layers"]}
        self.assertEqual(pairs["input"], "input_dequantized")
        self.assertEqual(pairs["conv3_out"], "conv3_out_dequantized")
        self.assertEqual(pairs["conv1_out"], "conv1_out")  # fused Relu: the Conv's float output, not quantized
        self.assertEqual(pairs["logits"], "logits")
        want = onnxexec.Executor(onnx.load(self.info["int8"])).run_batched(self.x)
        got = ld.run_engine("numpy", onnx.load(self.info["int8"]), self.x, ["logits"])["logits"]
        np.testing.assert_array_equal(got, want)

    def test_isolated_layer_takes_the_reference_input_and_quantizes_it_itself(self):
        int8 = onnx.load(self.info["int8"])
        rows = ld.match(onnx.load(self.info["fp32"]), int8)
        m, stops = ld.isolated_model(int8, "conv3_out_dequantized", {t for t, _, _ in rows}, "conv3_out")
        self.assertEqual(stops, ["relu2_out"])
        ops = [n.op_type for n in m.graph.node]
        self.assertEqual(ops.count("QuantizeLinear"), 2)  # its input's and its output's
        self.assertIn("Conv", ops)

    def test_one_model_on_two_engines_agrees(self):
        int8 = onnx.load(self.info["int8"])
        r = ld.compare(int8, int8, self.x, against_engine="ort")
        self.assertIsNone(r["firstDrop"])
        self.assertEqual(r["engines"], {"reference": "numpy", "candidate": "ort"})
        self.assertTrue(all(row["candidateTensor"] == row["tensor"] for row in r["layers"]))
        self.assertGreater(min(row["accumulated"]["cosine"] for row in r["layers"]), 0.9999)
        self.assertGreater(min(row["isolated"]["cosine"] for row in r["layers"]), 0.9999)

    def test_sensitivity_ranks_the_bad_layer_first_and_excludes_only_it(self):
        r = ld.sensitivity(onnx.load(self.info["fp32"]), self.x, log=lambda *_: None)
        self.assertEqual(r["ranking"][0], self.info["node"])
        self.assertLess(r["allInt8"]["cosine"], 0.99)
        self.assertEqual(r["exclude"], [self.info["node"]])
        self.assertTrue(r["targetMet"])
        # The set holds when quantize.py applies it on its own.
        prepared = qz.prepare(onnx.load(self.info["fp32"]))
        m, _ = qz.quantize(prepared, [self.x], "minmax", exclude=r["exclude"])
        self.assertGreaterEqual(qz.compare(prepared, m, self.x)["cosineMean"], 0.99)

    def test_a_fused_relu_belongs_to_its_conv_and_shape_ops_are_no_layers(self):
        layers = ld.layers_of(qz.prepare(onnx.load(self.info["fp32"])))
        self.assertEqual(
            layers,
            [
                ("conv1", ["conv1", "relu1"]),
                ("pool1", ["pool1"]),
                ("conv2", ["conv2", "relu2"]),
                ("conv3", ["conv3"]),
                ("add1", ["add1"]),
                ("relu_add", ["relu_add"]),
                ("pool2", ["pool2"]),
                ("conv4", ["conv4", "relu4"]),
                ("gap", ["gap"]),
                ("fc", ["fc"]),
            ],
        )

    def test_cli_writes_table_json_html_and_exclude_file(self):
        j, h, e = (os.path.join(self.tmp, n) for n in ("r.json", "r.html", "exclude.txt"))
        model = ["--model", self.info["fp32"], "--images", self.images] + PRE
        rc, out, err = run_cli(["compare", "--against", self.info["int8"], "--json", j, "--html", h] + model)
        self.assertEqual((rc, err), (0, ""))
        self.assertIn("first drop below cosine 0.99: conv3 (Conv", out)
        self.assertEqual(json.loads(read(j))["firstDrop"]["node"], "conv3")
        page = read(h)
        self.assertIn("<svg", page)
        self.assertIn("first drop: conv3", page)
        rc, out, err = run_cli(["compare", "--against", self.info["int8"], "--json", "-"] + model)
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(json.loads(out)["firstDrop"]["node"], "conv3")  # the JSON alone on stdout
        rc, out, err = run_cli(["sensitivity", "--exclude-out", e] + model)
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual([ln for ln in read(e).splitlines() if not ln.startswith("#")], ["conv3"])
        # The chain: quantize.py takes the file as it is and reaches the target with it; without it, it does not.
        for extra, reaches in (([], False), (["--exclude-file", e], True)):
            q, rep = os.path.join(self.tmp, "q.onnx"), os.path.join(self.tmp, "q.json")
            args = ["--model", self.info["fp32"], "--output", q, "--images", self.images, "--method", "minmax"]
            with contextlib.redirect_stdout(io.StringIO()):
                self.assertEqual(qz.main(args + PRE + ["--report", rep] + extra), 0)
            self.assertEqual(json.loads(read(rep))["test"]["cosineMean"] >= 0.99, reaches, extra)

    def test_bad_inputs_give_one_line_errors(self):
        junk = os.path.join(self.tmp, "junk.onnx")
        with open(junk, "wb") as f:
            f.write(b"\x00not a model at all\xff" * 10)
        empty = os.path.join(self.tmp, "empty")
        os.makedirs(empty, exist_ok=True)
        bad_png = os.path.join(self.tmp, "bad.png")
        shutil.copy(junk, bad_png)
        # The same network with every tensor renamed: nothing but the input is comparable.
        renamed = onnx.load(self.info["fp32"])
        for n in renamed.graph.node:
            n.input[:] = [i if i == "input" or i.endswith(("_w", "_b")) else "x_" + i for i in n.input]
            n.output[:] = ["x_" + o for o in n.output]
        renamed.graph.output[0].name = "x_logits"
        other = os.path.join(self.tmp, "renamed.onnx")
        onnx.save(renamed, other)
        fp32, int8 = self.info["fp32"], self.info["int8"]
        cases = [
            ([fp32, os.path.join(self.tmp, "missing.onnx"), self.images], "cannot read"),
            ([junk, int8, self.images], "not an ONNX model"),
            (["/dev/zero", int8, self.images], "not a regular file"),
            ([fp32, int8, empty], "no images"),
            ([fp32, int8, bad_png], "not a readable image"),
            ([fp32, int8, "/dev/zero"], "not a regular file or folder"),
            ([fp32, other, self.images], "nothing comparable"),
        ]
        for (model, against, images), message in cases:
            rc, out, err = run_cli(["compare", "--model", model, "--against", against, "--images", images] + PRE)
            self.assertEqual(rc, 1, (model, against, images, err))
            self.assertEqual(len(err.strip().splitlines()), 1, err)
            self.assertIn(message, err)
            self.assertTrue(err.startswith("error: "), err)
        rc, _, err = run_cli(
            ["compare", "--model", fp32, "--against", int8, "--images", self.images, "--size", "96x96"]
        )
        self.assertEqual(rc, 1)
        self.assertIn("[1, 3, 32, 32], the pre-processed images are [3, 96, 96]", err)
        rc, _, err = run_cli(["compare", "--model", fp32, "--images", self.images] + PRE)
        self.assertEqual(rc, 2)
        rc, _, err = run_cli(["sensitivity", "--model", junk, "--images", self.images] + PRE)
        self.assertEqual((rc, len(err.strip().splitlines())), (1, 1), err)


class ShapesModelsTest(unittest.TestCase):
    def test_bundled_shapes_int8_has_no_drop(self):
        spec = mf.model_entry(mf.load_manifest(), "shapes-fp32")["input"]
        x, _ = ld.load_images([SAMPLES], spec)
        fp32 = onnx.load(os.path.join(mf.MODELS_DIR, "shapes_fp32.onnx"))
        r = ld.compare(fp32, onnx.load(os.path.join(mf.MODELS_DIR, "shapes_int8.onnx")), x)
        self.assertEqual(len(r["layers"]), len(fp32.graph.node) + 1)
        self.assertIsNone(r["firstDrop"], r["firstDrop"])
        self.assertIsNone(r["firstIsolatedDrop"], r["firstIsolatedDrop"])
        self.assertGreater(r["output"]["accumulated"]["cosine"], 0.999)


if __name__ == "__main__":
    unittest.main()
