"""AIPP (the NPU's AI pre-processing unit) for the conversion kit: the insert_op_conf files omg takes, the
manifest's "aipp" declaration (docs/manifest.md) and the ONNX metadata that declares dynamic AIPP on a host twin.

The rules come from the CANN Kit guide, section "模型转换AIPP配置文件说明" (the AIPP configuration file of model
conversion; docs/device-conversion.md quotes them):
  * input_para: format, shape.src_image_size_w/h in [0, 4096] (even for YUV formats other than YUV400), and, for
    dynamic AIPP, max_src_image_size (uint32, bytes) with the shape and format left out;
  * "AIPP配置区分动态AIPP与静态AIPP": any sub-function with `dynamic: true` makes the model dynamic (parameters
    per inference), otherwise the configured values are fixed in the .om;
  * 图片裁剪 (crop): load_start_pos + crop_size inside the source; dynamic: crop_size is the pre-allocated maximum;
  * 通道交换 (swaps): AX only for ARGB8888/XRGB8888/AYUV444, UV only for YUV420SP/YUV422SP/YUYV/AYUV444, RB only
    for ARGB8888/XRGB8888/RGB888;
  * 色域转换 (CSC): YUV420SP/YUYV/YUV422SP/AYUV444 to RGB888/BGR888; static: a 3x3 matrix scaled by 256 with
    input/output biases (the guide's example is JPEG YUV -> BGR), dynamic: output_format + color_space;
  * 图片缩放 (resize): bilinear, output from 16x16 to 448x448;
  * 数据类型转换 (DTC): out = (x - mean_chn - min_chn) * var_reci_chn, produced as FP16;
  * 图片旋转 (rotation): static single-operator models only, not with dynamic AIPP, so the kit does not offer it.
"""
from dataclasses import dataclass

import numpy as np

SIDE_MAX = 4096  # input_para.shape: src_image_size_w/h range [0, 4096]
RESIZE_MIN, RESIZE_MAX = 16, 448  # 图片缩放: output 16x16 .. 448x448
FP16_MAX = 65504.0  # DTC produces FP16
# The largest image the guide's limits allow: 4096 x 4096 in a 4-byte format (XRGB8888/ARGB8888/AYUV444). A larger
# max_src_image_size could never be used.
MAX_SRC_LIMIT = SIDE_MAX * SIDE_MAX * 4
UINT32_MAX = 2**32 - 1  # max_src_image_size's type
# The bundled models' dynamic AIPP limit: the largest source the app hands over is a 1920x1080 NV21 camera frame,
# 1920 * 1080 * 3 / 2 = 3,110,400 bytes (YUV420SP: a full-size Y plane and a half-size interleaved VU plane). A
# 4032x3024 photo is decoded at the model's decode size first: at most 342x256 RGBA (350,208 bytes) for the 224x224
# models with centerCrop 0.875, 128x96 RGBA (49,152 bytes) for the 96x96 demo models.
DEFAULT_MAX_SRC_IMAGE_SIZE = 1920 * 1080 * 3 // 2

# ONNX metadata_props that declare dynamic AIPP on a host model (what a dynamic-AIPP .om is on the phone).
META_MODE = "hiai.aipp.mode"
META_MAX_SRC = "hiai.aipp.max_src_image_size"


class AippError(ValueError):
    pass


@dataclass(frozen=True)
class SourceFormat:
    """A source image format of the manifest's "aipp".formats and how AIPP takes it."""

    guide: str  # input_para.format
    yuv: bool  # YUV420SP: needs CSC, even sides
    uv_swap: bool  # NV21: V before U, the UV swap makes it YUV420SP's U,V order
    ax_swap: bool  # alpha last (RGBA/BGRA): XRGB8888 with the AX swap
    bgr: bool  # B first (BGRA/BGR): the RB swap when the model wants RGB

    def image_bytes(self, w, h):
        """Bytes of a w x h image, as HMS_HiAITensor_GetSizeWithImageFormat sizes it."""
        if self.yuv:
            return w * h * 3 // 2
        return w * h * (4 if self.guide == "XRGB8888_U8" else 3)


