"""Calibration choices of quantize.py: mix (per tensor the candidate range with the least int8 error on the
calibration data), the tunable --percentile, the per-tensor --report, --exclude-file, and their bad values."""
import json
import os
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import onnxutil
import quantize as qz
from climain import run_main


def pick_model():
    """input [1,2,256,256] -> 1x1 Conv that copies channel 1 -> `picked`. Two tensors with their own parameters:
    the input (both channels) and picked (channel 1 only)."""
    w = np.zeros((1, 2, 1, 1), np.float32)
    w[0, 1] = 1
    g = helper.make_graph(
        [helper.make_node("Conv", ["input", "w"], ["picked"], name="pick")],
        "pick",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 2, 256, 256])],
        [helper.make_tensor_value_info("picked", TensorProto.FLOAT, [1, 1, 256, 256])],
        [numpy_helper.from_array(w, "w")],
    )
    return qz.prepare(onnxutil.normalize(helper.make_model(g)))


def outlier_data(outlier=30.0):
    """Channel 0 uniform in [0, 1] except ONE value, `outlier`; channel 1 uniform in [-1, 1] (1M values)."""
    rng = np.random.default_rng(7)
    x = np.empty((8, 2, 256, 256), np.float32)
    x[:, 0] = rng.uniform(0, 1, x[:, 0].shape)
    x[:, 1] = rng.uniform(-1, 1, x[:, 1].shape)
    x[3, 0, 100, 100] = outlier
    return [x[:4], x[4:]]


def small_model():
    """input [1,3,8,8] -> conv1 + relu1 -> conv2 -> add (relu1 + conv2) -> pool -> gap -> flat -> fc -> logits."""
    rng = np.random.default_rng(3)
    inits = {
        "w1": rng.standard_normal((8, 3, 3, 3)) * 0.3,
        "b1": rng.standard_normal(8) * 0.1,
        "w2": rng.standard_normal((8, 8, 3, 3)) * 0.2,
        "b2": rng.standard_normal(8) * 0.1,
        "fc": rng.standard_normal((8, 5)) * 0.5,
        "fcb": rng.standard_normal(5) * 0.1,
    }
    pad = dict(kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    nodes = [
        helper.make_node("Conv", ["input", "w1", "b1"], ["c1"], name="conv1", **pad),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], name="conv2", **pad),
        helper.make_node("Add", ["r1", "c2"], ["a"], name="add"),
        helper.make_node("MaxPool", ["a"], ["mp"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("GlobalAveragePool", ["mp"], ["gap"], name="gap"),
        helper.make_node("Flatten", ["gap"], ["flat"], name="flat"),
        helper.make_node("Gemm", ["flat", "fc", "fcb"], ["logits"], name="fc"),
    ]
    g = helper.make_graph(
        nodes,
        "small",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 5])],
        [numpy_helper.from_array(v.astype(np.float32), k) for k, v in inits.items()],
    )
    return onnxutil.normalize(helper.make_model(g))


def run_cli(args):
    """quantize.main in this process: (exit code, stdout, stderr)."""
    return run_main(qz.main, args)


class MixTest(unittest.TestCase):
    def test_mix_picks_percentile_for_a_lone_outlier_and_minmax_for_a_uniform_tensor(self):
        c, _ = qz.calibrate(pick_model(), outlier_data(), "mix")
        rec = {r["name"]: r for r in c.tensors}
        # the input: 1M values in [-1, 1] and one 30 - min/max spends the 256 levels on the outlier
        self.assertEqual(rec["input"]["method"], "percentile:99.99")
        self.assertLess(rec["input"]["range"][1], 1.1)
        errs = rec["input"]["errors"]
        self.assertLess(errs["percentile:99.99"], 0.8 * errs["minmax"])
        # picked: uniform in [-1, 1], nothing to clip - min/max, and its range is the data's
        self.assertEqual(rec["picked"]["method"], "minmax")
        self.assertAlmostEqual(rec["picked"]["range"][0], -1.0, places=3)
        self.assertAlmostEqual(rec["picked"]["range"][1], 1.0, places=3)
        # the parameters built are those of the chosen ranges
        for name in ("input", "picked"):
            s, z = qz.act_params(*rec[name]["range"])
            self.assertEqual((float(s), int(z)), (rec[name]["scale"], rec[name]["zeroPoint"]))
            self.assertEqual(c.params[name], (s, z))

    def test_errors_are_the_int8_round_trip_error_of_the_calibration_values(self):
        calib = outlier_data()
        c, _ = qz.calibrate(pick_model(), calib, "mix")
        picked = next(r for r in c.tensors if r["name"] == "picked")
        v = np.concatenate([b[:, 1].ravel() for b in calib])
        ranges = {"minmax": (float(v.min()), float(v.max())), "clipped": (-0.5, 0.5)}
        for lab, (lo, hi) in ranges.items():
            s, z = qz.act_params(lo, hi)
            q = np.clip(np.rint(v / s) + z, -128, 127)
            ref = float(np.mean((v.astype(np.float64) - (q - z) * np.float64(s)) ** 2))
            got = qz.Stats(qz.onnxexec.Executor(pick_model()), ["picked"], calib).errors({"picked": {lab: (lo, hi)}})
            self.assertAlmostEqual(got["picked"][lab] / ref, 1.0, places=4, msg=lab)
        # clipping uniform [-1, 1] to [-0.5, 0.5]: half the values are cut, by a uniform 0..0.5: 0.5 * 0.25 / 3
        self.assertAlmostEqual(got["picked"]["clipped"], 0.5 * (0.5**2) / 3, delta=2e-3)
        self.assertLess(picked["errors"]["minmax"], 1e-5)

    def test_mix_in_the_qdq_form_and_close_to_fp32(self):
        m = qz.prepare(small_model())
        x = np.random.default_rng(1).standard_normal((64, 3, 8, 8)).astype(np.float32)
        q, _ = qz.quantize(m, [x[:32], x[32:]], "mix")
        self.assertEqual(qz.check_qdq_form(q), [])
        ref, got = qz.onnxexec.Executor(m).run_batched(x), qz.onnxexec.Executor(q).run_batched(x)
        self.assertGreater(qz.cosine(ref, got).mean(), 0.98)


