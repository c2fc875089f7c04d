"""Device conversion kit: calibration .bin formats, config.prototxt, AIPP configs (dynamic and static: crop, CSC,
swaps, resize, DTC) against the guide's rules and limits, the manifest "aipp" field, the ONNX AIPP declaration,
dopt/omg commands, CLI."""
import json
import os
import struct
import subprocess
import sys
import tempfile
import unittest

import numpy as np

import aipp
import devicekit as dk
import manifest as mf
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

    def test_image_config_carries_mean_per_channel_and_one_standard_deviation(self):
        # The guide's "填写config.prototxt文件": mean_value per channel, ONE standard_deviation (a float >= 0).
        spec = {**SHAPES_INPUT, "std": [58.0, 58.0, 58.0]}
        text = dk.config_prototxt("/imgs/", mode="IMAGE", spec=spec)
        self.assertIn("image_format: RGB", text)
        self.assertEqual(text.count("mean_value:"), 3)
        self.assertIn("mean_value: 123.675", text)
        self.assertEqual(text.count("standard_deviation:"), 1)
        self.assertIn("standard_deviation: 58.0", text)
        with self.assertRaisesRegex(dk.KitError, r"one standard_deviation .*填写config.prototxt文件.*use the BINARY"):
            dk.config_prototxt("/imgs/", mode="IMAGE", spec=SHAPES_INPUT)  # ImageNet std differs per channel
        with self.assertRaisesRegex(dk.KitError, r"mean_value must be in 0.0..255.0"):
            dk.config_prototxt("/imgs/", mode="IMAGE", spec={**spec, "mean": [0.0, 300.0, 0.0]})

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
        steps = dk.commands(
            "/m/a.onnx",
            "input",
            [1, 3, 96, 96],
            "logits",
            "/w",
            "a",
            quantize=True,
            aipp_conf="aipp_static.cfg",
            input_type="UINT8",
            output_type="UINT8",
        )
        dopt = steps["dopt"]
        self.assertEqual(dopt[:2], ["python3", "tools_dopt/dopt_onnx_py3/dopt_so.py"])
        d = dict(zip(dopt[2::2], dopt[3::2]))
        self.assertEqual(d["--framework"], "5")
        self.assertEqual(d["--mode"], "0")
        self.assertEqual(d["--input_shape"], "input:1,3,96,96")
        self.assertEqual(d["--cal_conf"], "/w/config.prototxt")
        self.assertEqual(d["--compress_conf"], "/w/a_param")
        omg = steps["omg"]
        o = dict(zip(omg[1::2], omg[2::2]))
        self.assertEqual(o["--framework"], "5")
        self.assertEqual(o["--model"], d["--output"])
        self.assertEqual(o["--compress_conf"], "/w/a_param")
        self.assertEqual(o["--insert_op_conf"], "/w/aipp_static.cfg")
        self.assertEqual(o["--input_type"], "input:UINT8")
        self.assertEqual(o["--output_type"], "logits:UINT8")
        self.assertEqual(o["--output"], "/w/a")
        self.assertNotIn("--weight_data_type", o)
        self.assertNotIn("--mode", o)  # mode 0, omg's default: generate the model
        # The guide's pre-check first (OMG参数 --mode 3 + --check_report), on the float model.
        c = dict(zip(steps["check"][1::2], steps["check"][2::2]))
        self.assertEqual(steps["check"][0], "./omg")
        self.assertEqual((c["--mode"], c["--model"], c["--framework"]), ("3", "/m/a.onnx", "5"))
        self.assertEqual(c["--input_shape"], "input:1,3,96,96")
        self.assertEqual(c["--check_report"], "/w/check_report.json")
        # Last, the .om as JSON (OMG参数 --mode 1 with --om and --json).
        self.assertEqual(steps["json"], ["./omg", "--mode", "1", "--om", "/w/a.om", "--json", "/w/a.json"])
        steps = dk.commands("/m/a.onnx", "input", [1, 3, 96, 96], "logits", "/w", "a", quantize=False)
        self.assertIsNone(steps["dopt"])
        self.assertNotIn("--compress_conf", steps["omg"])
        self.assertEqual(steps["omg"][steps["omg"].index("--model") + 1], "/m/a.onnx")
        self.assertIn("input:FP32", steps["omg"])
        # Dynamic batch: -1 and --dynamic_dims for omg (check and conversion), the fixed shape for dopt.
        steps = dk.commands(
            "/m/a.onnx",
            "input",
            [-1, 3, 96, 96],
            "logits",
            "/w",
            "a",
            dynamic_dims="1;2;4",
            weight_data_type="FP32",
            dopt_shape=[1, 3, 96, 96],
        )
        for key in ("check", "omg"):
            c = dict(zip(steps[key][1::2], steps[key][2::2]))
            self.assertEqual((c["--input_shape"], c["--dynamic_dims"]), ("input:-1,3,96,96", "1;2;4"), key)
        self.assertEqual(steps["omg"][-2:], ["--weight_data_type", "FP32"])
        self.assertEqual(steps["dopt"][steps["dopt"].index("--input_shape") + 1], "input:1,3,96,96")
        self.assertNotIn("--dynamic_dims", steps["dopt"])

    def test_uint8_output_quant_from_int8_model(self):
        import onnx

        q = dk.logits_uint8_quant(onnx.load(os.path.join(MODELS_DIR, "shapes_int8.onnx")))
        self.assertGreater(q["scale"], 0)
        self.assertTrue(0 <= q["zeroPoint"] <= 255)


def parse_cfg(text):
    """The insert_op_conf's prototxt as nested dicts (blocks by name; repeated blocks are not used by the kit)."""
    root, stack = {}, []
    cur = root
    for ln in (s.strip() for s in text.splitlines()):
        if not ln or ln.startswith("#"):
            continue
        if ln.endswith("{"):
            name = ln[:-1].strip()
            assert name not in cur, f"block {name} twice"
            stack.append(cur)
            cur[name] = {}
            cur = cur[name]
        elif ln == "}":
            cur = stack.pop()
        else:
            k, v = ln.split(": ", 1)
            assert k not in cur, f"key {k} twice"
            cur[k] = v.strip('"')
    assert not stack, "unbalanced braces"
    return root


def commands_of(path):
    """The command lines of a commands.sh as argument lists (comments, the shebang, set and the cd dropped)."""
    import shlex

    out = []
    for ln in open(path).read().splitlines():
        if not ln or ln.startswith("#") or ln.startswith("set "):
            continue
        if ln.startswith("(cd tools_omg && "):
            ln = ln[len("(cd tools_omg && ") : -1]
        out.append(shlex.split(ln))
    return out