FORMATS = {
    "NV21": SourceFormat("YUV420SP_U8", yuv=True, uv_swap=True, ax_swap=False, bgr=False),
    "NV12": SourceFormat("YUV420SP_U8", yuv=True, uv_swap=False, ax_swap=False, bgr=False),
    "RGBA": SourceFormat("XRGB8888_U8", yuv=False, uv_swap=False, ax_swap=True, bgr=False),
    "BGRA": SourceFormat("XRGB8888_U8", yuv=False, uv_swap=False, ax_swap=True, bgr=True),
    "RGB": SourceFormat("RGB888_U8", yuv=False, uv_swap=False, ax_swap=False, bgr=False),
    "BGR": SourceFormat("RGB888_U8", yuv=False, uv_swap=False, ax_swap=False, bgr=True),
}
ALL_FORMATS = list(FORMATS)

# 通道交换: which input formats each swap accepts.
AX_SWAP_FORMATS = {"ARGB8888_U8", "XRGB8888_U8", "AYUV444_U8"}
UV_SWAP_FORMATS = {"YUV420SP_U8", "YUV422SP_U8", "YUYV_U8", "AYUV444_U8"}
RB_SWAP_FORMATS = {"ARGB8888_U8", "XRGB8888_U8", "RGB888_U8"}

# Colour spaces of the CSC (HiAI_ImageColorSpace): (Kr, Kb, narrow range). JPEG is full-range BT.601, the camera's.
COLOR_SPACES = {
    "jpeg": (0.299, 0.114, False),
    "bt601n": (0.299, 0.114, True),
    "bt601f": (0.299, 0.114, False),
    "bt709n": (0.2126, 0.0722, True),
}


def swaps(fmt, color_order):
    """(rbuv_swap_switch, ax_swap_switch) for a source format and the model's channel order. YUV: the UV swap for
    NV21 (BGR output comes from the CSC matrix); RGB formats: the RB swap when the source's order differs from the
    model's. Checked against the guide's swap rules."""
    f = FORMATS[fmt]
    rbuv = f.uv_swap if f.yuv else f.bgr != (color_order == "BGR")
    if f.ax_swap and f.guide not in AX_SWAP_FORMATS:
        raise AippError(f"{fmt}: the AX swap takes only {sorted(AX_SWAP_FORMATS)}, not {f.guide}")
    if rbuv and f.guide not in (UV_SWAP_FORMATS if f.yuv else RB_SWAP_FORMATS):
        raise AippError(f"{fmt}: the {'UV' if f.yuv else 'RB'} swap does not take {f.guide}")
    return rbuv, f.ax_swap


def csc_matrix(space="jpeg", color_order="RGB"):
    """YUV -> RGB (or BGR) as the static csc_func takes it: (3x3 int matrix, scaled by 256, columns Y, U, V;
    input_bias; output_bias). From Y' = Y - bias, U' = U - 128, V' = V - 128:
    R = Y' + 2(1-Kr) V', G = Y' - 2Kb(1-Kb)/Kg U' - 2Kr(1-Kr)/Kg V', B = Y' + 2(1-Kb) U', with narrow range scaling Y
    by 255/219 and U, V by 255/224. JPEG to BGR gives exactly the matrix of the guide's static csc_func example."""
    if space not in COLOR_SPACES:
        raise AippError(f"colour space {space!r}: use one of {', '.join(COLOR_SPACES)}")
    kr, kb, narrow = COLOR_SPACES[space]
    kg = 1.0 - kr - kb
    ys, cs = (255.0 / 219.0, 255.0 / 224.0) if narrow else (1.0, 1.0)
    r = [ys, 0.0, 2 * (1 - kr) * cs]
    g = [ys, -2 * kb * (1 - kb) / kg * cs, -2 * kr * (1 - kr) / kg * cs]
    b = [ys, 2 * (1 - kb) * cs, 0.0]
    rows = [b, g, r] if color_order == "BGR" else [r, g, b]
    m = [[int(np.round(256 * v)) for v in row] for row in rows]
    return m, [16 if narrow else 0, 128, 128], [0, 0, 0]


