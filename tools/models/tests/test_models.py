"""The committed models and manifest: ONNX form, int8 QDQ form and op set, accuracy and fp32/int8 agreement gates
on a fixed test subset, golden sample expectations, manifest consistency (its AIPP declarations and the onnx targets'
metadata that match them); the quantizer on a small graph."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import aipp
import dataset
import manifest as mf
import onnxexec
import onnxutil
import quantize as qz
from make_samples import GOLDEN, SAMPLES_DIR

FP32 = os.path.join(mf.MODELS_DIR, "shapes_fp32.onnx")
INT8 = os.path.join(mf.MODELS_DIR, "shapes_int8.onnx")
SUBSET = 240  # first 240 test-split images (20 per class)
REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))


def io_spec(vi):
    return vi.name, vi.type.tensor_type.elem_type, [d.dim_value for d in vi.type.tensor_type.shape.dim]


class CommittedModelsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fp32, cls.int8 = onnx.load(FP32), onnx.load(INT8)
        cls.x, cls.y = dataset.tensors(dataset.DEFAULT_SEED, "test", SUBSET, mf.SHAPES_INPUT)
        cls.lf = onnxexec.Executor(cls.fp32).run_batched(cls.x)
        cls.lq = onnxexec.Executor(cls.int8).run_batched(cls.x)

    def test_onnx_form(self):
        for m in (self.fp32, self.int8):
            onnx.checker.check_model(m, full_check=True)
            self.assertEqual(m.ir_version, 7)
            self.assertEqual([(o.domain, o.version) for o in m.opset_import], [("", 13)])
            self.assertEqual([io_spec(i) for i in m.graph.input], [("input", TensorProto.FLOAT, [1, 3, 96, 96])])
            self.assertEqual([io_spec(o) for o in m.graph.output], [("logits", TensorProto.FLOAT, [1, 12])])
            self.assertEqual(onnxutil.unsupported_ops(m), [])
            self.assertNotIn("Softmax", {n.op_type for n in m.graph.node})  # logits, not probabilities

    def test_int8_qdq_form(self):
        self.assertEqual(qz.check_qdq_form(self.int8), [])
        ops = {n.op_type for n in self.int8.graph.node}
        self.assertTrue({"QuantizeLinear", "DequantizeLinear", "Conv", "Gemm"} <= ops)
        inits = {t.name: numpy_helper.to_array(t) for t in self.int8.graph.initializer}
        scales = {n.input[1] for n in self.int8.graph.node if n.op_type in ("QuantizeLinear", "DequantizeLinear")}
        self.assertFalse(
            [k for k, v in inits.items() if v.dtype == np.float32 and v.size > 1 and k not in scales],
            "no float weight tensors may remain",
        )

    def test_form_check_catches_violations(self):
        broken = onnx.load(INT8)
        for t in broken.graph.initializer:
            if t.name.endswith("_weight_zero_point"):
                t.CopyFrom(numpy_helper.from_array(np.ones(numpy_helper.to_array(t).shape, np.int8), t.name))
                break
        self.assertTrue(any("zero point 0" in v for v in qz.check_qdq_form(broken)))
        self.assertTrue(qz.check_qdq_form(self.fp32))

    def test_accuracy_gates(self):
        acc_f = np.mean(self.lf.argmax(1) == self.y)
        acc_q = np.mean(self.lq.argmax(1) == self.y)
        self.assertGreaterEqual(acc_f, 0.97, "fp32 top-1 on the test subset")
        self.assertLessEqual(acc_f - acc_q, 0.01 + 1e-9, "int8 top-1 drop must be <= 1 point")

    def test_logits_cosine_gate(self):
        cos = qz.cosine(self.lf, self.lq)
        self.assertGreaterEqual(np.mean(cos >= 0.99), 0.99)

    def test_int8_matches_onnxruntime(self):
        node = shutil.which("node")
        ort = os.path.join(REPO, "node_modules", "onnxruntime-node")
        # Installed by scripts/setup.sh (npm install); without it this comparison would check nothing, so it fails.
        self.assertTrue(node, "node is not on PATH (needed to run onnxruntime-node)")
        self.assertTrue(os.path.isdir(ort), f"{ort} is missing: run npm install (scripts/setup.sh)")
        helper = os.path.join(REPO, "dist", "ort", "session.js")  # ort_run.js opens its session there
        self.assertTrue(os.path.isfile(helper), f"{helper} is missing: run npm run build:ts")
        with tempfile.NamedTemporaryFile(suffix=".f32") as f:
            self.x[:1].astype("<f4").tofile(f.name)
            for path, mine in ((FP32, self.lf[0]), (INT8, self.lq[0])):
                r = subprocess.run(
                    [
                        node,
                        os.path.join(os.path.dirname(os.path.dirname(__file__)), "ort_run.js"),
                        path,
                        f.name,
                        "1,3,96,96",
                    ],
                    capture_output=True,
                    check=True,
                )
                theirs = np.frombuffer(r.stdout, np.float32)
                self.assertEqual(theirs.shape, (12,))
                scale = np.abs(mine).max()
                self.assertLess(np.abs(theirs - mine).max(), 0.05 * scale, path)
                self.assertEqual(theirs.argmax(), mine.argmax())


class GoldenTest(unittest.TestCase):
    def test_golden_expectations_reproduce(self):
        from preprocess import load_rgb, preprocess

        doc = json.load(open(GOLDEN))
        labels = open(os.path.join(mf.MODELS_DIR, "shapes_labels.txt")).read().split()
        files = {f for f in os.listdir(SAMPLES_DIR) if f.endswith((".png", ".jpg"))}
        self.assertEqual(files, {s["file"] for s in doc["samples"]})
        self.assertGreaterEqual(len(files), 12)
        exes = {mid: onnxexec.Executor(onnx.load(p)) for mid, p in (("shapes-fp32", FP32), ("shapes-int8", INT8))}
        # a fixed half of the samples keeps the suite fast; all are checked by `make_samples.py golden`
        for s in doc["samples"][::2]:
            rgb = load_rgb(os.path.join(SAMPLES_DIR, s["file"]))
            self.assertEqual((rgb.shape[1], rgb.shape[0]), (s["width"], s["height"]))
            x = preprocess(rgb, mf.SHAPES_INPUT)
            for mid, exe in exes.items():
                logits = exe.run({"input": x})[0][0].astype(np.float64)
                p = np.exp(logits - logits.max())
                p /= p.sum()
                self.assertEqual(labels[p.argmax()], s["expected"][mid]["top1"], f"{s['file']} {mid}")
                self.assertAlmostEqual(p.max(), s["expected"][mid]["score"], delta=2e-3)

    def test_demo_models_get_every_sample_right(self):
        doc = json.load(open(GOLDEN))
        for s in doc["samples"]:
            for mid in ("shapes-fp32", "shapes-int8"):
                self.assertEqual(s["expected"][mid]["top1"], s["label"], f"{s['file']} {mid}")


class ManifestTest(unittest.TestCase):
    def setUp(self):
        self.doc = mf.load_manifest()

    def test_committed_manifest_is_current(self):
        self.assertEqual(self.doc, {"version": 1, "models": mf.attach_hashes(mf.entries())})

    def test_entries(self):
        models = self.doc["models"]
        self.assertEqual(models[0]["id"], "shapes-int8")
        self.assertIs(models[0].get("default"), True)
        self.assertEqual(sum(1 for m in models if m.get("default")), 1)
        ids = [m["id"] for m in models]
        self.assertEqual(len(ids), len(set(ids)))
        for m in models:
            self.assertRegex(m["id"], r"^[a-z0-9][a-z0-9._-]*$")
            self.assertIn(m["precision"], ("fp32", "fp16", "int8"))
            self.assertTrue(m["targets"])
            inp = m["input"]
            self.assertTrue(0 < inp["width"] <= 4096 and 0 < inp["height"] <= 4096)
            self.assertTrue(all(s > 0 for s in inp["std"]) and len(inp["mean"]) == 3)
            for t in m["targets"].values():
                self.assertNotIn("..", t["file"])
            if "labels" in m:
                labels = open(os.path.join(mf.MODELS_DIR, m["labels"])).read().split("\n")
                self.assertEqual(len([ln for ln in labels if ln]), m["output"]["classes"])
            if m["id"].startswith("shapes-"):
                path = os.path.join(mf.MODELS_DIR, m["targets"]["onnx"]["file"])
                self.assertEqual(onnxutil.sha256(path), m["targets"]["onnx"]["sha256"])
        bench = [m for m in models if re.match(r"(mobilenetv2|resnet18)-", m["id"])]
        self.assertEqual(len(bench), 4)
        self.assertTrue(all(m["pretrained"] is False and "random" in m["notes"] for m in bench))
        zoo = [m for m in models if m["id"].startswith("zoo-")]
        self.assertTrue(zoo and all(list(m["targets"]) == ["om"] for m in zoo))

    def test_zoo_presets_and_their_reference_latencies(self):
        """Every classification network of the guide's Model Zoo table is an int8 and a float preset, the app's
        zoo_reference.json holds the table's Kirin 9000 figures from the same list, and every preset's input is NCHW
        (omg's layout for a TensorFlow model unless --use_origin_format)."""
        with open(mf.ZOO_REFERENCE) as f:
            committed = json.load(f)
        self.assertEqual(committed, mf.zoo_reference())
        table = {  # the guide's 图片分类 rows: network -> (float ms, quant8_8 ms) on a Kirin 9000 phone
            "Alexnet": (9.92, 4.49),
            "Resnet18": (2.63, 1.24),
            "VGG16": (16.56, 8.55),
            "VGG19": (18.34, 8.73),
            "Resnet50": (5.15, 3.54),
            "Inception_v3": (6.56, 3.76),
            "Inception_v4": (11.90, 7.29),
            "Inception_Resnet_v2": (15.91, 5.59),
            "Mobilenet_v1": (2.16, 0.52),
            "Mobilenet_v2": (2.49, 1.18),
            "Mobilenet_v2_1.4": (3.16, 1.67),
            "Mobilenet_v3_Large": (3.29, 2.33),
            "Googlenet": (34.69, 1.64),
            "Squeezenet_v1": (2.13, 1.24),
        }
        self.assertEqual({r["network"]: (r["floatMs"], r["int8Ms"]) for r in committed["models"]}, table)
        zoo = {m["id"]: m for m in self.doc["models"] if m["id"].startswith("zoo-")}
        families = [r["family"] for r in committed["models"]]
        self.assertEqual(sorted(zoo), sorted(f"{f}-{p}" for f in families for p in ("int8", "fp32")))
        for r in committed["models"]:
            int8, flt = zoo[r["family"] + "-int8"], zoo[r["family"] + "-fp32"]
            self.assertEqual((int8["precision"], flt["precision"]), ("int8", "fp32"))
            self.assertEqual(int8["input"], flt["input"])
            self.assertRegex(int8["targets"]["om"]["file"], r"^zoo/[A-Za-z0-9_]+_quant8_8\.om$")
            self.assertEqual(flt["targets"]["om"]["file"], int8["targets"]["om"]["file"].replace("_quant8_8", ""))
            for m in (int8, flt):
                self.assertEqual(m["input"]["layout"], "NCHW", m["id"])
                self.assertIn(f"{r['floatMs']:.2f} ms float, {r['int8Ms']:.2f} ms int8", m["notes"])

    def test_aipp_declarations(self):
        """Every target's "aipp" keeps the schema and the guide's limits; the demo models take every format through
        dynamic AIPP on both targets; the Model Zoo files and the bench models declare none."""
        for m in self.doc["models"]:
            for name, t in m["targets"].items():
                field = t.get("aipp", m.get("aipp"))
                if field is None:
                    continue
                self.assertLessEqual(set(field), {"mode", "maxSrcImageSize", "formats"}, (m["id"], name))
                aipp.plan_from_manifest(field, m["input"])  # raises on a limit the guide sets
        for mid in ("shapes-int8", "shapes-fp32"):
            t = mf.model_entry(self.doc, mid)["targets"]
            self.assertEqual(t["onnx"]["aipp"], mf.AIPP_DYNAMIC)
            self.assertEqual(t["om"]["aipp"], mf.AIPP_DYNAMIC)
        self.assertEqual(mf.AIPP_DYNAMIC["formats"], ["NV21", "NV12", "RGBA", "BGRA", "RGB", "BGR"])
        self.assertEqual(mf.AIPP_DYNAMIC["maxSrcImageSize"], 1920 * 1080 * 3 // 2)
        others = [m for m in self.doc["models"] if not m["id"].startswith("shapes-")]
        self.assertTrue(all("aipp" not in m and all("aipp" not in t for t in m["targets"].values()) for m in others))

    def test_onnx_targets_declare_their_aipp(self):
        """What the host runtime emulates is what the manifest says: each onnx target file present carries the
        hiai.aipp.* metadata of its target's "aipp" (mode and max_src_image_size), or none."""
        checked = 0
        for m in self.doc["models"]:
            t = m["targets"].get("onnx")
            path = os.path.join(mf.MODELS_DIR, t["file"]) if t else None
            if path is None or not os.path.exists(path):
                self.assertFalse(m["id"].startswith("shapes-"), path)  # the committed files are always there
                continue
            field = t.get("aipp", m.get("aipp"))
            want = {k: field[k] for k in ("mode", "maxSrcImageSize")} if field else None
            self.assertEqual(aipp.onnx_declaration(onnx.load(path, load_external_data=False)), want, path)
            checked += 1
        self.assertGreaterEqual(checked, 2)
        # `manifest.py declare` finds nothing to change.
        self.assertEqual(mf.declare_onnx_targets(log=lambda s: None, dry_run=True), [])


def tiny_model():
    """Conv(+BN)->Relu, a residual Add, MaxPool, GAP, Flatten, Gemm(transB=0): exercises every rewrite."""
    rng = np.random.default_rng(0)
    inits = [
        numpy_helper.from_array(rng.standard_normal((8, 3, 3, 3)).astype(np.float32) * 0.3, "w1"),
        numpy_helper.from_array(rng.uniform(0.5, 1.5, 8).astype(np.float32), "g"),
        numpy_helper.from_array(rng.standard_normal(8).astype(np.float32) * 0.1, "b"),
        numpy_helper.from_array(rng.standard_normal(8).astype(np.float32) * 0.1, "mu"),
        numpy_helper.from_array(rng.uniform(0.5, 2, 8).astype(np.float32), "var"),
        numpy_helper.from_array(rng.standard_normal((8, 8, 1, 1)).astype(np.float32) * 0.3, "w2"),
        numpy_helper.from_array(rng.standard_normal(8).astype(np.float32) * 0.1, "b2"),
        numpy_helper.from_array(rng.standard_normal((8, 5)).astype(np.float32) * 0.3, "fc"),
        numpy_helper.from_array(rng.standard_normal(5).astype(np.float32) * 0.1, "fcb"),
    ]
    nodes = [
        helper.make_node("Conv", ["input", "w1"], ["c1"], name="conv1", pads=[1, 1, 1, 1]),
        helper.make_node("BatchNormalization", ["c1", "g", "b", "mu", "var"], ["bn1"], name="bn1"),
        helper.make_node("Relu", ["bn1"], ["r1"], name="relu1"),
        helper.make_node("Conv", ["r1", "w2", "b2"], ["c2"], name="conv2"),
        helper.make_node("Add", ["r1", "c2"], ["a"], name="add"),
        helper.make_node("MaxPool", ["a"], ["mp"], name="pool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("GlobalAveragePool", ["mp"], ["gap"], name="gap"),
        helper.make_node("Flatten", ["gap"], ["flat"], name="flat"),
        helper.make_node("Gemm", ["flat", "fc", "fcb"], ["logits"], name="fc"),
    ]
    g = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 5])],
        inits,
    )
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    return m


