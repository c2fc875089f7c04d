"""The broad benchmark set (benchset.py): real architectures (their published MAC counts), the int8 QDQ form of the
ops the bench models did not have (Split, Transpose, HardSigmoid, a kept BatchNormalization), the cache stamp, and
the generated set in build/benchset (scripts/setup.d/21-benchset.sh): its MobileNetV2 / ResNet18 byte-identical to
the bench folder's (the quantizer's new patterns leave the old models as they were)."""
import copy
import json
import os
import tempfile
import unittest

import onnx
from onnx import numpy_helper

import bench
import benchset
import manifest as mf
import onnxexec
import quantize


class ArchitectureTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.models = {k: build(benchset.SEEDS[k]) for k, build in benchset.BUILDERS.items()}

    def test_macs_match_the_published_networks(self):
        for key, m in self.models.items():
            onnx.checker.check_model(m)
            ratio = benchset.conv_gemm_macs(m) / benchset.PUBLISHED_MACS[key]
            self.assertGreater(ratio, 0.94, key)
            self.assertLess(ratio, 1.06, key)
        # The bench models take batches (a symbolic batch dim): their MACs are still those of one image.
        for key in ("mobilenetv2", "resnet18"):
            geared = bench.declare_batch_gears(copy.deepcopy(self.models[key]))
            self.assertEqual(benchset.conv_gemm_macs(geared), benchset.conv_gemm_macs(self.models[key]), key)

    def test_ops_each_architecture_brings(self):
        ops = {k: {nd.op_type for nd in m.graph.node} for k, m in self.models.items()}
        self.assertLessEqual({"HardSigmoid", "Mul", "GlobalAveragePool"}, ops["mobilenetv3l"])
        self.assertLessEqual({"Sigmoid", "Mul"}, ops["efficientnetb0"])
        self.assertLessEqual({"Split", "Transpose", "Reshape", "Concat"}, ops["shufflenetv2"])
        self.assertLessEqual({"BatchNormalization", "AveragePool", "Concat"}, ops["densenet121"])
        self.assertIn("Concat", ops["googlenet"])
        self.assertIn("Concat", ops["squeezenet11"])
        groups = {
            helper_attr(nd, "group")
            for nd in self.models["regnety400mf"].graph.node
            if nd.op_type == "Conv" and nd.input[0] != "input"
        }
        self.assertTrue(any(g not in (None, 1) for g in groups))  # grouped, not only depthwise

    def test_deterministic(self):
        a, b = benchset.shufflenet_v2(5), benchset.shufflenet_v2(5)
        self.assertEqual(a.SerializeToString(), b.SerializeToString())


def helper_attr(node, name):
    return next((onnx.helper.get_attribute_value(a) for a in node.attribute if a.name == name), None)