def dtc(spec):
    """mean_chn (integer part, 0..255), min_chn (the rest) and var_reci_chn = 1/std per channel, so that
    (x - mean_chn - min_chn) * var_reci_chn = (x - mean) / std. The FP16 output must hold every pixel's value."""
    means, mins, recis = [], [], []
    for c, (m, s) in enumerate(zip(spec["mean"], spec["std"])):
        if not s > 0:
            raise AippError(f"input.std[{c}] = {s} must be > 0")
        worst = max(abs(0.0 - m), abs(255.0 - m)) / s
        if worst > FP16_MAX:
            raise AippError(
                f"input mean[{c}] {m} / std[{c}] {s}: pixel values map up to {worst:.6g}, beyond FP16's {FP16_MAX:g} "
                "(DTC produces FP16)"
            )
        mean_chn = int(min(max(np.floor(m), 0), 255))
        means.append(mean_chn)
        mins.append(round(m - mean_chn, 6))
        recis.append(round(1.0 / s, 9))
    return means, mins, recis


def _size(text, what):
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise AippError(f"{what} {text!r}: expected WxH") from None
    return w, h


def check_resize_output(w, h, what="model input"):
    if not (RESIZE_MIN <= w <= RESIZE_MAX and RESIZE_MIN <= h <= RESIZE_MAX):
        raise AippError(
            f"{what} {w}x{h}: AIPP resize outputs {RESIZE_MIN}x{RESIZE_MIN} to {RESIZE_MAX}x{RESIZE_MAX} "
            "(guide: 图片缩放)"
        )


def check_max_src(n, formats, width, height):
    """max_src_image_size: > 0, at most MAX_SRC_LIMIT, and at least one model-sized image of every declared
    format (else that format could never be used)."""
    if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
        raise AippError(f"max_src_image_size {n!r} must be an integer > 0 (bytes)")
    if n > MAX_SRC_LIMIT:
        raise AippError(
            f"max_src_image_size {n} exceeds {MAX_SRC_LIMIT}, the largest image AIPP takes "
            f"({SIDE_MAX}x{SIDE_MAX} in a 4-byte format; guide: input_para.shape range [0, {SIDE_MAX}])"
        )
    for f in formats:
        need = FORMATS[f].image_bytes(width, height)
        if need > n:
            raise AippError(
                f"max_src_image_size {n} is below one {width}x{height} {f} image ({need} bytes), the smallest "
                "source that format needs"
            )


def check_formats(formats):
    if not formats:
        raise AippError("formats: at least one source format")
    for f in formats:
        if f not in FORMATS:
            raise AippError(f"format {f!r}: use one of {', '.join(ALL_FORMATS)}")
    if len(set(formats)) != len(formats):
        raise AippError(f"formats {','.join(formats)}: listed twice")