class QuantizerTest(unittest.TestCase):
    def setUp(self):
        self.model = tiny_model()
        self.x = np.random.default_rng(1).standard_normal((64, 3, 8, 8)).astype(np.float32)
        self.calib = [self.x[:32], self.x[32:]]

    def test_batchnorm_folding_and_gemm_rewrite_keep_the_function(self):
        ref = onnxexec.Executor(self.model).run_batched(self.x)
        prepared = qz.prepare(tiny_model())
        ops = [n.op_type for n in prepared.graph.node]
        self.assertNotIn("BatchNormalization", ops)
        gemm = next(n for n in prepared.graph.node if n.op_type == "Gemm")
        self.assertEqual(helper.get_attribute_value(gemm.attribute[0]), 1)
        np.testing.assert_allclose(onnxexec.Executor(prepared).run_batched(self.x), ref, rtol=1e-4, atol=1e-5)

    def test_every_method_gives_the_qdq_form(self):
        prepared = qz.prepare(self.model)
        ref = onnxexec.Executor(prepared).run_batched(self.x)
        for method, pct in qz.METHODS["auto"]:
            m, _ = qz.quantize(prepared, self.calib, method, pct or 99.99)
            self.assertEqual(qz.check_qdq_form(m), [], method)
            got = onnxexec.Executor(m).run_batched(self.x)
            # KL clips hardest and this calibration set is tiny (64 random images): a looser bound for it
            self.assertGreater(qz.cosine(ref, got).mean(), 0.95 if method == "kl" else 0.98, method)

    def test_quantizer_arithmetic(self):
        m, _ = qz.quantize(qz.prepare(self.model), self.calib, "minmax")
        inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
        wq, ws = inits["conv2_weight_quantized"], inits["conv2_weight_scale"]
        self.assertEqual(wq.dtype, np.int8)
        self.assertEqual(np.abs(wq).max(axis=(1, 2, 3)).tolist(), [127] * 8)  # symmetric, full range per channel
        w2 = numpy_helper.to_array(self.model.graph.initializer[5])
        np.testing.assert_allclose(wq * ws.reshape(-1, 1, 1, 1), w2, atol=ws.max() / 2 + 1e-7)
        # the input range is the calibration set's min/max
        s, z = float(inits["input_scale"]), int(inits["input_zero_point"])
        lo, hi = float(self.x.min()), float(self.x.max())
        self.assertAlmostEqual(s, (hi - lo) / 255, places=6)
        self.assertAlmostEqual((-128 - z) * s, lo, delta=s)
        # MaxPool and Flatten reuse their input's parameters
        self.assertEqual(float(inits["mp_scale"]), float(inits["a_scale"]))
        self.assertEqual(float(inits["flat_scale"]), float(inits["gap_scale"]))

    def test_exclude_keeps_a_layer_float(self):
        m, _ = qz.quantize(qz.prepare(self.model), self.calib, "minmax", exclude=["conv2"])
        conv2 = next(n for n in m.graph.node if n.name == "conv2")
        inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
        self.assertEqual(inits[conv2.input[1]].dtype, np.float32)
        self.assertNotIn("conv2_weight_quantized", inits)
        with self.assertRaises(qz.QuantizeError):
            qz.quantize(qz.prepare(self.model), self.calib, "minmax", exclude=["no_such_layer"])

    def test_rejects_unsupported_ops(self):
        m = tiny_model()
        m.graph.node[2].op_type = "Tanh"
        with self.assertRaises(qz.QuantizeError):
            qz.prepare(m)

    def test_cli_rejects_bad_model_files(self):
        import sys

        with tempfile.TemporaryDirectory() as d:
            trunc = os.path.join(d, "trunc.onnx")
            with open(FP32, "rb") as f, open(trunc, "wb") as g:
                g.write(f.read()[:3000])
            text = os.path.join(d, "text.onnx")
            open(text, "w").write("hello")
            for bad in (trunc, text, os.path.join(d, "missing.onnx")):
                quantize_py = os.path.join(os.path.dirname(os.path.dirname(__file__)), "quantize.py")
                r = subprocess.run(
                    [
                        sys.executable,
                        quantize_py,
                        "--model",
                        bad,
                        "--output",
                        os.path.join(d, "o.onnx"),
                        "--images",
                        d,
                        "--size",
                        "8x8",
                    ],
                    capture_output=True,
                    text=True,
                )
                self.assertEqual(r.returncode, 1, bad)
                self.assertTrue(r.stderr.startswith("error: ") and bad in r.stderr, r.stderr)
                self.assertNotIn("Traceback", r.stderr)
                self.assertFalse(os.path.exists(os.path.join(d, "o.onnx")))

    def test_quantize_round_half_even_and_saturate(self):
        q = onnxexec.quantize(np.array([0.5, 1.5, 2.5, -0.5, 1000, -1000], np.float32), np.float32(1), np.int8(0))
        self.assertEqual(q.tolist(), [0, 2, 2, 0, 127, -128])