class QuantizeNewPatternsTest(unittest.TestCase):
    """ShuffleNetV2 (Split, Transpose) and a DenseNet-style kept BatchNormalization through quantize.py."""

    @classmethod
    def setUpClass(cls):
        cls.calib = benchset.bench.synthetic_images(4, 224)
        cls.fp32 = quantize.prepare(benchset.shufflenet_v2(7), any_executable_op=True)
        cls.q, _ = quantize.quantize(cls.fp32, [cls.calib], "minmax")

    def test_split_outputs_and_transpose_reuse_their_input_parameters(self):
        g = self.q.graph
        inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
        producer = {o: nd for nd in g.node for o in nd.output}
        consumers = {}
        for nd in g.node:
            for i in nd.input:
                consumers.setdefault(i, []).append(nd)
        checked = 0
        for nd in g.node:
            if nd.op_type not in ("Split", "Transpose"):
                continue
            dq_in = producer[nd.input[0]]
            self.assertEqual(dq_in.op_type, "DequantizeLinear", nd.name)
            for out in nd.output:
                (q,) = consumers[out]
                self.assertEqual(q.op_type, "QuantizeLinear", f"{nd.name}: {out}")
                self.assertEqual(inits[q.input[1]], inits[dq_in.input[1]], f"{nd.name}: {out} scale")
                self.assertEqual(inits[q.input[2]], inits[dq_in.input[2]], f"{nd.name}: {out} zero point")
                checked += 1
        self.assertEqual(checked, 13 * 2 + 16)  # the 13 basic units' Split (2 outputs each), the 16 shuffles' Transpose

    def test_int8_follows_fp32(self):
        x = self.calib[:2]
        cos = quantize.cosine(onnxexec.Executor(self.fp32).run_batched(x), onnxexec.Executor(self.q).run_batched(x))
        self.assertGreater(cos.min(), 0.98)

    def test_unfoldable_batchnorm_kept_only_on_request(self):
        m = benchset.densenet121(3)
        with self.assertRaises(quantize.QuantizeError):
            quantize.prepare(m, any_executable_op=True)
        kept = quantize.prepare(m, keep_unfoldable_bn=True, any_executable_op=True)
        self.assertEqual(sum(nd.op_type == "BatchNormalization" for nd in kept.graph.node), 58 + 3 + 1)

    def test_ops_the_executor_cannot_run_are_refused(self):
        m = benchset.shufflenet_v2(7)
        m.graph.node[1].op_type = "Tanh"
        with self.assertRaisesRegex(quantize.QuantizeError, "calibration executor cannot run.*Tanh"):
            quantize.prepare(m, any_executable_op=True)
        with self.assertRaisesRegex(quantize.QuantizeError, "host runtime does not support"):
            quantize.prepare(benchset.shufflenet_v2(7))  # Split/Transpose: not the host runtime's set


class StampTest(unittest.TestCase):
    def test_regenerated_only_when_a_source_or_a_file_changes(self):
        with tempfile.TemporaryDirectory() as d:
            key, digest = "squeezenet11", benchset.source_hash()
            self.assertFalse(benchset.up_to_date(d, key, digest))
            for p in benchset.paths(d, key).values():
                open(p, "wb").close()
            with open(os.path.join(d, key + ".stamp"), "w") as f:
                f.write(benchset.stamp_of(key, digest))
            self.assertTrue(benchset.up_to_date(d, key, digest))
            self.assertFalse(benchset.up_to_date(d, key, "0" * 64))  # the generator or the quantizer changed
            os.remove(benchset.paths(d, key)["int8U8act"])
            self.assertFalse(benchset.up_to_date(d, key, digest))


class GeneratedSetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        index = os.path.join(benchset.DEFAULT_OUT, benchset.INDEX)
        if not os.path.exists(index):
            raise AssertionError(f"{index} missing: run scripts/setup.d/21-benchset.sh")
        with open(index) as f:
            cls.index = json.load(f)

    def test_index_lists_every_model_up_to_date(self):
        self.assertEqual([m["key"] for m in self.index["models"]], list(benchset.BUILDERS))
        digest = benchset.source_hash()
        stale = [k for k in benchset.BUILDERS if not benchset.up_to_date(benchset.DEFAULT_OUT, k, digest)]
        self.assertEqual(stale, [], "stale: run scripts/setup.d/21-benchset.sh")

    def test_bench_models_byte_identical_to_the_bench_folder(self):
        bench_dir = os.path.join(mf.MODELS_DIR, "bench")
        for key in ("mobilenetv2", "resnet18"):
            for kind, p in benchset.paths(benchset.DEFAULT_OUT, key).items():
                old = os.path.join(bench_dir, os.path.basename(p))
                with open(p, "rb") as a, open(old, "rb") as b:
                    self.assertTrue(a.read() == b.read(), f"{p} differs from {old}")

    def test_int8_models_are_qdq_with_an_int8_output(self):
        for m in self.index["models"]:
            q = onnx.load(os.path.join(benchset.DEFAULT_OUT, m["files"]["int8"]))
            self.assertGreater(m["int8LogitsScale"], 0, m["key"])
            self.assertEqual(benchset.logits_scale(q), m["int8LogitsScale"], m["key"])
            weights = [
                nd
                for nd in q.graph.node
                if nd.op_type == "DequantizeLinear" and nd.input[0].endswith("_weight_quantized")
            ]
            self.assertGreater(len(weights), 10, m["key"])


if __name__ == "__main__":
    unittest.main()