def _crop(text, src_w, src_h, center_crop, yuv):
    if text == "center":
        if center_crop >= 1.0:
            return None  # the whole image, stretched to the model's aspect
        # The centred square of centerCrop x the shorter side (docs/models.md), rounded down to even for YUV420SP.
        even = (lambda v: v - v % 2) if yuv else (lambda v: v)
        side = even(int(np.floor(center_crop * min(src_w, src_h))))
        return [even((src_w - side) // 2), even((src_h - side) // 2), side, side]
    try:
        size, x, y = text.split("+")
        w, h = _size(size, "crop")
        return [int(x), int(y), w, h]
    except ValueError:
        raise AippError(f"crop {text!r}: expected center or WxH+X+Y") from None


def parse(text, spec):
    """The --aipp argument for a model whose input is `spec` (manifest input fields). Returns None for none, else a
    plan: {"mode": "static"|"dynamic", ...}. Forms:
      none | rgb (static RGB888 at the model size)
      dynamic[:max=<bytes>][:formats=NV21,NV12,RGBA,BGRA,RGB,BGR]
      static:<format>:<W>x<H>[:crop=center|WxH+X+Y][:csc=jpeg|bt601n|bt601f|bt709n]"""
    w, h = int(spec["width"]), int(spec["height"])
    parts = text.split(":")
    kind, opts = parts[0], parts[1:]
    if kind == "none" and not opts:
        return None
    if kind == "rgb" and not opts:
        return validate({"mode": "static", "format": "RGB", "src": [w, h], "crop": None, "csc": None}, spec)
    if kind == "dynamic":
        plan = {"mode": "dynamic", "maxSrcImageSize": DEFAULT_MAX_SRC_IMAGE_SIZE, "formats": list(ALL_FORMATS)}
        for o in opts:
            key, _, val = o.partition("=")
            if key == "max":
                try:
                    plan["maxSrcImageSize"] = int(val)
                except ValueError:
                    raise AippError(f"--aipp dynamic: max={val!r} is not a byte count") from None
            elif key == "formats":
                plan["formats"] = [f.strip().upper() for f in val.split(",")]
            else:
                raise AippError(f"--aipp dynamic: unknown option {o!r} (max=<bytes>, formats=<list>)")
        return validate(plan, spec)
    if kind == "static" and len(opts) >= 2:
        fmt = opts[0].upper()
        if fmt not in FORMATS:
            raise AippError(f"--aipp static: format {opts[0]!r}: use one of {', '.join(ALL_FORMATS)}")
        sw, sh = _size(opts[1], "--aipp static: source size")
        plan = {
            "mode": "static",
            "format": fmt,
            "src": [sw, sh],
            "crop": None,
            "csc": "jpeg" if FORMATS[fmt].yuv else None,
        }
        for o in opts[2:]:
            key, _, val = o.partition("=")
            if key == "crop":
                plan["crop"] = _crop(val, sw, sh, float(spec.get("centerCrop", 1.0)), FORMATS[fmt].yuv)
            elif key == "csc":
                if not FORMATS[fmt].yuv:
                    raise AippError(f"--aipp static: csc= needs a YUV source (NV21, NV12), not {fmt} (guide: 色域转换)")
                plan["csc"] = val.lower()
            else:
                raise AippError(f"--aipp static: unknown option {o!r} (crop=..., csc=...)")
        return validate(plan, spec)
    raise AippError(
        f"--aipp {text!r}: use none, rgb, dynamic[:max=<bytes>][:formats=<list>] or "
        "static:<format>:<W>x<H>[:crop=center|WxH+X+Y][:csc=<colour space>]"
    )


def validate(plan, spec):
    """Checks a plan against the guide's limits; returns it with the derived steps (crop, resize, swaps, DTC)."""
    w, h = int(spec["width"]), int(spec["height"])
    order = spec.get("colorOrder", "RGB")
    dtc(spec)  # the FP16 range of the DTC output
    if plan["mode"] == "dynamic":
        check_formats(plan["formats"])
        check_max_src(plan["maxSrcImageSize"], plan["formats"], w, h)
        check_resize_output(w, h, "model input (the dynamic resize's output)")
        return plan
    fmt = FORMATS[plan["format"]]
    sw, sh = plan["src"]
    if not (1 <= sw <= SIDE_MAX and 1 <= sh <= SIDE_MAX):
        raise AippError(f"source {sw}x{sh}: src_image_size_w/h must be in 1..{SIDE_MAX} (guide: input_para.shape)")
    if fmt.yuv and (sw % 2 or sh % 2):
        raise AippError(
            f"source {sw}x{sh} {plan['format']}: YUV420SP width and height must be even (guide: input_para.shape)"
        )
    crop = plan["crop"]
    if crop is not None:
        x, y, cw, ch = crop
        if cw < 1 or ch < 1 or x < 0 or y < 0 or x + cw > sw or y + ch > sh:
            raise AippError(f"crop {cw}x{ch}+{x}+{y} is not inside the {sw}x{sh} source (guide: 图片裁剪)")
        if fmt.yuv and any(v % 2 for v in crop):
            raise AippError(
                f"crop {cw}x{ch}+{x}+{y} of a YUV420SP source: offsets and sizes must be even (one U,V pair per 2x2 "
                "pixels; the cropped image is a YUV420SP image, whose sides the guide requires even)"
            )
        if (x, y, cw, ch) == (0, 0, sw, sh):
            crop = plan["crop"] = None
    out_w, out_h = (crop[2], crop[3]) if crop else (sw, sh)
    plan["resize"] = None if (out_w, out_h) == (w, h) else [w, h]
    if plan["resize"]:
        check_resize_output(w, h, f"model input (resize from {out_w}x{out_h})")
    if fmt.yuv:
        csc_matrix(plan["csc"], order)
    plan["swap"] = swaps(plan["format"], order)
    return plan


def manifest_field(plan):
    """The manifest's "aipp" for a target converted with `plan` (docs/manifest.md); None for no AIPP."""
    if plan is None:
        return None
    if plan["mode"] == "dynamic":
        return {"mode": "dynamic", "maxSrcImageSize": plan["maxSrcImageSize"], "formats": list(plan["formats"])}
    return {"mode": "static", "formats": [plan["format"]]}


def plan_from_manifest(field, spec):
    """The plan that produces a target declaring `field` (the bundled kit follows the manifest)."""
    if not field or field.get("mode", "none") == "none":
        return None
    if field["mode"] != "dynamic":
        raise AippError(f"aipp.mode {field['mode']!r}: the bundled kit makes only dynamic AIPP from a manifest entry")
    return validate(
        {"mode": "dynamic", "maxSrcImageSize": field["maxSrcImageSize"], "formats": list(field["formats"])}, spec
    )


def _lines(block, items, indent=1):
    pad = "    " * indent
    out = [f"{pad}{block} {{"]
    for k, v in items:
        out.append(f"{pad}    {k}: {v}")
    return out + [f"{pad}}}"]


def _fmt(v):
    return repr(float(v))


def _dtc_lines(spec):
    means, mins, recis = dtc(spec)
    items = [("switch", "true")]
    items += [(f"mean_chn_{c}", m) for c, m in enumerate(means)]
    items += [(f"min_chn_{c}", _fmt(m)) for c, m in enumerate(mins)]
    items += [(f"var_reci_chn_{c}", _fmt(r)) for c, r in enumerate(recis)]
    return _lines("dtc_func", items)


def config(plan, spec, input_name="input"):
    """The insert_op_conf text for `plan` (one aipp_op for the model's only input: input_name and
    related_input_rank 0, which the guide has cross-check each other)."""
    w, h = int(spec["width"]), int(spec["height"])
    order = spec.get("colorOrder", "RGB")
    lines = ["aipp_op {", f'    input_name: "{input_name}"', "    related_input_rank: 0"]
    if plan["mode"] == "dynamic":
        # Source size and format left out: they come with every inference, up to max_src_image_size.
        lines += ["    input_para {", f"        max_src_image_size: {plan['maxSrcImageSize']}", "    }"]
        # A crop never exceeds its source, whose sides the guide caps at SIDE_MAX: that is the pre-allocated maximum.
        lines += _lines(
            "crop_func",
            [
                ("switch", "true"),
                ("dynamic", "true"),
                ("load_start_pos_w", 0),
                ("load_start_pos_h", 0),
                ("crop_size_w", SIDE_MAX),
                ("crop_size_h", SIDE_MAX),
            ],
        )
        lines += _lines("swap_func", [("dynamic", "true")])
        out = "BGR888_U8" if order == "BGR" else "RGB888_U8"
        lines += _lines(
            "csc_func", [("switch", "true"), ("dynamic", "true"), ("output_format", out), ("color_space", "JPEG")]
        )
        lines += _lines(
            "resize_func", [("switch", "true"), ("dynamic", "true"), ("resize_output_w", w), ("resize_output_h", h)]
        )
        lines += _lines("dtc_func", [("switch", "true"), ("dynamic", "true")])
        return "\n".join(lines + ["}"]) + "\n"
    fmt = FORMATS[plan["format"]]
    sw, sh = plan["src"]
    lines += [
        "    input_para {",
        f"        format: {fmt.guide}",
        "        shape {",
        f"            src_image_size_w: {sw}",
        f"            src_image_size_h: {sh}",
        "        }",
        "    }",
    ]
    if plan["crop"]:
        x, y, cw, ch = plan["crop"]
        lines += _lines(
            "crop_func",
            [
                ("switch", "true"),
                ("load_start_pos_w", x),
                ("load_start_pos_h", y),
                ("crop_size_w", cw),
                ("crop_size_h", ch),
            ],
        )
    rbuv, ax = plan["swap"]
    if rbuv or ax:
        lines += _lines(
            "swap_func",
            [("rbuv_swap_switch", "true" if rbuv else "false"), ("ax_swap_switch", "true" if ax else "false")],
        )
    if fmt.yuv:
        m, in_bias, out_bias = csc_matrix(plan["csc"], order)
        items = [("switch", "true")]
        items += [(f"matrix_r{r}c{c}", m[r][c]) for r in range(3) for c in range(3)]
        items += [(f"output_bias_{i}", v) for i, v in enumerate(out_bias)]
        items += [(f"input_bias_{i}", v) for i, v in enumerate(in_bias)]
        lines += _lines("csc_func", items)
    if plan["resize"]:
        lines += _lines("resize_func", [("switch", "true"), ("resize_output_w", w), ("resize_output_h", h)])
    lines += _dtc_lines(spec)
    return "\n".join(lines + ["}"]) + "\n"


# ---------------------------------------------------------------- ONNX declaration of a host twin


def onnx_declaration(model):
    """The AIPP a host ONNX model declares through its metadata_props, as a manifest "aipp" field without formats
    (the host runtime takes every format it implements); None when it declares none (mode "static" or absent). The
    host runtime's reading: a malformed declaration is an error, max_src_image_size is a uint32 in decimal."""
    props = {p.key: p.value for p in model.metadata_props}
    mode, raw = props.get(META_MODE), props.get(META_MAX_SRC)
    if mode not in (None, "dynamic", "static"):
        raise AippError(f"metadata {META_MODE}={mode!r}: expected dynamic or static")
    if mode != "dynamic":
        if raw is not None:
            raise AippError(f"metadata {META_MAX_SRC} is only for {META_MODE}=dynamic")
        return None
    if raw is None or not raw.isdigit() or len(raw) > 10 or not 0 < int(raw) <= UINT32_MAX:
        raise AippError(f"metadata {META_MAX_SRC}={raw!r}: expected decimal bytes in 1..{UINT32_MAX}")
    return {"mode": "dynamic", "maxSrcImageSize": int(raw)}


def declare_onnx(model, field):
    """Sets (or, for no/none AIPP, removes) the metadata_props declaring `field` on `model`, other props kept in
    their order. Returns True when the model changed."""
    before = [(p.key, p.value) for p in model.metadata_props]
    keep = [(k, v) for k, v in before if k not in (META_MODE, META_MAX_SRC)]
    if field and field.get("mode") == "dynamic":
        n = field["maxSrcImageSize"]
        if not isinstance(n, int) or not 0 < n <= MAX_SRC_LIMIT:
            raise AippError(f"maxSrcImageSize {n!r} must be in 1..{MAX_SRC_LIMIT}")
        keep += [(META_MODE, "dynamic"), (META_MAX_SRC, str(n))]
    elif field and field.get("mode") not in (None, "none"):
        raise AippError(f"aipp.mode {field.get('mode')!r}: a host model declares only dynamic AIPP (or none)")
    if keep == before:
        return False
    del model.metadata_props[:]
    for k, v in keep:
        p = model.metadata_props.add()
        p.key, p.value = k, v
    return True