def flags(args):
    """--flag value pairs of an argument list (after the program, or python3 + script)."""
    args = args[2:] if args[0] == "python3" else args[1:]
    return dict(zip(args[::2], args[1::2]))


INPUT224 = {**SHAPES_INPUT, "width": 224, "height": 224, "centerCrop": 0.875}
# The guide's static csc_func example ("色域转换功能(CSC)", 静态配置): rows r0..r2, columns c0..c2.
GUIDE_STATIC_CSC = [[256, 454, 0], [256, -88, -183], [256, 0, 359]]


def yuv_of(rgb, space):
    """Forward conversion RGB -> (Y, U, V), 0..255, of a colour space (float, the textbook equations)."""
    kr, kb, narrow = aipp.COLOR_SPACES[space]
    r, g, b = (float(v) for v in rgb)
    y = kr * r + (1 - kr - kb) * g + kb * b
    u = (b - y) / (2 * (1 - kb))
    v = (r - y) / (2 * (1 - kr))
    if narrow:
        return 16 + y * 219 / 255, 128 + u * 224 / 255, 128 + v * 224 / 255
    return y, 128 + u, 128 + v


class AippConfigTest(unittest.TestCase):
    def test_dynamic_config_is_the_guides_dynamic_form(self):
        for order, out_format in (("RGB", "RGB888_U8"), ("BGR", "BGR888_U8")):
            spec = {**INPUT224, "colorOrder": order}
            cfg = parse_cfg(aipp.config(aipp.parse("dynamic", spec), spec, "data"))["aipp_op"]
            self.assertEqual((cfg["input_name"], cfg["related_input_rank"]), ("data", "0"))
            # Dynamic: no shape and no format, only the largest source (AIPP配置区分动态AIPP与静态AIPP).
            self.assertEqual(cfg["input_para"], {"max_src_image_size": str(aipp.DEFAULT_MAX_SRC_IMAGE_SIZE)})
            for func in ("crop_func", "swap_func", "csc_func", "resize_func", "dtc_func"):
                self.assertEqual(cfg[func]["dynamic"], "true", func)
            self.assertEqual(cfg["resize_func"]["resize_output_w"], "224")
            self.assertEqual(cfg["resize_func"]["resize_output_h"], "224")
            self.assertEqual((cfg["crop_func"]["crop_size_w"], cfg["crop_func"]["crop_size_h"]), ("4096", "4096"))
            self.assertEqual(cfg["csc_func"]["output_format"], out_format)
            self.assertEqual(cfg["csc_func"]["color_space"], "JPEG")
            self.assertEqual(cfg["dtc_func"], {"switch": "true", "dynamic": "true"})
            self.assertNotIn("rotation_func", cfg)  # the guide: rotation is not supported with dynamic AIPP
            self.assertNotIn("padding_func", cfg)

    def test_default_max_src_takes_a_1080p_nv21_frame_and_decoded_photos(self):
        self.assertEqual(aipp.DEFAULT_MAX_SRC_IMAGE_SIZE, 1920 * 1080 * 3 // 2)
        self.assertEqual(aipp.FORMATS["NV21"].image_bytes(1920, 1080), 3110400)
        # The decode sizes of the committed golden cases (the core's DecodeSizeFor), as RGBA.
        samples = os.path.join(os.path.dirname(MODELS_DIR), "samples", "decode_size.json")
        cases = [c for c in json.load(open(samples))["cases"] if "decode" in c]
        photos = [c for c in cases if sorted(c["source"]) == [3024, 4032]]
        self.assertGreaterEqual(len(photos), 2)
        for c in cases:
            w, h = c["decode"]
            if max(w, h) <= aipp.SIDE_MAX:
                self.assertLessEqual(aipp.FORMATS["RGBA"].image_bytes(w, h), aipp.DEFAULT_MAX_SRC_IMAGE_SIZE, c)
        # ... but not a 1440p frame or an undecoded photo: the limit is what the app hands over, no more.
        self.assertGreater(aipp.FORMATS["NV21"].image_bytes(2560, 1440), aipp.DEFAULT_MAX_SRC_IMAGE_SIZE)
        self.assertGreater(aipp.FORMATS["RGBA"].image_bytes(4032, 3024), aipp.DEFAULT_MAX_SRC_IMAGE_SIZE)

    def test_static_nv21_centre_crop_csc_resize_dtc(self):
        plan = aipp.parse("static:nv21:1920x1080:crop=center", INPUT224)
        cfg = parse_cfg(aipp.config(plan, INPUT224))["aipp_op"]
        self.assertEqual(cfg["input_para"]["format"], "YUV420SP_U8")
        self.assertEqual(cfg["input_para"]["shape"], {"src_image_size_w": "1920", "src_image_size_h": "1080"})
        c = {k: int(v) for k, v in cfg["crop_func"].items() if k != "switch"}
        # 0.875 x 1080 = 945 -> 944 (even), centred, even offsets.
        self.assertEqual(c, {"load_start_pos_w": 488, "load_start_pos_h": 68, "crop_size_w": 944, "crop_size_h": 944})
        self.assertEqual(cfg["swap_func"], {"rbuv_swap_switch": "true", "ax_swap_switch": "false"})  # NV21: V first
        m = [[int(cfg["csc_func"][f"matrix_r{r}c{k}"]) for k in range(3)] for r in range(3)]
        self.assertEqual(m, [GUIDE_STATIC_CSC[2], GUIDE_STATIC_CSC[1], GUIDE_STATIC_CSC[0]])  # RGB rows
        self.assertEqual([cfg["csc_func"][f"input_bias_{i}"] for i in range(3)], ["0", "128", "128"])
        self.assertEqual(cfg["resize_func"], {"switch": "true", "resize_output_w": "224", "resize_output_h": "224"})
        self.assertNotIn("dynamic", aipp.config(plan, INPUT224))
        dtc = cfg["dtc_func"]
        for ch in range(3):
            for x in (0.0, 77.0, 255.0):
                got = (x - int(dtc[f"mean_chn_{ch}"]) - float(dtc[f"min_chn_{ch}"])) * float(dtc[f"var_reci_chn_{ch}"])
                self.assertAlmostEqual(got, (x - INPUT224["mean"][ch]) / INPUT224["std"][ch], places=5)
        # NV12 has U first: no swap at all; an explicit even crop is kept as given.
        plan = aipp.parse("static:NV12:640x480:crop=300x200+10+20:csc=bt709n", INPUT224)
        cfg = parse_cfg(aipp.config(plan, INPUT224))["aipp_op"]
        self.assertNotIn("swap_func", cfg)
        self.assertEqual(cfg["crop_func"]["crop_size_w"], "300")
        self.assertEqual(cfg["csc_func"]["input_bias_0"], "16")  # narrow range

    def test_rgba_and_bgra_are_xrgb8888_with_the_ax_swap_and_rb_swap_by_channel_order(self):
        want = {  # (format, model order) -> (rbuv_swap_switch, ax_swap_switch)
            ("RGBA", "RGB"): (False, True),
            ("BGRA", "RGB"): (True, True),
            ("RGB", "RGB"): (False, False),
            ("BGR", "RGB"): (True, False),
            ("RGBA", "BGR"): (True, True),
            ("BGRA", "BGR"): (False, True),
            ("RGB", "BGR"): (True, False),
            ("BGR", "BGR"): (False, False),
            ("NV21", "RGB"): (True, False),
            ("NV12", "RGB"): (False, False),
            ("NV21", "BGR"): (True, False),  # BGR output comes from the CSC rows, not a swap
        }
        for (fmt, order), swaps in want.items():
            self.assertEqual(aipp.swaps(fmt, order), swaps, (fmt, order))
            spec = {**SHAPES_INPUT, "colorOrder": order}
            cfg = parse_cfg(aipp.config(aipp.parse(f"static:{fmt}:96x96", spec), spec))["aipp_op"]
            self.assertEqual(cfg["input_para"]["format"], aipp.FORMATS[fmt].guide)
            got = cfg.get("swap_func", {"rbuv_swap_switch": "false", "ax_swap_switch": "false"})
            self.assertEqual((got["rbuv_swap_switch"] == "true", got["ax_swap_switch"] == "true"), swaps, (fmt, order))
            self.assertNotIn("resize_func", cfg)  # source = model size
            self.assertEqual("csc_func" in cfg, aipp.FORMATS[fmt].yuv)

    def test_rgb_is_the_static_rgb888_config(self):
        self.assertEqual(
            dk.aipp_static_config(SHAPES_INPUT, "x"),
            aipp.config(aipp.parse("static:RGB:96x96", SHAPES_INPUT), SHAPES_INPUT, "x"),
        )

    def test_csc_matrices(self):
        # JPEG to BGR is the guide's static example, coefficient for coefficient.
        m, in_bias, out_bias = aipp.csc_matrix("jpeg", "BGR")
        self.assertEqual((m, in_bias, out_bias), (GUIDE_STATIC_CSC, [0, 128, 128], [0, 0, 0]))
        self.assertEqual(aipp.csc_matrix("bt601f", "RGB"), aipp.csc_matrix("jpeg", "RGB"))
        # Every colour space undoes its own forward conversion within rounding (the 1/256 fixed point).
        rng = np.random.default_rng(3)
        colours = [(0, 0, 0), (255, 255, 255), (255, 0, 0), (0, 255, 0), (0, 0, 255)] + [
            tuple(c) for c in rng.integers(0, 256, (20, 3))
        ]
        for space in aipp.COLOR_SPACES:
            m, in_bias, _ = aipp.csc_matrix(space, "RGB")
            for rgb in colours:
                yuv = np.array(yuv_of(rgb, space)) - in_bias
                back = np.array(m) @ yuv / 256
                np.testing.assert_allclose(back, rgb, atol=1.5, err_msg=f"{space} {rgb}")
        with self.assertRaisesRegex(aipp.AippError, "colour space 'bt2020'"):
            aipp.csc_matrix("bt2020")

    def test_guide_limits_are_clear_errors(self):
        bad = {
            "static:NV21:1921x1080": r"1921x1080 NV21: YUV420SP width and height must be even",
            "static:NV12:1920x1081": r"must be even",
            "static:RGBA:4097x100": r"4097x100: src_image_size_w/h must be in 1\.\.4096",
            "static:RGB:0x100": r"must be in 1\.\.4096",
            "static:NV21:1920x1080:crop=101x100+0+0": r"crop 101x100\+0\+0 of a YUV420SP source: offsets and sizes",
            "static:NV21:1920x1080:crop=100x100+1+0": r"offsets and sizes must be even",
            "static:RGB:640x480:crop=100x100+600+0": r"crop 100x100\+600\+0 is not inside the 640x480 source",
            "static:RGB:640x480:crop=0x100+0+0": r"not inside",
            "static:RGB:640x480:crop=abc": r"crop 'abc': expected center or WxH\+X\+Y",
            "static:RGB:96x96:csc=jpeg": r"csc= needs a YUV source",
            "static:NV21:96x96:csc=bt2020": r"colour space 'bt2020'",
            "static:YUV400:96x96": r"format 'YUV400'",
            "static:RGB:96x96:flip=1": r"unknown option 'flip=1'",
            "static:RGB": r"use none, rgb, dynamic",
            "dynamic:max=13823": r"max_src_image_size 13823 is below one 96x96 NV21 image \(13824 bytes\)",
            "dynamic:max=0": r"must be an integer > 0",
            f"dynamic:max={4096 * 4096 * 4 + 1}": r"exceeds 67108864, the largest image AIPP takes",
            "dynamic:max=3MB": r"max='3MB' is not a byte count",
            "dynamic:formats=NV21,I420": r"format 'I420'",
            "dynamic:formats=NV21,nv21": r"listed twice",
            "dynamic:formats=": r"format ''",
            "dynamic:rotate=90": r"unknown option 'rotate=90'",
            "rgb:x": r"use none, rgb, dynamic",
        }
        for arg, msg in bad.items():
            with self.assertRaisesRegex(aipp.AippError, msg, msg=arg):
                aipp.parse(arg, SHAPES_INPUT)
        # A model size AIPP's resize cannot produce (16..448 per side).
        for w, h in ((512, 512), (15, 96), (96, 449)):
            spec = {**SHAPES_INPUT, "width": w, "height": h}
            with self.assertRaisesRegex(aipp.AippError, rf"{w}x{h}: AIPP resize outputs 16x16 to 448x448"):
                aipp.parse("dynamic", spec)
            with self.assertRaisesRegex(aipp.AippError, "AIPP resize outputs"):
                aipp.parse("static:RGB:640x480", spec)
        aipp.parse("static:RGB:512x512", {**SHAPES_INPUT, "width": 512, "height": 512})  # no resize: no limit
        # DTC produces FP16: a tiny std would overflow it.
        with self.assertRaisesRegex(aipp.AippError, r"mean\[1\] 116.28 / std\[1\] 0.001: .* beyond FP16's 65504"):
            aipp.parse("dynamic", {**SHAPES_INPUT, "std": [1.0, 0.001, 1.0]})

    def test_manifest_field_is_the_manifest_schema(self):
        self.assertIsNone(aipp.manifest_field(aipp.parse("none", SHAPES_INPUT)))
        f = aipp.manifest_field(aipp.parse("dynamic:max=200000:formats=nv21,rgba", SHAPES_INPUT))
        self.assertEqual(f, {"mode": "dynamic", "maxSrcImageSize": 200000, "formats": ["NV21", "RGBA"]})
        f = aipp.manifest_field(aipp.parse("dynamic", SHAPES_INPUT))
        self.assertEqual(f["formats"], ["NV21", "NV12", "RGBA", "BGRA", "RGB", "BGR"])
        self.assertEqual(aipp.manifest_field(aipp.parse("rgb", SHAPES_INPUT)), {"mode": "static", "formats": ["RGB"]})
        plan = aipp.parse("static:NV12:640x480", SHAPES_INPUT)
        self.assertEqual(aipp.manifest_field(plan), {"mode": "static", "formats": ["NV12"]})
        self.assertEqual(aipp.plan_from_manifest(f, SHAPES_INPUT), aipp.parse("dynamic", SHAPES_INPUT))
        self.assertIsNone(aipp.plan_from_manifest({"mode": "none"}, SHAPES_INPUT))
        with self.assertRaisesRegex(aipp.AippError, "only dynamic"):
            aipp.plan_from_manifest({"mode": "static", "formats": ["RGB"]}, SHAPES_INPUT)
        with self.assertRaisesRegex(aipp.AippError, "formats: at least one source format"):
            aipp.plan_from_manifest({**f, "formats": []}, SHAPES_INPUT)

    def test_the_format_table_keeps_the_guides_swap_rules(self):
        bad = {
            "AX on RGB888": aipp.SourceFormat("RGB888_U8", yuv=False, uv_swap=False, ax_swap=True, bgr=False),
            "RB on YUV400": aipp.SourceFormat("YUV400_U8", yuv=False, uv_swap=False, ax_swap=False, bgr=True),
            "UV on RGB888": aipp.SourceFormat("RGB888_U8", yuv=True, uv_swap=True, ax_swap=False, bgr=False),
        }
        for name, fmt in bad.items():
            aipp.FORMATS["TEST"] = fmt
            try:
                with self.assertRaises(aipp.AippError, msg=name):
                    aipp.swaps("TEST", "RGB")
            finally:
                del aipp.FORMATS["TEST"]


class OnnxDeclarationTest(unittest.TestCase):
    def model(self):
        import onnx

        return onnx.load(os.path.join(MODELS_DIR, "shapes_fp32.onnx"))

    def test_declare_sets_reads_and_removes_the_metadata(self):
        m = self.model()
        del m.metadata_props[:]
        p = m.metadata_props.add()
        p.key, p.value = "author", "x"
        field = {"mode": "dynamic", "maxSrcImageSize": 3110400, "formats": ["NV21"]}
        self.assertTrue(aipp.declare_onnx(m, field))
        props = [(p.key, p.value) for p in m.metadata_props]
        self.assertEqual(
            props, [("author", "x"), ("hiai.aipp.mode", "dynamic"), ("hiai.aipp.max_src_image_size", "3110400")]
        )
        self.assertEqual(aipp.onnx_declaration(m), {"mode": "dynamic", "maxSrcImageSize": 3110400})
        self.assertFalse(aipp.declare_onnx(m, field))  # idempotent: same bytes
        self.assertTrue(aipp.declare_onnx(m, {**field, "maxSrcImageSize": 5}))
        self.assertEqual(aipp.onnx_declaration(m)["maxSrcImageSize"], 5)
        self.assertTrue(aipp.declare_onnx(m, None))
        self.assertEqual([(p.key, p.value) for p in m.metadata_props], [("author", "x")])
        self.assertIsNone(aipp.onnx_declaration(m))
        with self.assertRaisesRegex(aipp.AippError, "declares only dynamic"):
            aipp.declare_onnx(m, {"mode": "static", "formats": ["RGB"]})

    def test_bad_metadata_is_an_error(self):
        for props, msg in (
            ({"hiai.aipp.mode": "dynamic"}, r"max_src_image_size=None: expected decimal bytes in 1\.\.4294967295"),
            ({"hiai.aipp.mode": "dynamic", "hiai.aipp.max_src_image_size": "3.1e6"}, "expected decimal bytes"),
            ({"hiai.aipp.mode": "dynamic", "hiai.aipp.max_src_image_size": "0"}, "expected decimal bytes"),
            ({"hiai.aipp.mode": "dynamic", "hiai.aipp.max_src_image_size": "4294967296"}, "expected decimal bytes"),
            ({"hiai.aipp.mode": "Dynamic"}, r"hiai.aipp.mode='Dynamic': expected dynamic or static"),
            ({"hiai.aipp.mode": "none"}, r"hiai.aipp.mode='none': expected dynamic or static"),
            ({"hiai.aipp.mode": "static", "hiai.aipp.max_src_image_size": "10"}, "only for hiai.aipp.mode=dynamic"),
            ({"hiai.aipp.max_src_image_size": "10"}, "only for hiai.aipp.mode=dynamic"),
        ):
            m = self.model()
            del m.metadata_props[:]
            for k, v in props.items():
                p = m.metadata_props.add()
                p.key, p.value = k, v
            with self.assertRaisesRegex(aipp.AippError, msg):
                aipp.onnx_declaration(m)
        m = self.model()
        del m.metadata_props[:]
        p = m.metadata_props.add()
        p.key, p.value = "hiai.aipp.mode", "static"
        self.assertIsNone(aipp.onnx_declaration(m))  # static on the host = none (only dynamic is emulated)
        p.key, p.value = "hiai.aipp.max_src_image_size", "4294967295"
        p = m.metadata_props.add()
        p.key, p.value = "hiai.aipp.mode", "dynamic"
        self.assertEqual(aipp.onnx_declaration(m), {"mode": "dynamic", "maxSrcImageSize": 4294967295})


class KitCase(unittest.TestCase):
    """Runs devicekit.py as the user does."""

    def run_kit(self, *args):
        return subprocess.run(
            [sys.executable, os.path.join(TOOLS, "devicekit.py"), *args], capture_output=True, text=True
        )

    def user_kit(self, d, *extra, model=None, out=None):
        """The user kit over `model` (default the demo fp32 model) with `extra` arguments; (result, output folder)."""
        from PIL import Image

        imgs = os.path.join(d, "imgs")
        os.makedirs(imgs, exist_ok=True)
        Image.fromarray(np.full((40, 50, 3), 90, np.uint8)).save(os.path.join(imgs, "0.png"))
        out = out or os.path.join(d, "kit")
        model = model or os.path.join(MODELS_DIR, "shapes_fp32.onnx")
        r = self.run_kit("user", "--model", model, "--images", imgs, "--id", "s", "--count", "1", *extra, "--out", out)
        return r, out


class CliTest(KitCase):
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
            # Folder and file names the guide's tools accept: shapes_int8/, never shapes-int8/.
            self.assertTrue({"shapes_int8", "shapes_fp32"} <= set(os.listdir(d)), os.listdir(d))
            self.assertFalse(any("-" in f for _, dirs, files in os.walk(d) for f in dirs + files))
            k8 = os.path.join(d, "shapes_int8")
            magic, calib = dk.read_calibration_bin(os.path.join(k8, "calibration.bin"))
            want, _ = dataset.tensors(dataset.DEFAULT_SEED, "train", 4, SHAPES_INPUT)
            self.assertEqual(magic, 610)
            np.testing.assert_array_equal(calib, want)
            self.assertFalse(os.path.exists(os.path.join(d, "shapes_fp32", "calibration.bin")))
            fp32_cmd = open(os.path.join(d, "shapes_fp32", "commands.sh")).read()
            self.assertNotIn("dopt_so.py", fp32_cmd)
            self.assertIn("--framework 5", fp32_cmd)
            # The tools read the kit's own copy of the float model.
            src = os.path.join(k8, "shapes_fp32.onnx")
            self.assertEqual(open(src, "rb").read(), open(os.path.join(MODELS_DIR, "shapes_fp32.onnx"), "rb").read())
            # --aipp not given: the om target gets the dynamic AIPP the manifest declares for it.
            e = json.load(open(os.path.join(k8, "manifest_entry.json")))
            declared = mf.model_entry(mf.load_manifest(), "shapes-int8")["targets"]["om"]["aipp"]
            self.assertEqual(declared["mode"], "dynamic")
            self.assertEqual(e["targets"]["om"], {"file": "shapes_int8.om", "aipp": declared})
            self.assertEqual(e["input"], SHAPES_INPUT)  # dynamic AIPP: the engine computes DTC from mean/std
            cfg = parse_cfg(open(os.path.join(k8, "aipp_dynamic.cfg")).read())["aipp_op"]
            self.assertEqual(cfg["input_para"]["max_src_image_size"], str(declared["maxSrcImageSize"]))
            steps = commands_of(os.path.join(k8, "commands.sh"))
            self.assertEqual([s[0] for s in steps], ["./omg", "python3", "./omg", "./omg"])
            check, dopt, omg, dump = (flags(s) for s in steps)
            self.assertEqual(check["--mode"], "3")
            self.assertEqual(check["--model"], src)
            self.assertEqual(check["--check_report"], os.path.join(k8, "check_report.json"))
            self.assertEqual(dopt["--model"], src)
            self.assertEqual(dopt["--cal_conf"], os.path.join(k8, "config.prototxt"))
            self.assertEqual(omg["--insert_op_conf"], os.path.join(k8, "aipp_dynamic.cfg"))
            self.assertEqual(omg["--input_type"], "input:UINT8")
            self.assertEqual(omg["--model"], os.path.join(k8, "shapes_int8_dopt.onnx"))
            self.assertEqual((dump["--mode"], dump["--om"]), ("1", os.path.join(k8, "shapes_int8.om")))
            self.assertEqual(dump["--json"], os.path.join(k8, "shapes_int8.json"))
            # The model check ran: its warnings are passed on (the guide's operator guidance on Flatten).
            self.assertIn("devicekit: warning: op-slow", r.stderr)
            r = self.run_kit("bundled", "--count", "4", "--aipp", "none", "--out", d)
            self.assertEqual(r.returncode, 0, r.stderr)
            e = json.load(open(os.path.join(d, "shapes_fp32", "manifest_entry.json")))
            self.assertEqual(e["targets"]["om"], {"file": "shapes_fp32.om"})
            self.assertIn("--input_type input:FP32", open(os.path.join(d, "shapes_fp32", "commands.sh")).read())

    def test_bundled_batch_profiles_come_from_the_manifest(self):
        self.assertEqual(
            dk._bundled_batches({"targets": {"onnx": {"file": "a.onnx", "batchSizes": [1, 2, 4, 8]}}}), "1;2;4;8"
        )
        self.assertEqual(
            dk._bundled_batches({"targets": {"onnx": {"batchSizes": [1, 2]}, "om": {"batchSizes": [1, 4]}}}), "1;4"
        )
        for targets in ({"onnx": {"file": "a.onnx"}}, {"onnx": {"batchSizes": [1]}}):
            self.assertIsNone(dk._bundled_batches({"targets": targets}))

    def test_out_paths_the_guide_refuses_are_refused_before_anything_is_written(self):
        with tempfile.TemporaryDirectory() as d:
            for sub, bad in (("npulens-device", "-"), ("my kit", " "), ("kit.v2", "."), ("模型", "模")):
                out = os.path.join(d, sub)
                r = self.run_kit("bundled", "--count", "1", "--out", out)
                self.assertEqual(r.returncode, 1, sub)
                self.assertIn(f"--out {out}: {bad!r} in {sub!r}", r.stderr)
                self.assertIn("OMG参数", r.stderr)
                self.assertIn("only letters, digits and underscores in paths", r.stderr)
                self.assertNotIn("Traceback", r.stderr)
                self.assertFalse(os.path.exists(out))
                r, _ = self.user_kit(d, out=os.path.join(out, "kit"))
                self.assertEqual(r.returncode, 1, sub)
                self.assertIn(f"{bad!r} in {sub!r}", r.stderr)
                self.assertFalse(os.path.exists(out))
            self.assertEqual(dk.check_tool_path("/a_b/C9/x.onnx", "m", is_file=True), "/a_b/C9/x.onnx")
            with self.assertRaisesRegex(dk.KitError, r"'\.' in 'x\.y'"):
                dk.check_tool_path("/x.y/m.onnx", "m", is_file=True)  # dots only in the file name

    def test_user_kit_dynamic_and_static_aipp(self):
        with tempfile.TemporaryDirectory() as d:
            r, out = self.user_kit(d, "--precision", "fp32", "--aipp", "dynamic:max=200000:formats=NV21,RGBA")
            self.assertEqual(r.returncode, 0, r.stderr)
            e = json.load(open(os.path.join(out, "manifest_entry.json")))
            self.assertEqual(
                e["targets"]["om"]["aipp"], {"mode": "dynamic", "maxSrcImageSize": 200000, "formats": ["NV21", "RGBA"]}
            )
            self.assertNotIn("input", e["targets"]["om"])
            # The fp32 host twin is the committed model, which declares the bundled dynamic AIPP.
            self.assertEqual(e["targets"]["onnx"]["aipp"], {**mf.AIPP_DYNAMIC})
            cfg = parse_cfg(open(os.path.join(out, "aipp_dynamic.cfg")).read())["aipp_op"]
            self.assertEqual(cfg["input_para"], {"max_src_image_size": "200000"})
            self.assertFalse(os.path.exists(os.path.join(out, "aipp_static.cfg")))
        with tempfile.TemporaryDirectory() as d:
            r, out = self.user_kit(d, "--aipp", "static:NV21:1280x720:crop=center:csc=bt601n", "--center-crop", "0.5")
            self.assertEqual(r.returncode, 0, r.stderr)
            e = json.load(open(os.path.join(out, "manifest_entry.json")))
            self.assertEqual(e["targets"]["om"]["aipp"], {"mode": "static", "formats": ["NV21"]})
            self.assertEqual(e["targets"]["om"]["input"]["dtype"], "uint8")  # DTC on the NPU: raw bytes in
            cfg = parse_cfg(open(os.path.join(out, "aipp_static.cfg")).read())["aipp_op"]
            self.assertEqual(cfg["crop_func"]["crop_size_w"], "360")
            self.assertEqual(cfg["crop_func"]["load_start_pos_w"], "460")
            self.assertEqual(cfg["csc_func"]["matrix_r0c0"], "298")  # BT.601 narrow: 255/219 x 256
            self.assertIn("aipp_static.cfg --input_type input:UINT8", open(os.path.join(out, "commands.sh")).read())

    def test_bad_aipp_is_a_one_line_error_before_any_image_is_read(self):
        for arg, msg in (
            ("dynamic:max=10", "max_src_image_size 10 is below one 96x96 NV21 image"),
            ("static:NV21:99x99", "99x99 NV21: YUV420SP width and height must be even"),
            ("static:NV21:640x480:crop=95x95+0+0", "offsets and sizes must be even"),
            ("rotate:90", "use none, rgb, dynamic"),
        ):
            with tempfile.TemporaryDirectory() as d:
                r, _ = self.user_kit(d, "--images", os.path.join(d, "empty"), "--aipp", arg)
                self.assertEqual(r.returncode, 1, arg)
                self.assertTrue(r.stderr.startswith("error: "), r.stderr)
                self.assertIn(msg, r.stderr)
                self.assertNotIn("Traceback", r.stderr)
        with tempfile.TemporaryDirectory() as d:
            r = self.run_kit("bundled", "--aipp", "dynamic:max=-5", "--out", d)
            self.assertEqual(r.returncode, 1)
            self.assertIn("max_src_image_size -5 must be an integer > 0", r.stderr)

    def test_declare_writes_only_the_metadata(self):
        import onnx

        src = os.path.join(MODELS_DIR, "shapes_int8.onnx")
        with tempfile.TemporaryDirectory() as d:
            bare = os.path.join(d, "bare.onnx")
            r = self.run_kit("declare", "--model", src, "--aipp", "none", "--output", bare)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIsNone(aipp.onnx_declaration(onnx.load(bare)))
            r = self.run_kit("declare", "--model", bare, "--aipp", "dynamic:max=400000")
            self.assertEqual(r.returncode, 0, r.stderr)
            m = onnx.load(bare)
            self.assertEqual(aipp.onnx_declaration(m), {"mode": "dynamic", "maxSrcImageSize": 400000})
            del m.metadata_props[:]
            ref = onnx.load(src)
            del ref.metadata_props[:]
            self.assertEqual(m.SerializeToString(), ref.SerializeToString())  # nothing else changed
            for arg, msg in (
                ("static:RGB:96x96", "a host model declares dynamic AIPP"),
                ("dynamic:formats=NV21", "a host model declares dynamic AIPP"),
                ("dynamic:max=1", "max_src_image_size 1 is below"),
            ):
                r = self.run_kit("declare", "--model", bare, "--aipp", arg)
                self.assertEqual(r.returncode, 1, arg)
                self.assertIn(msg, r.stderr)
                self.assertNotIn("Traceback", r.stderr)
            self.assertEqual(aipp.onnx_declaration(onnx.load(bare))["maxSrcImageSize"], 400000)

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
            self.assertIn("exclude no_such_weight: no weight or node of that name", r.stderr)


def tiny_model(path, mid_op=None, opset=13):
    """A 1x3x8x8 -> 10 classifier (Conv conv1 + Relu relu1 [+ mid_op] + GlobalAveragePool + Flatten + Gemm fc)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(5)
    inits = [
        numpy_helper.from_array(rng.standard_normal((16, 3, 3, 3)).astype(np.float32), "conv1.weight"),
        numpy_helper.from_array(np.zeros(16, np.float32), "conv1.bias"),
        numpy_helper.from_array(rng.standard_normal((10, 16)).astype(np.float32), "fc.weight"),
        numpy_helper.from_array(np.zeros(10, np.float32), "fc.bias"),
    ]
    nodes = [
        helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], ["c1"], "conv1", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], "relu1"),
    ]
    last = "r1"
    if mid_op:
        nodes.append(helper.make_node(mid_op, ["r1"], ["m1"], "mid"))
        last = "m1"
    nodes += [
        helper.make_node("GlobalAveragePool", [last], ["g"], "gap"),
        helper.make_node("Flatten", ["g"], ["f"], "flatten"),
        helper.make_node("Gemm", ["f", "fc.weight", "fc.bias"], ["logits"], "fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 8, 8])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 7
    onnx.save(model, path)
    return path


class KitRulesTest(KitCase):
    """What the kit takes from the guide: types, dynamic shapes, exclude_op, the model check, the calibration mode."""

    def entry(self, out):
        with open(os.path.join(out, "manifest_entry.json")) as f:
            return json.load(f)

    def omg(self, out):
        return [flags(c) for c in commands_of(os.path.join(out, "commands.sh")) if c[0] == "./omg"]

    def assert_kit_refuses(self, *cases):
        """Each (extra arguments, stderr regex): the user kit exits 1 with that message and writes no output folder."""
        for extra, msg in cases:
            with tempfile.TemporaryDirectory() as d:
                r, out = self.user_kit(d, *extra)
                self.assertEqual(r.returncode, 1, extra)
                self.assertRegex(r.stderr, msg)
                self.assertNotIn("Traceback", r.stderr)
                self.assertFalse(os.path.exists(out), extra)

    def test_input_and_output_types_follow_the_guides_tables(self):
        with tempfile.TemporaryDirectory() as d:
            r, out = self.user_kit(d, "--precision", "fp32", "--input-type", "fp16", "--output-type", "fp16")
            self.assertEqual(r.returncode, 0, r.stderr)
            _, omg, _ = self.omg(out)
            self.assertEqual((omg["--input_type"], omg["--output_type"]), ("input:FP16", "logits:FP16"))
            om = self.entry(out)["targets"]["om"]
            self.assertEqual((om["input"], om["output"]), ({"dtype": "float16"}, {"dtype": "float16"}))
        self.assert_kit_refuses(
            # FP32 model input -> UINT8 without AIPP: not in 非AIPP场景设定输入类型支持情况 (FP32 -> FP32/FP16 only).
            (("--input-type", "uint8"), r"--input-type UINT8 for input \(FP32 in the model\): .*非AIPP场景.* FP16, FP32"),
            # With AIPP the .om input is UINT8 (AIPP场景设定输入类型支持情况).
            (("--aipp", "rgb", "--input-type", "fp16"), r"FP32 in the model, with AIPP\): .*AIPP场景.* only UINT8"),
            (("--output-type", "int32"), r"--output-type INT32 for logits .*设定输出类型支持情况.* FP16, FP32, UINT8"),
            (("--output-type", "uint8"), r"--output-type uint8 needs the int8 QDQ model"),
        )
        with self.assertRaisesRegex(dk.KitError, "INT32 .* allows only INT32"):
            dk.omg_type("input", "x", "INT32", "INT8")
        self.assertEqual(dk.omg_type("input", "x", "INT8"), "INT8")  # default: the model's type
        self.assertEqual(dk.omg_type("input-aipp", "x", "FP16"), "UINT8")

    def test_weight_data_type_fp32_when_asked_or_when_operators_may_run_on_the_cpu(self):
        with tempfile.TemporaryDirectory() as d:
            r, out = self.user_kit(d, "--weight-data-type", "fp32", "--precision", "fp32")
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(self.omg(out)[1]["--weight_data_type"], "FP32")
        with tempfile.TemporaryDirectory() as d:
            r, out = self.user_kit(d, "--precision", "fp32")
            self.assertNotIn("--weight_data_type", self.omg(out)[1])  # omg's default (FP16): all ops in the guide
            # Erf is not in the guide's operator guidance: it may run on the CPU, which needs FP32 weights.
            r, out = self.user_kit(d, model=tiny_model(os.path.join(d, "erf.onnx"), "Erf"))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(self.omg(out)[1]["--weight_data_type"], "FP32")
            self.assertIn("--weight_data_type FP32: operators the guide does not name may run on the CPU", r.stderr)
            r, out = self.user_kit(d, "--weight-data-type", "fp16", model=os.path.join(d, "erf.onnx"))
            self.assertEqual(self.omg(out)[1]["--weight_data_type"], "FP16")  # asked for: kept

    def test_dynamic_batch_profiles(self):
        with tempfile.TemporaryDirectory() as d:
            for extra in (
                ("--dynamic-dims", "1;2;4;8"),
                ("--dynamic-dims", "8;4;2;1", "--input-shape", "input:-1,3,96,96"),
            ):
                r, out = self.user_kit(d, "--aipp", "none", *extra)
                self.assertEqual(r.returncode, 0, r.stderr)
                check, dopt, omg, _ = (flags(c) for c in commands_of(os.path.join(out, "commands.sh")))
                for f in (check, omg):
                    self.assertEqual(f["--input_shape"], "input:-1,3,96,96")
                    self.assertEqual(f["--dynamic_dims"], extra[1])
                self.assertEqual(dopt["--input_shape"], "input:1,3,96,96")  # dopt takes fixed dims
                self.assertNotIn("--dynamic_dims", dopt)
                self.assertEqual(self.entry(out)["targets"]["om"]["batchSizes"], [1, 2, 4, 8])
            # Without profiles: batch 1, no batchSizes (the manifest's default [1]).
            r, out = self.user_kit(d)
            self.assertNotIn("batchSizes", self.entry(out)["targets"]["om"])
            self.assertNotIn("--dynamic_dims", self.omg(out)[1])
            # A symbolic batch (an exporter's dynamic axis): batch 1 without profiles, -1 with them.
            import onnx

            m = onnx.load(tiny_model(os.path.join(d, "sym.onnx")))
            for v in (m.graph.input[0], m.graph.output[0]):
                v.type.tensor_type.shape.dim[0].dim_param = "N"
            onnx.save(m, os.path.join(d, "sym.onnx"))
            r, out = self.user_kit(d, model=os.path.join(d, "sym.onnx"), out=os.path.join(d, "k1"))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(self.omg(out)[1]["--input_shape"], "input:1,3,8,8")
            self.assertEqual(self.entry(out)["output"]["classes"], 10)
            r, out = self.user_kit(
                d, "--dynamic-dims", "2;4", model=os.path.join(d, "sym.onnx"), out=os.path.join(d, "k2")
            )
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(self.omg(out)[1]["--input_shape"], "input:-1,3,8,8")
            self.assertEqual(self.entry(out)["targets"]["om"]["batchSizes"], [2, 4])
            # Profiles the model declares (metadata hiai.dynamic_dims, what the host runtime runs) are converted.
            p = m.metadata_props.add()
            p.key, p.value = "hiai.dynamic_dims", "1;2;4"
            onnx.save(m, os.path.join(d, "sym.onnx"))
            r, out = self.user_kit(d, model=os.path.join(d, "sym.onnx"), out=os.path.join(d, "k3"))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("--dynamic-dims 1;2;4 (the model's metadata hiai.dynamic_dims)", r.stderr)
            self.assertEqual(self.omg(out)[1]["--dynamic_dims"], "1;2;4")
            self.assertEqual(self.entry(out)["targets"]["om"]["batchSizes"], [1, 2, 4])

    def test_dynamic_image_sizes_are_converted_but_get_no_manifest_entry(self):
        with tempfile.TemporaryDirectory() as d:
            r, out = self.user_kit(d, "--dynamic-dims", "96,96;128,128")
            self.assertEqual(r.returncode, 0, r.stderr)
            _, _, omg, _ = (flags(c) for c in commands_of(os.path.join(out, "commands.sh")))
            self.assertEqual((omg["--input_shape"], omg["--dynamic_dims"]), ("input:1,3,-1,-1", "96,96;128,128"))
            self.assertFalse(os.path.exists(os.path.join(out, "manifest_entry.json")))
            self.assertIn("no manifest_entry.json: NpuLens' engine does not run image-size profiles", r.stderr)

    def test_bad_dynamic_shapes_are_refused_with_the_rule(self):
        seventeen = ";".join(str(i) for i in range(1, 18))
        self.assert_kit_refuses(
            (("--input-shape=-1,3,96,96",), r"-1 needs --dynamic-dims .*OMG参数"),
            (("--dynamic-dims", seventeen), r"17 profiles; the guide's \"OMG参数\" \(--dynamic_dims\) allows at most 16"),
            (("--dynamic-dims", "1;2;2"), "listed twice"),
            (("--dynamic-dims", "1;2,3"), "every profile needs 1 value"),
            (("--dynamic-dims", "1;x"), "not a list of integers"),
            (("--dynamic-dims", "1;0"), "positive integers"),
            (("--dynamic-dims", "1;65"), r"batch sizes go up to 64"),
            (("--dynamic-dims", "1;2", "--input-shape", "1,3,-1,-1"), r"-1 must be at the batch \(dim 0\)"),
            (("--dynamic-dims", "1;2", "--input-shape=-1,3,64,64"), "dim 2 is 64, the model takes 96"),
            (("--dynamic-dims", "1;2", "--input-shape", "data:-1,3,96,96"), "the model's input is input, not data"),
            (("--input-shape", "2,3,96,96"), "batches other than 1 are --dynamic-dims profiles"),
            (("--dynamic-dims", "1;2", "--aipp", "dynamic"), r"--dynamic-dims with --aipp dynamic: .*Batch sizes"),
        )

    def test_exclude_op_takes_weight_names(self):
        with tempfile.TemporaryDirectory() as d:
            model = tiny_model(os.path.join(d, "tiny.onnx"))
            names = os.path.join(d, "exclude.txt")
            with open(names, "w") as f:
                f.write("# layerdiff sensitivity suggestion\nconv1   # a node name\n\nfc.weight\n")
            r, out = self.user_kit(d, "--exclude-file", names, "--exclude", "conv1.weight;fc", model=model)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(out, "config.prototxt")) as f:
                ex = [ln for ln in f.read().splitlines() if ln.startswith("exclude_op")]
            # Node names became their weights' names, each once (the guide: ONNX的exclude_op应该为weight name).
            self.assertEqual(ex, ['exclude_op: "conv1.weight"', 'exclude_op: "fc.weight"'])
            self.assertIn("exclude_op conv1.weight (the weight of node conv1", r.stderr)
            with open(names, "a") as f:
                f.write("relu1\n")
            for extra, msg in (
                (("--exclude-file", names), r"exclude relu1 \(.*exclude.txt:5\): a Relu node has no weight"),
                (("--exclude", "conv1.bias"), "exclude conv1.bias: an initializer that is no Conv/ConvTranspose/Gemm"),
                (("--exclude", "nothing"), "exclude nothing: no weight or node of that name"),
                (("--exclude", "fc", "--precision", "fp32"), "only matter for an int8 .om"),
            ):
                r, out = self.user_kit(d, *extra, model=model, out=os.path.join(d, "k2"))
                self.assertEqual(r.returncode, 1, extra)
                self.assertRegex(r.stderr, msg)
                self.assertFalse(os.path.exists(out))

    def test_the_sensitivity_suggestion_for_badlayers_model_reaches_dopt_as_its_weight(self):
        import badlayer

        with tempfile.TemporaryDirectory() as d:
            info = badlayer.build(os.path.join(d, "bad.onnx"))
            names = os.path.join(d, "exclude.txt")
            with open(names, "w") as f:  # what layerdiff.py sensitivity --exclude-out writes: node names
                f.write(f"# layerdiff sensitivity: bad.onnx\n{info['node']}\n")
            r, out = self.user_kit(d, "--exclude-file", names, model=os.path.join(d, "bad.onnx"))
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(out, "config.prototxt")) as f:
                self.assertEqual(
                    [ln for ln in f.read().splitlines() if ln.startswith("exclude_op")],
                    [f'exclude_op: "{info["weight"]}"'],
                )

    def test_a_model_that_fails_the_check_stops_the_kit(self):
        with tempfile.TemporaryDirectory() as d:
            r, out = self.user_kit(d, model=tiny_model(os.path.join(d, "old.onnx"), opset=6))
            self.assertEqual(r.returncode, 1)
            self.assertRegex(r.stderr, r"fails the model check \(modelcheck.py\): opset .*模型转换示例")
            self.assertNotIn("Traceback", r.stderr)
            self.assertFalse(os.path.exists(out))
            # The source's own path breaking the guide's rule is no error: the tools get the kit's copy.
            os.makedirs(os.path.join(d, "my-models"))
            model = tiny_model(os.path.join(d, "my-models", "tiny-v2.onnx"))
            r, out = self.user_kit(d, model=model)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(self.omg(out)[0]["--model"], os.path.join(out, "s_src.onnx"))
            self.assertTrue(os.path.exists(os.path.join(out, "s_src.onnx")))

    def test_image_calibration_reads_the_folder_with_one_standard_deviation(self):
        with tempfile.TemporaryDirectory() as d:
            r, out = self.user_kit(
                d, "--calibration", "image", "--mean", "127.5,127.5,127.5", "--std", "127.5,127.5,127.5"
            )
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(os.path.join(out, "config.prototxt")) as f:
                text = f.read()
            self.assertIn("input_type: IMAGE", text)
            self.assertIn(f'input_file_path: "{os.path.join(d, "imgs")}/"', text)
            self.assertEqual(text.count("standard_deviation: 127.5"), 1)
            self.assertFalse(os.path.exists(os.path.join(out, "calibration.bin")))
            r, out = self.user_kit(
                d, "--calibration", "image", "--std", "58.395,57.12,57.375", out=os.path.join(d, "k2")
            )
            self.assertEqual(r.returncode, 1)
            self.assertIn("IMAGE calibration takes one standard_deviation", r.stderr)
            self.assertFalse(os.path.exists(out))


if __name__ == "__main__":
    unittest.main()
