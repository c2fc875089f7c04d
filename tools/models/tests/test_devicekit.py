"""Device conversion kit: calibration .bin formats, config.prototxt, AIPP config, dopt/omg commands, CLI."""
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest

import numpy as np

import devicekit as dk
from manifest import SHAPES_INPUT, MODELS_DIR

TOOLS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class CalibrationBinTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "c.bin")

    def tearDown(self):
        self.dir.cleanup()

    def test_610_any_rank_layout_and_round_trip(self):
        for shape in [(7,), (50, 100, 3), (2, 3, 4, 5), (1, 2, 1, 2, 3)]:
            data = np.random.default_rng(1).standard_normal(shape).astype(np.float32)
            size = dk.write_calibration_bin(self.path, data, 610)
            raw = open(self.path, "rb").read()
            self.assertEqual(size, len(raw))
            self.assertEqual(len(raw), 4 * (2 + len(shape)) + 4 * data.size)
            self.assertEqual(struct.unpack_from(f"<{2 + len(shape)}i", raw), (610, len(shape)) + shape)
            np.testing.assert_array_equal(np.frombuffer(raw[4 * (2 + len(shape)) :], "<f4").reshape(shape), data)
            magic, back = dk.read_calibration_bin(self.path)
            self.assertEqual(magic, 610)
            np.testing.assert_array_equal(back, data)

    def test_510_header_is_20_bytes_nchw(self):
        data = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
        dk.write_calibration_bin(self.path, data, 510)
        raw = open(self.path, "rb").read()
        self.assertEqual(struct.unpack_from("<5i", raw), (510, 2, 3, 4, 5))
        self.assertEqual(len(raw), 20 + 4 * data.size)
        self.assertEqual(struct.unpack_from("<f", raw, 20 + 4)[0], 1.0)  # little-endian float32 data
        np.testing.assert_array_equal(dk.read_calibration_bin(self.path)[1], data)

    def test_510_rejects_other_ranks_and_unknown_magic(self):
        with self.assertRaises(dk.KitError):
            dk.write_calibration_bin(self.path, np.zeros((2, 3, 4), np.float32), 510)
        with self.assertRaises(dk.KitError):
            dk.write_calibration_bin(self.path, np.zeros((2, 3), np.float32), 710)
        self.assertFalse(os.path.exists(self.path))

    def test_reader_rejects_bad_files(self):
        dk.write_calibration_bin(self.path, np.zeros((2, 3, 4, 5), np.float32), 610)
        raw = open(self.path, "rb").read()
        for bad in (raw[:-4], raw + b"\0\0\0\0", struct.pack("<i", 611) + raw[4:], raw[:6], b""):
            with open(self.path, "wb") as f:
                f.write(bad)
            with self.assertRaises(dk.KitError):
                dk.read_calibration_bin(self.path)


