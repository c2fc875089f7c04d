"""The model check before omg/dopt (modelcheck.py): the bundled models and badlayer's model pass; hand-built models
each break one rule of the CANN Kit guide and get that rule's finding with its source; unreadable files get one
clear error; the CLI's exit codes and JSON."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

import badlayer
import modelcheck as mc
from manifest import MODELS_DIR

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(TOOLS, "modelcheck.py")


def conv_model(cin=16, cout=16, group=1, batch=1, extra=None, opset=13, ir=7, in_type=TensorProto.FLOAT):
    """input [batch,cin,8,8] -> Conv (3x3) -> Relu -> [extra nodes] -> output `out`. `batch` may be a dim_param."""
    rng = np.random.default_rng(5)
    w = numpy_helper.from_array(rng.standard_normal((cout, cin // group, 3, 3)).astype(np.float32), "w")
    nodes = [
        helper.make_node("Conv", ["input", "w"], ["c"], name="conv", pads=[1, 1, 1, 1], group=group),
        helper.make_node("Relu", ["c"], ["r"], name="relu"),
    ]
    last = "r"
    for k, (op, attrs) in enumerate(extra or []):
        inputs = [last, last] if op in ("Div", "Add", "Mul") else [last]
        nodes.append(helper.make_node(op, inputs, [f"x{k}"], name=f"{op.lower()}{k}", **attrs))
        last = f"x{k}"
    nodes.append(helper.make_node("Identity", [last], ["out"], name="id"))
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("input", in_type, [batch, cin, 8, 8])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, ["d0", "d1", "d2", "d3"])],
        [w],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = ir
    return model


class Base(unittest.TestCase):
    def setUp(self):
        # The tests work in a temporary folder and give models by relative paths: the path rule then sees only the
        # names a test chose, wherever the temporary folder is.
        self.tmp = tempfile.TemporaryDirectory(prefix="mc_")
        self.dir = self.tmp.name
        self.cwd = os.getcwd()
        os.chdir(self.dir)

    def tearDown(self):
        os.chdir(self.cwd)
        self.tmp.cleanup()

    def save(self, model, name="m.onnx"):
        onnx.save(model, os.path.join(self.dir, name))
        return name

    def rules(self, report, level=None):
        return {f.rule for f in report.findings if level is None or f.level == level}

    def finding(self, report, rule, level):
        hits = [f for f in report.findings if f.rule == rule and f.level == level]
        self.assertTrue(hits, f"no {level} {rule} in {[(f.level, f.rule, f.message) for f in report.findings]}")
        self.assertTrue(hits[0].source.startswith("CANN Kit guide: "), hits[0].source)
        return hits[0]


class BundledModelsTest(Base):
    def test_the_bundled_models_pass(self):
        manifest = json.load(open(os.path.join(MODELS_DIR, "manifest.json")))
        files = [m["targets"]["onnx"]["file"] for m in manifest["models"] if "onnx" in m["targets"]]
        self.assertIn("shapes_fp32.onnx", files)
        self.assertIn("shapes_int8.onnx", files)
        os.chdir(MODELS_DIR)  # as given from the models folder: the repository's own location is not checked
        for f in files:
            report = mc.check(f)
            self.assertTrue(report.ok, f"{f}: {[(x.rule, x.where, x.message) for x in report.findings]}")
            self.assertEqual(report.model["inputs"][0]["name"], "input")
            # Every classifier ends in GlobalAveragePool -> Flatten -> Gemm: the guide rates Flatten one star.
            self.assertIn("op-slow", self.rules(report, "warning"), f)
            quantized = "_int8" in f
            self.assertEqual("quantized-model" in self.rules(report, "warning"), quantized, f)

    def test_badlayer_model_is_valid_for_the_check(self):
        fp32, int8 = "bad_fp32.onnx", "bad_int8.onnx"
        badlayer.build(fp32, int8)
        for path in (fp32, int8):
            report = mc.check(path)
            self.assertTrue(report.ok, [(x.rule, x.message) for x in report.findings if x.level == "error"])


class FileTest(Base):
    def test_unreadable_files_give_one_file_error(self):
        good = self.save(conv_model())
        raw = open(good, "rb").read()
        cases = {
            "truncated.onnx": raw[: len(raw) // 3],
            "empty.onnx": b"",
            "text.onnx": b"hello, not a model\n",
            "random.onnx": np.random.default_rng(3).integers(0, 256, 4096, dtype=np.uint8).tobytes(),
        }
        for name, data in cases.items():
            with open(name, "wb") as f:
                f.write(data)
            report = mc.check(name)
            self.assertFalse(report.ok, name)
            self.assertEqual([(f.level, f.rule) for f in report.findings], [("error", "file")], name)
        for path, words in [
            ("/dev/zero", "not a regular file"),
            (".", "not a regular file"),
            ("missing.onnx", "No such file"),
        ]:
            report = mc.check(path)
            self.assertEqual(report.findings[0].rule, "file")
            self.assertIn(words, report.findings[0].message)

    def test_weights_in_an_external_file_are_looked_up_beside_the_model(self):
        os.mkdir("sub")
        onnx.save(
            conv_model(cin=16, cout=32),
            os.path.join("sub", "ext.onnx"),
            save_as_external_data=True,
            location="ext_weights",
            size_threshold=0,
        )
        self.assertTrue(mc.check(os.path.join("sub", "ext.onnx")).ok)
        os.remove(os.path.join("sub", "ext_weights"))
        self.assertIn(
            "ext_weights", self.finding(mc.check(os.path.join("sub", "ext.onnx")), "onnx-valid", "error").message
        )

    def test_a_model_that_crashes_onnx_shape_inference_gets_findings(self):
        # A ConvTranspose with a scalar weight before a Softmax: onnx 1.12's shape inference (the Softmax rule's
        # help) dies of a segmentation fault on it; the check must still report.
        nodes = [
            helper.make_node("ConvTranspose", ["input", "w"], ["y"], name="ct"),
            helper.make_node("Softmax", ["y"], ["out"], name="sm", axis=1),
        ]
        inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 16, 8, 8])]
        outputs = [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 16, 8, 8])]
        w = numpy_helper.from_array(np.float32(0.5), "w")
        graph = helper.make_graph(nodes, "g", inputs, outputs, [w])
        path = self.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]))
        r = subprocess.run([sys.executable, SCRIPT, path], capture_output=True, text=True, timeout=120)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        self.assertIn("its weight has shape []", r.stdout)

    def test_a_model_the_onnx_checker_rejects(self):
        model = conv_model()
        model.graph.node[1].input[0] = "nowhere"
        report = mc.check(self.save(model))
        self.assertIn("nowhere", self.finding(report, "onnx-valid", "error").message)


class VersionAndPathTest(Base):
    def test_opsets_outside_7_to_18_are_errors(self):
        for opset in (6, 19):
            report = mc.check(self.save(conv_model(opset=opset)))
            self.assertIn(f"opset {opset}", self.finding(report, "opset", "error").message)
        for opset in (7, 13, 18):
            self.assertNotIn("opset", self.rules(mc.check(self.save(conv_model(opset=opset)))), opset)

    def test_an_ir_version_newer_than_onnx_1_13_is_a_warning(self):
        report = mc.check(self.save(conv_model(ir=9)))
        self.assertIn("V1.13.1", self.finding(report, "onnx-version", "warning").message)
        self.assertNotIn("onnx-version", self.rules(mc.check(self.save(conv_model(ir=8)))))

    def test_operators_of_other_domains_are_errors(self):
        model = conv_model()
        model.graph.node.insert(2, helper.make_node("FusedGelu", ["r"], ["g"], name="gelu", domain="com.microsoft"))
        model.graph.node[3].input[0] = "g"
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
        report = mc.check(self.save(model))
        self.assertIn("com.microsoft::FusedGelu", self.finding(report, "domain", "error").message)

    def test_paths_take_letters_digits_and_underscores(self):
        os.mkdir("shapes-int8")
        report = mc.check(self.save(conv_model(), os.path.join("shapes-int8", "model.onnx")))
        self.assertIn("'shapes-int8' has '-'", self.finding(report, "path", "error").message)
        report = mc.check(self.save(conv_model(), "my model.v2.onnx"))
        self.assertIn("has ' '", self.finding(report, "path", "error").message)
        self.assertNotIn("path", self.rules(mc.check(self.save(conv_model(), "my_model.v2.onnx"))))


class ShapeTest(Base):
    def test_a_dynamic_input_needs_input_shape(self):
        path = self.save(conv_model(batch="N"))
        self.assertIn("--input_shape", self.finding(mc.check(path), "input-shape", "error").message)
        self.assertTrue(mc.check(path, input_shape="input:1,16,8,8").ok)
        report = mc.check(path, input_shape="input:-1,16,8,8", dynamic_dims="1;2;4;8")
        self.assertTrue(report.ok, [(f.rule, f.message) for f in report.findings])
        self.assertIn("1; 2; 4; 8", self.finding(report, "dynamic-dims", "info").message)

    def test_profiles_the_model_declares_stand_for_the_flags(self):
        model = conv_model(batch="N")
        onnx.helper.set_model_props(model, {"hiai.dynamic_dims": "1;2;4;8"})
        report = mc.check(self.save(model))
        self.assertTrue(report.ok, [(f.rule, f.message) for f in report.findings])
        message = self.finding(report, "dynamic-dims", "info").message
        self.assertIn('--input_shape "input:-1,16,8,8" --dynamic_dims "1;2;4;8"', message)
        onnx.helper.set_model_props(model, {"hiai.dynamic_dims": "1;two"})
        report = mc.check(self.save(model))
        self.assertIn(
            "'1;two' is not omg's --dynamic_dims syntax", self.finding(report, "dynamic-dims", "error").message
        )
        # Flags given win over the metadata.
        self.assertIn(
            "dim 2 is 4",
            self.finding(mc.check(self.save(model), input_shape="input:1,16,4,8"), "input-shape", "error").message,
        )

    def test_input_shape_must_match_the_model(self):
        path = self.save(conv_model())
        for shape, words in [
            ("data:1,16,8,8", "not an input of the model"),
            ("input:1,16,8", "gives 3 dims"),
            ("input:1,3,8,8", "dim 1 is 3"),
        ]:
            self.assertIn(words, self.finding(mc.check(path, input_shape=shape), "input-shape", "error").message)
        # -1 on a dim the model fixes is the guide's own example (1batch.onnx with -1,3,128,128).
        self.assertTrue(mc.check(path, input_shape="input:-1,16,8,8", dynamic_dims="1;2").ok)

    def test_dynamic_dims_rules(self):
        path = self.save(conv_model())
        cases = [
            ({"input_shape": "input:-1,16,8,8"}, "must be used with|needs --dynamic_dims"),
            ({"input_shape": "input:1,16,8,8", "dynamic_dims": "1;2"}, "no dim of --input_shape is -1"),
            ({"input_shape": "input:1,16,-1,-1", "dynamic_dims": "8,8;16"}, r"profile 2 \(16\) has 1 value"),
            ({"input_shape": "input:-1,16,8,8", "dynamic_dims": ";".join(map(str, range(1, 18)))}, "at most 16"),
        ]
        for kwargs, pattern in cases:
            message = self.finding(mc.check(path, **kwargs), "dynamic-dims", "error").message
            self.assertRegex(message, pattern)
        self.assertTrue(mc.check(path, input_shape="input:-1,16,8,8", dynamic_dims=";".join(map(str, range(1, 17)))).ok)
        self.assertTrue(mc.check(path, input_shape="input:1,16,-1,-1", dynamic_dims="8,8;16,16").ok)

    def test_flag_values_it_cannot_parse_are_usage_errors(self):
        path = self.save(conv_model())
        for kwargs in [
            {"input_shape": "input:1,x,8,8"},
            {"input_shape": "input:0,16,8,8"},
            {"input_shape": "1,16,8,8"},
            {"dynamic_dims": "1;-2"},
            {"input_types": "input:FP64"},
            {"output_types": "out:BOOL"},
        ]:
            with self.assertRaises(mc.UsageError, msg=kwargs):
                mc.check(path, **kwargs)


class TypeTest(Base):
    def test_input_types_follow_the_guides_tables(self):
        path = self.save(conv_model())
        self.assertTrue(mc.check(path, input_types="input:FP16").ok)
        self.assertIn(
            "FP32 -> INT8", self.finding(mc.check(path, input_types="input:INT8"), "input-type", "error").message
        )
        # FP32 -> UINT8 only with AIPP.
        self.assertIn(
            "only with AIPP", self.finding(mc.check(path, input_types="input:UINT8"), "input-type", "warning").message
        )
        self.assertNotIn("input-type", self.rules(mc.check(path, input_types="input:UINT8", aipp=True)))
        self.finding(mc.check(path, input_types="input:UINT8", aipp=False), "input-type", "error")
        self.assertIn(
            "not an input", self.finding(mc.check(path, input_types="data:FP16"), "input-type", "error").message
        )

    def test_model_types_the_tables_have_no_row_for(self):
        report = mc.check(self.save(conv_model(in_type=TensorProto.INT64)))
        self.assertIn("INT64", self.finding(report, "input-type", "warning").message)
        report = mc.check(self.save(conv_model(in_type=TensorProto.UINT8)))
        self.assertIn("input:UINT8", self.finding(report, "input-type", "warning").message)

    def test_output_types_follow_the_guides_table(self):
        path = self.save(conv_model())
        for t in ("FP32", "FP16", "UINT8"):
            self.assertNotIn("output-type", self.rules(mc.check(path, output_types=f"out:{t}")), t)
        self.assertIn(
            "FP32 -> INT32", self.finding(mc.check(path, output_types="out:INT32"), "output-type", "error").message
        )


class OperatorTest(Base):
    def test_convolution_channels_multiples_of_16_and_32_when_quantized(self):
        report = mc.check(self.save(conv_model(cin=16, cout=24)))
        message = self.finding(report, "conv-channels", "warning").message
        self.assertIn("Cout 24 is not a multiple of 16", message)
        self.assertNotIn("conv-channels", self.rules(mc.check(self.save(conv_model(cin=16, cout=32)))))
        report = mc.check(self.save(conv_model(cin=16, cout=32)), quantized=True)
        self.assertIn("Cin 16 is not a multiple of 32", self.finding(report, "conv-channels", "warning").message)
        self.assertIn("QuantizedConvolution", self.finding(report, "conv-channels", "warning").source)
        # Depthwise (ConvolutionDepthwise): hardware-optimal, no channel rule.
        self.assertNotIn("conv-channels", self.rules(mc.check(self.save(conv_model(cin=24, cout=24, group=24)))))

    def test_operators_the_guide_rates_slow(self):
        report = mc.check(self.save(conv_model(extra=[("Div", {}), ("Transpose", {"perm": [0, 2, 3, 1]})])))
        div = self.finding(report, "op-slow", "warning")
        self.assertIn("RealDiv", div.message)
        self.assertIn("Reciprocal", div.message)
        self.assertIn("Permute", self.finding(report, "op-slow", "info").message)

    def test_operators_the_guide_does_not_name_are_warnings_and_ask_for_fp32_weights(self):
        report = mc.check(self.save(conv_model(extra=[("Abs", {})])))
        self.assertIn("no ONNX operator list", self.finding(report, "op-unlisted", "warning").message)
        self.assertIn("Abs", self.finding(report, "weight-data-type", "warning").message)
        self.assertEqual(
            self.finding(mc.check(self.save(conv_model())), "weight-data-type", "info").rule, "weight-data-type"
        )

    def test_softmax_over_another_axis_of_a_4d_input(self):
        report = mc.check(self.save(conv_model(extra=[("Softmax", {"axis": 3})])))
        self.finding(report, "softmax-axis", "info")
        self.assertNotIn("softmax-axis", self.rules(mc.check(self.save(conv_model(extra=[("Softmax", {"axis": 1})])))))


class CliTest(Base):
    def run_cli(self, *args):
        return subprocess.run([sys.executable, SCRIPT, *args], capture_output=True, text=True, timeout=120)

    def test_exit_codes_text_and_json(self):
        good = self.save(conv_model(cin=16, cout=32))
        r = self.run_cli(good)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ok: 0 error(s)", r.stdout)
        r = self.run_cli(good, "--input-type", "input:INT8", "--json", "-")
        self.assertEqual(r.returncode, 1)
        doc = json.loads(r.stdout)
        self.assertFalse(doc["ok"])
        self.assertEqual(doc["errors"], 1)
        self.assertEqual(doc["findings"][0]["rule"], "input-type")
        self.assertEqual(r.stderr.count("\n"), 1)
        self.assertTrue(r.stderr.startswith("error: "), r.stderr)
        out = os.path.join(self.dir, "report.json")
        r = self.run_cli(good, "--json", out)
        self.assertEqual(r.returncode, 0)
        self.assertTrue(json.load(open(out))["ok"])
        r = self.run_cli(good, "--input-shape", "input:1,x")
        self.assertEqual(r.returncode, 2)
        self.assertTrue(r.stderr.startswith("error: --input-shape input: 'x' is not an integer\n"), r.stderr)
        self.assertIn("usage: modelcheck.py", r.stderr)
        fifo = os.path.join(self.dir, "fifo")
        os.mkfifo(fifo)
        r = self.run_cli(good, "--json", fifo)  # nobody reads it: an error, not a hang
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot write JSON", r.stderr)


if __name__ == "__main__":
    unittest.main()