class PercentileTest(unittest.TestCase):
    def test_the_percentile_moves_the_range(self):
        calib = outlier_data(outlier=1.0)  # channel 0 in [0, 1], channel 1 in [-1, 1]: no outlier
        m = qz.prepare(pick_model())
        his = {}
        for p in (100.0, 99.9, 99.0, 90.0):
            c, _ = qz.calibrate(m, calib, "percentile", p)
            rec = next(r for r in c.tensors if r["name"] == "picked")
            self.assertEqual(rec["method"], f"percentile:{p}")
            his[p] = rec["range"][1]
            # uniform in [-1, 1]: each tail keeps (100 - P) % of ALL values, half of them are on each side
            expect = 1 - 2 * (100 - p) / 100
            self.assertAlmostEqual(rec["range"][1], expect, delta=2 / qz.HIST_BINS + 1e-3, msg=p)
            self.assertAlmostEqual(rec["range"][0], -expect, delta=2 / qz.HIST_BINS + 1e-3, msg=p)
        self.assertGreater(his[100.0], his[99.9])
        self.assertGreater(his[99.9], his[99.0])
        self.assertGreater(his[99.0], his[90.0])

    def test_the_cli_percentile_is_the_percentile_methods_and_mixs_candidate(self):
        self.assertEqual(qz.methods((99.5,))["percentile"], [("percentile", 99.5)])
        self.assertEqual(qz.methods((99.5,))["auto"], [("minmax", None), ("percentile", 99.5), ("kl", None)])
        self.assertEqual(
            qz.METHODS["auto"], [("minmax", None), ("percentile", 99.99), ("percentile", 99.999), ("kl", None)]
        )
        c, _ = qz.calibrate(pick_model(), outlier_data(), "mix", percentiles=(99.5,))
        self.assertEqual(set(c.tensors[0]["errors"]), {"minmax", "percentile:99.5", "kl"})


class ReportAndFileTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        from PIL import Image

        cls.tmp = tempfile.TemporaryDirectory()
        d = cls.tmp.name
        cls.fp32 = os.path.join(d, "small.onnx")
        onnx.save(small_model(), cls.fp32)
        cls.images = os.path.join(d, "images")
        os.makedirs(cls.images)
        rng = np.random.default_rng(5)
        for i in range(12):
            Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)).save(f"{cls.images}/{i:02d}.png")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def quantize(self, *extra, name="out"):
        out = os.path.join(self.tmp.name, name + ".onnx")
        rep = os.path.join(self.tmp.name, name + ".json")
        args = ["--model", self.fp32, "--output", out, "--images", self.images, "--size", "8x8", "--report", rep]
        code, stdout, stderr = run_cli(args + list(extra))
        self.assertEqual(code, 0, stderr)
        with open(rep) as f:
            return onnx.load(out), json.load(f), stdout

    def test_the_report_lists_every_quantized_tensor_with_its_parameters(self):
        for method in ("mix", "minmax", "auto"):
            model, report, stdout = self.quantize("--method", method, name=method)
            inits = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
            qnodes = [n for n in model.graph.node if n.op_type == "QuantizeLinear"]
            tensors = {r["name"]: r for r in report["tensors"]}
            self.assertEqual(set(tensors), {n.name[: -len("_QuantizeLinear")] for n in qnodes}, method)
            self.assertEqual(len(tensors), len(report["tensors"]))
            for n in qnodes:
                r = tensors[n.name[: -len("_QuantizeLinear")]]
                self.assertEqual(r["scale"], float(inits[n.input[1]]), r)
                self.assertEqual(r["zeroPoint"], int(inits[n.input[2]]), r)
                if r["method"] == "same-as":
                    self.assertIn(r["sameAs"], tensors)
                    continue
                self.assertEqual(set(r["errors"]), {"minmax", "percentile:99.99", "percentile:99.999", "kl"})
                self.assertEqual(qz.act_params(*r["range"]), (np.float32(r["scale"]), np.int8(r["zeroPoint"])))
                if method == "mix":
                    best = min(r["errors"].values())
                    self.assertLessEqual(r["errors"][r["method"]], best / (1 - qz.MIX_MARGIN), r)
                else:
                    self.assertEqual(r["method"], report["chosen"])
            self.assertEqual({r["sameAs"] for r in report["tensors"] if r["method"] == "same-as"}, {"a", "gap"})
            self.assertIn("mean squared", report["errors"])
            if method == "mix":
                self.assertRegex(stdout, r"quantize: mix chose .*tensors")

    def test_exclude_file_keeps_its_names_in_float_like_exclude(self):
        path = os.path.join(self.tmp.name, "keep.txt")
        with open(path, "w") as f:
            f.write("# layers to keep in float\n\n  conv2   # the sensitive one\nw1\n")
        by_file, _, _ = self.quantize("--method", "minmax", "--exclude-file", path, name="file")
        by_flag, _, _ = self.quantize("--method", "minmax", "--exclude", "conv2;w1", name="flag")
        self.assertEqual(by_file.SerializeToString(), by_flag.SerializeToString())
        inits = {t.name: numpy_helper.to_array(t) for t in by_file.graph.initializer}
        for conv in (n for n in by_file.graph.node if n.op_type == "Conv"):
            self.assertEqual(inits[conv.input[1]].dtype, np.float32, conv.name)
        self.assertEqual(qz.read_exclude_file(path), [("conv2", 3), ("w1", 4)])


class BadValuesTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.fp32 = os.path.join(self.tmp.name, "small.onnx")
        onnx.save(small_model(), self.fp32)
        self.out = os.path.join(self.tmp.name, "o.onnx")
        self.base = ["--model", self.fp32, "--output", self.out, "--images", self.tmp.name, "--size", "8x8"]

    def tearDown(self):
        self.tmp.cleanup()

    def test_BAD_CALL_percentile_out_of_range_or_not_a_number(self):
        for bad, why in (
            ("50", "outside (50, 100]"),
            ("100.001", "outside (50, 100]"),
            ("-99", "outside (50, 100]"),
            ("nan", "outside (50, 100]"),
            ("inf", "outside (50, 100]"),
            ("abc", "'abc' is not a number"),
            ("", "'' is not a number"),
        ):
            code, _, err = run_cli(self.base + ["--method", "percentile", "--percentile", bad])
            self.assertEqual(code, 2, bad)
            self.assertIn("--percentile", err)
            self.assertIn(why, err)
            self.assertFalse(os.path.exists(self.out))

    def test_BAD_CALL_calibration_count_below_one_or_not_a_whole_number(self):
        for bad, why in (
            ("0", "0 is less than 1"),
            ("-5", "-5 is less than 1"),
            ("2.5", "'2.5' is not a whole number"),
        ):
            code, _, err = run_cli(self.base + ["--method", "minmax", "--calib-count", bad])
            self.assertEqual(code, 2, bad)
            self.assertIn(f"argument --calib-count: {why}", err)

    def test_BAD_CALL_percentile_with_a_method_that_has_none(self):
        for method in ("minmax", "kl"):
            code, _, err = run_cli(self.base + ["--method", method, "--percentile", "99.9"])
            self.assertEqual(code, 2)
            self.assertIn(f"--percentile does not apply to --method {method}", err)

    def test_BAD_CALL_exclude_file_unknown_names_missing_or_not_text(self):
        d = self.tmp.name
        files = {
            "unknown.txt": (b"conv1\n# fine\nconv9\nw1\nnope # typo\n", "no node or weight of that name in the model"),
            "binary.txt": (b"\xff\xfe\x00conv1", "not UTF-8 text"),
            "nul.txt": (b"conv1\x00\n", "not a text file"),
        }
        for name, (data, _) in files.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        cases = [(os.path.join(d, n), why) for n, (_, why) in files.items()]
        cases += [("/dev/zero", "larger than"), (os.path.join(d, "missing.txt"), "No such file"), (d, "Is a directory")]
        for path, why in cases:
            code, _, err = run_cli(self.base + ["--method", "minmax", "--exclude-file", path])
            self.assertEqual(code, 1, path)
            self.assertTrue(err.startswith(f"error: --exclude-file {path}: "), err)
            self.assertIn(why, err)
            self.assertEqual(err.count("\n"), 1, err)
            self.assertFalse(os.path.exists(self.out))
        _, _, err = run_cli(self.base + ["--method", "minmax", "--exclude-file", cases[0][0]])
        self.assertIn("conv9 (line 3), nope (line 5)", err)
        self.assertNotIn("conv1 (", err)

    def test_BAD_CALL_unknown_exclude_names_are_all_named(self):
        with self.assertRaisesRegex(qz.QuantizeError, r"--exclude conv9, w7: no node or weight"):
            qz.plan(qz.prepare(small_model()), ["conv1;conv9", "w7"])


if __name__ == "__main__":
    unittest.main()