class ConfigTest(unittest.TestCase):
    def test_binary_config_with_excludes(self):
        text = dk.config_prototxt("/data/c.bin", ["conv1", "conv2;conv3"])
        lines = [ln.strip() for ln in text.splitlines()]
        self.assertEqual(lines[:2], ['strategy: "Quant_INT8-8"', "device: USE_CPU"])
        self.assertIn("input_type: BINARY", lines)
        self.assertIn('input_file_path: "/data/c.bin"', lines)
        self.assertEqual(
            [ln for ln in lines if ln.startswith("exclude_op")], ['exclude_op: "conv1"', 'exclude_op: "conv2;conv3"']
        )
        self.assertEqual(text.count("{"), text.count("}"))
        self.assertNotIn("mean_value", text)

    def test_image_config_carries_mean_std_per_channel(self):
        text = dk.config_prototxt("/imgs/", mode="IMAGE", spec=SHAPES_INPUT)
        self.assertIn("image_format: RGB", text)
        self.assertEqual(text.count("mean_value:"), 3)
        self.assertIn("mean_value: 123.675", text)
        self.assertIn("standard_deviation: 58.395", text)

    def test_aipp_reproduces_mean_std(self):
        text = dk.aipp_static_config(SHAPES_INPUT)
        vals = dict(ln.strip().split(": ", 1) for ln in text.splitlines() if ": " in ln)
        self.assertEqual(vals["format"], "RGB888_U8")
        self.assertEqual((vals["src_image_size_w"], vals["src_image_size_h"]), ("96", "96"))
        self.assertNotIn("rbuv_swap_switch", vals)
        for c in range(3):
            x = 200.0
            got = (x - int(vals[f"mean_chn_{c}"]) - float(vals[f"min_chn_{c}"])) * float(vals[f"var_reci_chn_{c}"])
            self.assertAlmostEqual(got, (x - SHAPES_INPUT["mean"][c]) / SHAPES_INPUT["std"][c], places=5)
        self.assertIn("rbuv_swap_switch: true", dk.aipp_static_config({**SHAPES_INPUT, "colorOrder": "BGR"}))

    def test_commands(self):
        dopt, omg = dk.commands(
            "/m/a.onnx", "input", [1, 3, 96, 96], "logits", "/w", "a", quantize=True, aipp=True, output_type="uint8"
        )
        self.assertEqual(dopt[:2], ["python3", "tools_dopt/dopt_onnx_py3/dopt_so.py"])
        d = dict(zip(dopt[2::2], dopt[3::2]))
        self.assertEqual(d["--framework"], "5")
        self.assertEqual(d["--mode"], "0")
        self.assertEqual(d["--input_shape"], "input:1,3,96,96")
        self.assertEqual(d["--cal_conf"], "/w/config.prototxt")
        self.assertEqual(d["--compress_conf"], "/w/a_param")
        o = dict(zip(omg[1::2], omg[2::2]))
        self.assertEqual(o["--framework"], "5")
        self.assertEqual(o["--model"], d["--output"])
        self.assertEqual(o["--compress_conf"], "/w/a_param")
        self.assertEqual(o["--insert_op_conf"], "/w/aipp_static.cfg")
        self.assertEqual(o["--input_type"], "input:UINT8")
        self.assertEqual(o["--output_type"], "logits:UINT8")
        self.assertEqual(o["--output"], "/w/a")
        dopt, omg = dk.commands("/m/a.onnx", "input", [1, 3, 96, 96], "logits", "/w", "a", quantize=False)
        self.assertIsNone(dopt)
        self.assertNotIn("--compress_conf", omg)
        self.assertEqual(omg[omg.index("--model") + 1], "/m/a.onnx")

    def test_uint8_output_quant_from_int8_model(self):
        import onnx

        q = dk.logits_uint8_quant(onnx.load(os.path.join(MODELS_DIR, "shapes_int8.onnx")))
        self.assertGreater(q["scale"], 0)
        self.assertTrue(0 <= q["zeroPoint"] <= 255)