class BenchModelsTest(unittest.TestCase):
    def test_architectures(self):
        import bench

        for build, convs, adds in ((bench.mobilenet_v2, 52, 10), (bench.resnet18, 20, 8)):
            m = build(5)
            ops = [n.op_type for n in m.graph.node]
            self.assertEqual(ops.count("Conv"), convs)
            self.assertEqual(ops.count("Add"), adds)
            self.assertEqual(onnxutil.unsupported_ops(m), [])
            self.assertEqual([io_spec(o) for o in m.graph.output], [("logits", TensorProto.FLOAT, [1, 1000])])
        a, b = bench.resnet18(5), bench.resnet18(5)
        self.assertEqual(a.SerializeToString(), b.SerializeToString())  # deterministic weights

    def test_generated_bench_models(self):
        path = os.path.join(mf.MODELS_DIR, "bench")
        files = [f for f in ("mobilenetv2_int8.onnx", "resnet18_int8.onnx") if os.path.exists(os.path.join(path, f))]
        self.assertTrue(files, f"no bench models in {path}: run scripts/setup.d/20-bench-models.sh")
        import bench
        from preprocess import preprocess

        pattern = (np.arange(256 * 256 * 3) * 7919 % 251).astype(np.uint8).reshape(256, 256, 3)
        x = np.concatenate(
            [preprocess(pattern, mf.bench_entries()[0]["input"]), bench.synthetic_images(1, 224, seed=99)]
        )
        for f in files:
            q = onnx.load(os.path.join(path, f))
            self.assertEqual(qz.check_qdq_form(q), [], f)
            fp32 = onnx.load(os.path.join(path, f.replace("_int8", "_fp32")))
            cos = qz.cosine(onnxexec.Executor(fp32).run_batched(x), onnxexec.Executor(q).run_batched(x))
            self.assertGreater(cos.min(), 0.99, f)  # high- and low-frequency inputs stay inside the calibrated ranges


if __name__ == "__main__":
    unittest.main()