class CliTest(unittest.TestCase):
    def run_kit(self, *args):
        return subprocess.run(
            [sys.executable, os.path.join(TOOLS, "devicekit.py"), *args], capture_output=True, text=True
        )

    def test_user_model_kit(self):
        from PIL import Image

        with tempfile.TemporaryDirectory() as d:
            imgs = os.path.join(d, "imgs")
            os.makedirs(imgs)
            for i in range(3):
                Image.fromarray(np.full((40 + i, 50, 3), 40 * i, np.uint8)).save(os.path.join(imgs, f"{i}.png"))
            open(os.path.join(imgs, "notes.txt"), "w").write("not an image")
            out = os.path.join(d, "kit")
            import onnx

            weight = next(
                n for n in onnx.load(os.path.join(MODELS_DIR, "shapes_fp32.onnx")).graph.node if n.op_type == "Conv"
            ).input[1]
            r = self.run_kit(
                "user",
                "--model",
                os.path.join(MODELS_DIR, "shapes_fp32.onnx"),
                "--images",
                imgs,
                "--id",
                "my-shapes",
                "--mean",
                "123.675,116.28,103.53",
                "--std",
                "58.395,57.12,57.375",
                "--int8-onnx",
                os.path.join(MODELS_DIR, "shapes_int8.onnx"),
                "--aipp",
                "rgb",
                "--output-type",
                "uint8",
                "--format",
                "510",
                "--exclude",
                weight,
                "--out",
                out,
            )
            self.assertEqual(r.returncode, 0, r.stderr)
            magic, calib = dk.read_calibration_bin(os.path.join(out, "calibration.bin"))
            self.assertEqual((magic, calib.shape), (510, (3, 3, 96, 96)))
            np.testing.assert_allclose(calib[2, 1], (80 - 116.28) / 57.12, rtol=1e-5)
            self.assertIn(f'exclude_op: "{weight}"', open(os.path.join(out, "config.prototxt")).read())
            self.assertIn("--insert_op_conf", open(os.path.join(out, "commands.sh")).read())
            e = json.load(open(os.path.join(out, "manifest_entry.json")))
            self.assertEqual(e["id"], "my-shapes")
            self.assertEqual(e["targets"]["om"]["file"], "my_shapes.om")
            self.assertEqual(e["targets"]["om"]["input"]["dtype"], "uint8")
            self.assertEqual(e["targets"]["om"]["output"]["dtype"], "uint8")
            self.assertEqual(e["targets"]["onnx"]["file"], "shapes_int8.onnx")
            self.assertEqual((e["input"]["width"], e["output"]["classes"]), (96, 12))

    def test_bundled_kit_uses_the_model_preprocessing(self):
        import dataset

        with tempfile.TemporaryDirectory() as d:
            r = self.run_kit("bundled", "--count", "4", "--out", d)
            self.assertEqual(r.returncode, 0, r.stderr)
            magic, calib = dk.read_calibration_bin(os.path.join(d, "shapes-int8", "calibration.bin"))
            want, _ = dataset.tensors(dataset.DEFAULT_SEED, "train", 4, SHAPES_INPUT)
            self.assertEqual(magic, 610)
            np.testing.assert_array_equal(calib, want)
            self.assertFalse(os.path.exists(os.path.join(d, "shapes-fp32", "calibration.bin")))
            fp32_cmd = open(os.path.join(d, "shapes-fp32", "commands.sh")).read()
            self.assertNotIn("dopt_so.py", fp32_cmd)
            self.assertIn("--framework 5", fp32_cmd)
            e = json.load(open(os.path.join(d, "shapes-int8", "manifest_entry.json")))
            self.assertEqual(e["targets"]["om"], {"file": "shapes_int8.om"})

    def test_user_errors_are_one_line(self):
        with tempfile.TemporaryDirectory() as d:
            r = self.run_kit(
                "user",
                "--model",
                os.path.join(MODELS_DIR, "shapes_fp32.onnx"),
                "--images",
                d,
                "--id",
                "Bad Id",
                "--out",
                os.path.join(d, "o"),
            )
            self.assertEqual(r.returncode, 1)
            self.assertTrue(r.stderr.startswith("error: "), r.stderr)
            r = self.run_kit(
                "user",
                "--model",
                os.path.join(MODELS_DIR, "shapes_fp32.onnx"),
                "--images",
                d,
                "--id",
                "ok",
                "--out",
                os.path.join(d, "o"),
            )
            self.assertEqual(r.returncode, 1)
            self.assertIn("no images", r.stderr)
            self.assertNotIn("Traceback", r.stderr)
            os.makedirs(os.path.join(d, "i"))
            from PIL import Image

            Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(os.path.join(d, "i", "a.png"))
            r = self.run_kit(
                "user",
                "--model",
                os.path.join(MODELS_DIR, "shapes_fp32.onnx"),
                "--images",
                os.path.join(d, "i"),
                "--id",
                "ok",
                "--exclude",
                "no_such_weight",
                "--out",
                os.path.join(d, "o"),
            )
            self.assertEqual(r.returncode, 1)
            self.assertIn("exclude_op no_such_weight", r.stderr)


if __name__ == "__main__":
    unittest.main()
