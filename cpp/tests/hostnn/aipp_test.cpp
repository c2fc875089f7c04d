// Dynamic AIPP on the host runtime (CANNKit/hiai_aipp_param.h, hiai_tensor.h): parameter validation, tensor sizes,
// and RunSync's AIPP output against a naive reference written from the guide's formulas (cpp/hostnn/README.md,
// "AIPP"). The models are Identity (or DequantizeLinear for int8 inputs), so the output is the model input AIPP made.
// Bad-call cases are named BadCall_* and traced as "BAD CALL - ...".
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <functional>
#include <random>

#include "CANNKit/hiai_aipp_param.h"
#include "CANNKit/hiai_tensor.h"
#include "test_util.h"

using namespace hostnn_test;

namespace {

struct AippParamDeleter {
  void operator()(HiAI_AippParam* p) const { HMS_HiAIAippParam_Destroy(&p); }
};
using AippParam = std::unique_ptr<HiAI_AippParam, AippParamDeleter>;

Desc MakeDesc(OH_NN_DataType t, std::vector<int32_t> shape, OH_NN_Format format = OH_NN_FORMAT_NCHW) {
  Desc d(OH_NNTensorDesc_Create());
  OH_NNTensorDesc_SetDataType(d.get(), t);
  OH_NNTensorDesc_SetShape(d.get(), shape.data(), shape.size());
  OH_NNTensorDesc_SetFormat(d.get(), format);
  return d;
}

void AddAippMetadata(OnnxBuilder* b, const std::string& mode, const std::string& maxSize) {
  if (!mode.empty()) {
    auto* p = b->proto().add_metadata_props();
    p->set_key("hiai.aipp.mode");
    p->set_value(mode);
  }
  if (!maxSize.empty()) {
    auto* p = b->proto().add_metadata_props();
    p->set_key("hiai.aipp.max_src_image_size");
    p->set_value(maxSize);
  }
}

// x[shape] -> Identity -> y, declaring dynamic AIPP unless told otherwise.
std::string IdentityModel(const std::vector<int64_t>& shape, const std::string& mode = "dynamic",
                          const std::string& maxSize = "1000000") {
  OnnxBuilder b;
  b.Input("x", shape);
  b.Node("Identity", {"x"}, {"y"}, "id");
  b.Output("y");
  AddAippMetadata(&b, mode, maxSize);
  return b.Bytes();
}

std::vector<uint8_t> RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 g(seed);
  std::uniform_int_distribution<int> d(0, 255);
  std::vector<uint8_t> v(n);
  for (auto& x : v) x = static_cast<uint8_t>(d(g));
  return v;
}

struct RunResult {
  OH_NN_ReturnCode rc = OH_NN_FAILED;
  std::string error;
  std::vector<float> out;
};

// Builds `model`, puts `image` into an input tensor of desc [n, 1, h, w] UINT8 sized by GetSizeWithImageFormat
// (or tensorBytes), links `param` and runs. The model's output must be float32.
RunResult RunAipp(const std::string& model, HiAI_AippParam* param, const std::vector<uint8_t>& image,
                  HiAI_ImageFormat format, int32_t w, int32_t h, int32_t n = 1, size_t tensorBytes = 0) {
  RunResult r;
  Executor e;
  std::string err;
  if (BuildModel(model, &e, &err) != OH_NN_SUCCESS) {
    r.error = "build: " + err;
    return r;
  }
  Desc d = MakeDesc(OH_NN_UINT8, {n, 1, h, w});
  const size_t size = tensorBytes ? tensorBytes : HMS_HiAITensor_GetSizeWithImageFormat(d.get(), format);
  Tensor in(OH_NNTensor_CreateWithSize(0, d.get(), size));
  if (!in) {
    r.error = std::string("CreateWithSize: ") + HostNN_GetLastErrorMessage();
    return r;
  }
  std::memcpy(OH_NNTensor_GetDataBuffer(in.get()), image.data(), std::min(size, image.size()));
  HiAI_AippParam* params[] = {param};
  if ((r.rc = HMS_HiAITensor_SetAippParams(in.get(), params, 1)) != OH_NN_SUCCESS) {
    r.error = HostNN_GetLastErrorMessage();
    return r;
  }
  Desc od(OH_NNExecutor_CreateOutputTensorDesc(e.get(), 0));
  Tensor out(OH_NNTensor_Create(0, od.get()));
  NN_Tensor* ins[] = {in.get()};
  NN_Tensor* outs[] = {out.get()};
  r.rc = OH_NNExecutor_RunSync(e.get(), ins, 1, outs, 1);
  r.error = HostNN_GetLastErrorMessage();
  if (r.rc == OH_NN_SUCCESS) {
    size_t bytes = 0;
    OH_NNTensor_GetSize(out.get(), &bytes);
    r.out.resize(bytes / sizeof(float));
    std::memcpy(r.out.data(), OH_NNTensor_GetDataBuffer(out.get()), bytes);
  }
  return r;
}

// ---- the naive reference, written from the guide's formulas ----

// The guide's YUV->RGB matrices (rows R, G, B) and input biases per colour space: JPEG / BT.601 full range,
// BT.601 narrow, BT.709 narrow.
struct Matrix {
  int m[3][3];
  int bias[3];
};
Matrix YuvToRgbMatrix(HiAI_ImageColorSpace s) {
  switch (s) {
    case HIAI_BT_601_NARROW: return {{{298, 0, 409}, {298, -100, -208}, {298, 516, 0}}, {16, 128, 128}};
    case HIAI_BT_709_NARROW: return {{{298, 0, 459}, {298, -55, -136}, {298, 541, 0}}, {16, 128, 128}};
    default: return {{{256, 0, 359}, {256, -88, -183}, {256, 454, 0}}, {0, 128, 128}};
  }
}
// out = clamp(floor(M (in - bias) / 256)) for YUV -> RGB.
std::array<int, 3> YuvToRgb(int y, int u, int v, HiAI_ImageColorSpace s) {
  const Matrix m = YuvToRgbMatrix(s);
  std::array<int, 3> rgb{};
  for (int r = 0; r < 3; ++r) {
    const double sum = m.m[r][0] * (y - m.bias[0]) + m.m[r][1] * (u - m.bias[1]) + m.m[r][2] * (v - m.bias[2]);
    rgb[r] = std::min(255, std::max(0, static_cast<int>(std::floor(sum / 256.0))));
  }
  return rgb;
}

// An 8-bit planar image (channels x h x w) as doubles, then the reference stages on it.
struct Planar {
  int c = 0, h = 0, w = 0;
  std::vector<double> v;
  double& at(int ch, int y, int x) { return v[(static_cast<size_t>(ch) * h + y) * w + x]; }
  double at(int ch, int y, int x) const { return v[(static_cast<size_t>(ch) * h + y) * w + x]; }
};
Planar MakePlanar(int c, int h, int w) { return Planar{c, h, w, std::vector<double>(static_cast<size_t>(c) * h * w)}; }

// pixel(x, y) -> the model's channels, for the crop window (x0, y0, cw, ch).
Planar Sample(int channels, int x0, int y0, int cw, int ch, const std::function<std::array<int, 4>(int, int)>& px) {
  Planar p = MakePlanar(channels, ch, cw);
  for (int y = 0; y < ch; ++y)
    for (int x = 0; x < cw; ++x) {
      std::array<int, 4> v = px(x0 + x, y0 + y);
      for (int c = 0; c < channels; ++c) p.at(c, y, x) = v[c];
    }
  return p;
}

// Bilinear, half-pixel centres, edge-clamped.
Planar Bilinear(const Planar& in, int ow, int oh) {
  Planar out = MakePlanar(in.c, oh, ow);
  for (int c = 0; c < in.c; ++c)
    for (int y = 0; y < oh; ++y)
      for (int x = 0; x < ow; ++x) {
        const double sx = std::max(0.0, (x + 0.5) * in.w / ow - 0.5), sy = std::max(0.0, (y + 0.5) * in.h / oh - 0.5);
        const int x0 = std::min(static_cast<int>(sx), in.w - 1), y0 = std::min(static_cast<int>(sy), in.h - 1);
        const int x1 = std::min(x0 + 1, in.w - 1), y1 = std::min(y0 + 1, in.h - 1);
        const double fx = sx - x0, fy = sy - y0;
        out.at(c, y, x) = (1 - fy) * ((1 - fx) * in.at(c, y0, x0) + fx * in.at(c, y0, x1)) +
                          fy * ((1 - fx) * in.at(c, y1, x0) + fx * in.at(c, y1, x1));
      }
  return out;
}

struct Dtc {
  std::array<double, 4> mean{0, 0, 0, 0}, min{0, 0, 0, 0}, varReci{1, 1, 1, 1};
};
struct Pad {
  int left = 0, right = 0, top = 0, bottom = 0;
  std::array<int, 4> value{0, 0, 0, 0};
};

// DTC then padding, flattened CHW.
std::vector<double> DtcAndPad(const Planar& in, const Dtc& d, const Pad& pad) {
  const int oh = in.h + pad.top + pad.bottom, ow = in.w + pad.left + pad.right;
  std::vector<double> out;
  for (int c = 0; c < in.c; ++c)
    for (int y = 0; y < oh; ++y)
      for (int x = 0; x < ow; ++x) {
        const int ix = x - pad.left, iy = y - pad.top;
        if (ix < 0 || iy < 0 || ix >= in.w || iy >= in.h)
          out.push_back(pad.value[c]);
        else
          out.push_back((in.at(c, iy, ix) - d.mean[c] - d.min[c]) * d.varReci[c]);
      }
  return out;
}

// True when f is a value fp16 can hold exactly (normal range, 11 significant bits) or 0.
bool IsHalfExact(float f) {
  if (f == 0.f) return true;
  int exp = 0;
  const float m = std::frexp(std::fabs(f), &exp);  // f = m * 2^exp, m in [0.5, 1)
  if (exp > 16 || exp < -13) return false;
  const float scaled = std::ldexp(m, 11);
  return scaled == std::floor(scaled);
}

// got is the fp16 rounding of want: within one fp16 step (2^-10 relative; the emulation computes in float, the
// reference in double, so a value next to a rounding boundary may round the other way), and an fp16 value.
void ExpectFp16Of(const std::vector<float>& got, const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], std::fabs(want[i]) * (1.0 / 1024) + 1e-5) << "element " << i;
    ASSERT_TRUE(IsHalfExact(got[i])) << "element " << i << " = " << got[i] << " is not an fp16 value";
  }
}

std::vector<double> ToDouble(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }

AippParam NewParam(uint32_t batches, HiAI_ImageFormat format, uint32_t w, uint32_t h) {
  AippParam p(HMS_HiAIAippParam_Create(batches));
  EXPECT_NE(p, nullptr);
  EXPECT_EQ(HMS_HiAIAippParam_SetInputFormat(p.get(), format), OH_NN_SUCCESS) << HostNN_GetLastErrorMessage();
  EXPECT_EQ(HMS_HiAIAippParam_SetInputShape(p.get(), w, h), OH_NN_SUCCESS) << HostNN_GetLastErrorMessage();
  return p;
}

}  // namespace

// ---------------------------------------------------------------- sizes and the param object
TEST(AippTest, GetSizeWithImageFormatCountsTheDescsImagesInEachFormat) {
  Desc nchw = MakeDesc(OH_NN_UINT8, {1, 3, 48, 64});
  Desc nhwc = MakeDesc(OH_NN_FLOAT32, {2, 48, 64, 3}, OH_NN_FORMAT_NHWC);  // C and the data type do not count
  const std::vector<std::pair<HiAI_ImageFormat, size_t>> perImage = {
      {HIAI_YUV420SP_U8, 64 * 48 * 3 / 2}, {HIAI_XRGB8888_U8, 64 * 48 * 4}, {HIAI_YUV400_U8, 64 * 48},
      {HIAI_ARGB8888_U8, 64 * 48 * 4},     {HIAI_YUYV_U8, 64 * 48 * 2},     {HIAI_YUV422SP_U8, 64 * 48 * 2},
      {HIAI_AYUV444_U8, 64 * 48 * 4},      {HIAI_RGB888_U8, 64 * 48 * 3},   {HIAI_BGR888_U8, 64 * 48 * 3}};
  for (const auto& [format, bytes] : perImage) {
    EXPECT_EQ(HMS_HiAITensor_GetSizeWithImageFormat(nchw.get(), format), bytes) << "format " << format;
    EXPECT_EQ(HMS_HiAITensor_GetSizeWithImageFormat(nhwc.get(), format), 2 * bytes) << "format " << format;
  }
}

TEST(AippTest, BadCall_GetSizeWithImageFormat) {
  SCOPED_TRACE("BAD CALL - GetSizeWithImageFormat: NULL desc, output-only and invalid formats, odd YUV, not 4-D");
  EXPECT_EQ(HMS_HiAITensor_GetSizeWithImageFormat(nullptr, HIAI_RGB888_U8), 0u);
  EXPECT_STREQ(HostNN_GetLastErrorMessage(), "GetSizeWithImageFormat: desc is NULL");
  Desc d = MakeDesc(OH_NN_UINT8, {1, 1, 48, 64});
  EXPECT_EQ(HMS_HiAITensor_GetSizeWithImageFormat(d.get(), HIAI_YUV444SP_U8), 0u);
  EXPECT_EQ(HMS_HiAITensor_GetSizeWithImageFormat(d.get(), HIAI_IMAGE_FORMAT_INVALID), 0u);
  EXPECT_NE(std::string(HostNN_GetLastErrorMessage()).find("cannot be an AIPP input format"), std::string::npos);
  Desc odd = MakeDesc(OH_NN_UINT8, {1, 1, 47, 64});
  EXPECT_EQ(HMS_HiAITensor_GetSizeWithImageFormat(odd.get(), HIAI_YUV420SP_U8), 0u);
  EXPECT_NE(std::string(HostNN_GetLastErrorMessage()).find("needs an even width and height, got 64x47"),
            std::string::npos);
  EXPECT_EQ(HMS_HiAITensor_GetSizeWithImageFormat(odd.get(), HIAI_YUV400_U8), 64u * 47);  // YUV400: any size
  Desc flat = MakeDesc(OH_NN_UINT8, {64, 48});
  EXPECT_EQ(HMS_HiAITensor_GetSizeWithImageFormat(flat.get(), HIAI_RGB888_U8), 0u);
}

TEST(AippTest, ParamSettersAndGettersRoundTrip) {
  AippParam p(HMS_HiAIAippParam_Create(2));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(HMS_HiAIAippParam_GetBatchCount(p.get()), 2u);
  EXPECT_EQ(HMS_HiAIAippParam_GetInputIndex(p.get()), 0);  // the guide: AIPP applies to input 0 by default
  EXPECT_NE(HMS_HiAIAippParam_GetData(p.get()), nullptr);
  EXPECT_GT(HMS_HiAIAippParam_GetDataSize(p.get()), 0u);
  ASSERT_EQ(HMS_HiAIAippParam_SetInputFormat(p.get(), HIAI_YUV420SP_U8), OH_NN_SUCCESS);
  ASSERT_EQ(HMS_HiAIAippParam_SetInputShape(p.get(), 640, 480), OH_NN_SUCCESS);
  ASSERT_EQ(HMS_HiAIAippParam_SetCscConfig(p.get(), HIAI_YUV420SP_U8, HIAI_BGR888_U8, HIAI_BT_709_NARROW),
            OH_NN_SUCCESS);
  ASSERT_EQ(HMS_HiAIAippParam_SetChannelSwapConfig(p.get(), true, false), OH_NN_SUCCESS);
  ASSERT_EQ(HMS_HiAIAippParam_SetCropConfig(p.get(), 1, 80, 0, 480, 480), OH_NN_SUCCESS);
  ASSERT_EQ(HMS_HiAIAippParam_SetResizeConfig(p.get(), 1, 224, 224), OH_NN_SUCCESS);
  ASSERT_EQ(HMS_HiAIAippParam_SetPadConfig(p.get(), 1, 1, 2, 3, 4), OH_NN_SUCCESS);
  uint32_t pad[3] = {7, static_cast<uint32_t>(-5), 65504};
  ASSERT_EQ(HMS_HiAIAippParam_SetChannelPadding(p.get(), 1, pad, 3), OH_NN_SUCCESS);
  uint32_t mean[3] = {124, 116, 104};
  float mins[3] = {0.5f, 1.5f, 2.5f}, var[3] = {0.0171f, 0.0175f, 0.0174f};
  ASSERT_EQ(HMS_HiAIAippParam_SetDtcMeanPixel(p.get(), 1, mean, 3), OH_NN_SUCCESS);
  ASSERT_EQ(HMS_HiAIAippParam_SetDtcMinPixel(p.get(), 1, mins, 3), OH_NN_SUCCESS);
  ASSERT_EQ(HMS_HiAIAippParam_SetDtcVarReciPixel(p.get(), 1, var, 3), OH_NN_SUCCESS);
  ASSERT_EQ(HMS_HiAIAippParam_SetRotationAngle(p.get(), 1, 90.f), OH_NN_SUCCESS);
  ASSERT_EQ(HMS_HiAIAippParam_SetSingleBatchMultiCrop(p.get(), true), OH_NN_SUCCESS);
  ASSERT_EQ(HMS_HiAIAippParam_SetInputIndex(p.get(), 3), OH_NN_SUCCESS);

  EXPECT_EQ(HMS_HiAIAippParam_GetInputFormat(p.get()), HIAI_YUV420SP_U8);
  uint32_t w = 0, h = 0, a = 0, b = 0, c = 0, d = 0;
  ASSERT_EQ(HMS_HiAIAippParam_GetInputShape(p.get(), &w, &h), OH_NN_SUCCESS);
  EXPECT_EQ(w * 10000 + h, 640u * 10000 + 480);
  HiAI_ImageFormat in = HIAI_IMAGE_FORMAT_INVALID, out = HIAI_IMAGE_FORMAT_INVALID;
  HiAI_ImageColorSpace space = HIAI_IMAGE_COLOR_SPACE_INVALID;
  ASSERT_EQ(HMS_HiAIAippParam_GetCscConfig(p.get(), &in, &out, &space), OH_NN_SUCCESS);
  EXPECT_EQ(in, HIAI_YUV420SP_U8);
  EXPECT_EQ(out, HIAI_BGR888_U8);
  EXPECT_EQ(space, HIAI_BT_709_NARROW);
  bool rbuv = false, ax = true;
  ASSERT_EQ(HMS_HiAIAippParam_GetChannelSwapConfig(p.get(), &rbuv, &ax), OH_NN_SUCCESS);
  EXPECT_TRUE(rbuv);
  EXPECT_FALSE(ax);
  ASSERT_EQ(HMS_HiAIAippParam_GetCropConfig(p.get(), 1, &a, &b, &c, &d), OH_NN_SUCCESS);
  EXPECT_EQ(std::vector<uint32_t>({a, b, c, d}), std::vector<uint32_t>({80, 0, 480, 480}));
  ASSERT_EQ(HMS_HiAIAippParam_GetCropConfig(p.get(), 0, &a, &b, &c, &d), OH_NN_SUCCESS);  // batch 0: no crop
  EXPECT_EQ(std::vector<uint32_t>({a, b, c, d}), std::vector<uint32_t>({0, 0, 0, 0}));
  ASSERT_EQ(HMS_HiAIAippParam_GetResizeConfig(p.get(), 1, &a, &b), OH_NN_SUCCESS);
  EXPECT_EQ(a * 1000 + b, 224u * 1000 + 224);
  ASSERT_EQ(HMS_HiAIAippParam_GetPadConfig(p.get(), 1, &a, &b, &c, &d), OH_NN_SUCCESS);
  EXPECT_EQ(std::vector<uint32_t>({a, b, c, d}), std::vector<uint32_t>({1, 2, 3, 4}));
  uint32_t padOut[3] = {}, meanOut[3] = {};
  float minOut[3] = {}, varOut[3] = {}, angle = 0;
  ASSERT_EQ(HMS_HiAIAippParam_GetChannelPadding(p.get(), 1, padOut, 3), OH_NN_SUCCESS);
  EXPECT_EQ(std::vector<uint32_t>(padOut, padOut + 3), std::vector<uint32_t>(pad, pad + 3));
  ASSERT_EQ(HMS_HiAIAippParam_GetDtcMeanPixel(p.get(), 1, meanOut, 3), OH_NN_SUCCESS);
  EXPECT_EQ(std::vector<uint32_t>(meanOut, meanOut + 3), std::vector<uint32_t>(mean, mean + 3));
  ASSERT_EQ(HMS_HiAIAippParam_GetDtcMinPixel(p.get(), 1, minOut, 3), OH_NN_SUCCESS);
  EXPECT_EQ(std::vector<float>(minOut, minOut + 3), std::vector<float>(mins, mins + 3));
  ASSERT_EQ(HMS_HiAIAippParam_GetDtcVarReciPixel(p.get(), 1, varOut, 3), OH_NN_SUCCESS);
  EXPECT_EQ(std::vector<float>(varOut, varOut + 3), std::vector<float>(var, var + 3));
  ASSERT_EQ(HMS_HiAIAippParam_GetRotationAngle(p.get(), 1, &angle), OH_NN_SUCCESS);
  EXPECT_EQ(angle, 90.f);
  EXPECT_TRUE(HMS_HiAIAippParam_GetSingleBatchMultiCrop(p.get()));
  EXPECT_EQ(HMS_HiAIAippParam_GetInputIndex(p.get()), 3);
}

TEST(AippTest, BadCall_ParamSettersRefuseWhatTheReferenceForbids) {
  SCOPED_TRACE("BAD CALL - NULL and stale params, batch index out of range, values outside the documented ranges");
  EXPECT_EQ(HMS_HiAIAippParam_Create(0), nullptr);
  EXPECT_EQ(HMS_HiAIAippParam_Create(128), nullptr);
  EXPECT_STREQ(HostNN_GetLastErrorMessage(), "HMS_HiAIAippParam_Create: batchNum 128 is not in (0, 127]");
  EXPECT_EQ(HMS_HiAIAippParam_SetInputFormat(nullptr, HIAI_RGB888_U8), OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(HMS_HiAIAippParam_GetInputIndex(nullptr), -1);
  EXPECT_EQ(HMS_HiAIAippParam_GetBatchCount(nullptr), 0u);
  EXPECT_EQ(HMS_HiAIAippParam_GetInputFormat(nullptr), HIAI_IMAGE_FORMAT_INVALID);
  HMS_HiAIAippParam_Destroy(nullptr);  // harmless
  AippParam p = NewParam(1, HIAI_YUV420SP_U8, 64, 48);
  auto expectRefused = [&](OH_NN_ReturnCode rc, const std::string& text) {
    EXPECT_EQ(rc, OH_NN_INVALID_PARAMETER) << text;
    EXPECT_NE(std::string(HostNN_GetLastErrorMessage()).find(text), std::string::npos)
        << "got: " << HostNN_GetLastErrorMessage() << "\nwanted: " << text;
  };
  expectRefused(HMS_HiAIAippParam_SetInputFormat(p.get(), HIAI_YUV444SP_U8),
                "YUV444SP_U8 (9) cannot be an AIPP input format");
  expectRefused(HMS_HiAIAippParam_SetInputShape(p.get(), 15, 48), "15x48 is outside [16, 4096] x [16, 4096]");
  expectRefused(HMS_HiAIAippParam_SetInputShape(p.get(), 64, 4097), "64x4097 is outside");
  expectRefused(HMS_HiAIAippParam_SetCropConfig(p.get(), 1, 0, 0, 8, 8), "batchIndex 1 is out of range [0, 1)");
  expectRefused(HMS_HiAIAippParam_SetCropConfig(p.get(), 0, 32, 0, 40, 16), "reaches outside the 64x48 source");
  expectRefused(HMS_HiAIAippParam_SetCropConfig(p.get(), 0, 1, 0, 16, 16), "needs even offsets and sizes");
  expectRefused(HMS_HiAIAippParam_SetCropConfig(p.get(), 0, 0, 0, 16, 15), "needs even offsets and sizes");
  expectRefused(HMS_HiAIAippParam_SetCropConfig(p.get(), 0, 0, 0, 0, 16), "the crop size 0x16 is outside");
  expectRefused(HMS_HiAIAippParam_SetResizeConfig(p.get(), 0, 449, 224), "449x224 is outside [16, 448] x [16, 4096]");
  expectRefused(HMS_HiAIAippParam_SetResizeConfig(p.get(), 0, 15, 224), "15x224 is outside");
  ASSERT_EQ(HMS_HiAIAippParam_SetCropConfig(p.get(), 0, 0, 0, 16, 16), OH_NN_SUCCESS);
  expectRefused(HMS_HiAIAippParam_SetResizeConfig(p.get(), 0, 257, 16), "outside the ratio range [1/16, 16]");
  expectRefused(HMS_HiAIAippParam_SetPadConfig(p.get(), 0, 0, 33, 0, 0), "over 32 on a side");
  uint32_t badPad[1] = {65505};
  expectRefused(HMS_HiAIAippParam_SetChannelPadding(p.get(), 0, badPad, 1), "outside [-65504, 65504]");
  uint32_t mean[5] = {};
  expectRefused(HMS_HiAIAippParam_SetDtcMeanPixel(p.get(), 0, mean, 5), "channelCount 5 is not in [1, 4]");
  expectRefused(HMS_HiAIAippParam_SetDtcMeanPixel(p.get(), 0, nullptr, 3), "the value array is NULL");
  float nan[1] = {std::nanf("")};
  expectRefused(HMS_HiAIAippParam_SetDtcVarReciPixel(p.get(), 0, nan, 1), "not finite");
  expectRefused(HMS_HiAIAippParam_SetRotationAngle(p.get(), 0, 45.f), "rotation angle 45.000000 is not 0, 90, 180");
  expectRefused(HMS_HiAIAippParam_SetCscConfig(p.get(), HIAI_YUV420SP_U8, HIAI_XRGB8888_U8, HIAI_JPEG),
                "no colour-space conversion from YUV420SP_U8 (0) to XRGB8888_U8 (1)");
  expectRefused(
      HMS_HiAIAippParam_SetCscConfig(p.get(), HIAI_YUV420SP_U8, HIAI_RGB888_U8, HIAI_IMAGE_COLOR_SPACE_INVALID),
      "colour space 4 is not");
  expectRefused(HMS_HiAIAippParam_SetCscConfig(p.get(), HIAI_RGB888_U8, HIAI_YUV444SP_U8, HIAI_JPEG),
                "the CSC input format RGB888_U8 (HMS_HiAIAippParam_SetCscConfig) is not the input format YUV420SP_U8");
  expectRefused(HMS_HiAIAippParam_SetChannelSwapConfig(p.get(), false, true),
                "AX swap (HMS_HiAIAippParam_SetChannelSwapConfig) is only for XRGB8888/ARGB8888/AYUV444");
  uint32_t w = 0;
  expectRefused(HMS_HiAIAippParam_GetInputShape(p.get(), &w, nullptr), "NULL output pointer");
  float out[2];
  expectRefused(HMS_HiAIAippParam_GetDtcMinPixel(p.get(), 2, out, 2), "batchIndex 2 is out of range");
  // A refused call leaves the param as it was.
  uint32_t cx = 9, cy = 9, cw = 9, ch = 9;
  ASSERT_EQ(HMS_HiAIAippParam_GetCropConfig(p.get(), 0, &cx, &cy, &cw, &ch), OH_NN_SUCCESS);
  EXPECT_EQ(std::vector<uint32_t>({cx, cy, cw, ch}), std::vector<uint32_t>({0, 0, 16, 16}));
  // A destroyed param is not linked to a tensor.
  HiAI_AippParam* dead = HMS_HiAIAippParam_Create(1);
  HMS_HiAIAippParam_Destroy(&dead);
  EXPECT_EQ(dead, nullptr);
  Desc d = MakeDesc(OH_NN_UINT8, {1, 1, 48, 64});
  Tensor t(OH_NNTensor_CreateWithSize(0, d.get(), 64 * 48 * 3));
  HiAI_AippParam* none[] = {nullptr};
  EXPECT_EQ(HMS_HiAITensor_SetAippParams(t.get(), none, 1), OH_NN_INVALID_PARAMETER);
  EXPECT_STREQ(HostNN_GetLastErrorMessage(), "SetAippParams: aippParams[0] is not a live HiAI_AippParam");
  HiAI_AippParam* ok[] = {p.get()};
  EXPECT_EQ(HMS_HiAITensor_SetAippParams(nullptr, ok, 1), OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(HMS_HiAITensor_SetAippParams(t.get(), ok, 0), OH_NN_INVALID_PARAMETER);
}

// ---------------------------------------------------------------- RunSync against the reference
// The camera's NV21 frame (YUV420SP with the UV swap), JPEG CSC to RGB, centre crop, resize, mean/std DTC.
TEST(AippTest, Nv21CropResizeDtcMatchesTheNaiveReference) {
  const int w = 96, h = 64, cropX = 16, cropY = 8, cw = 64, ch = 48, ow = 40, oh = 30;
  const std::vector<uint8_t> img = RandomBytes(w * h * 3 / 2, 1);
  AippParam p = NewParam(1, HIAI_YUV420SP_U8, w, h);
  ASSERT_EQ(HMS_HiAIAippParam_SetChannelSwapConfig(p.get(), true, false), OH_NN_SUCCESS);
  ASSERT_EQ(HMS_HiAIAippParam_SetCscConfig(p.get(), HIAI_YUV420SP_U8, HIAI_RGB888_U8, HIAI_JPEG), OH_NN_SUCCESS);
  ASSERT_EQ(HMS_HiAIAippParam_SetCropConfig(p.get(), 0, cropX, cropY, cw, ch), OH_NN_SUCCESS);
  ASSERT_EQ(HMS_HiAIAippParam_SetResizeConfig(p.get(), 0, ow, oh), OH_NN_SUCCESS);
  uint32_t mean[3] = {124, 116, 104};
  float mins[3] = {0.f, 0.5f, 0.f}, var[3] = {1 / 58.395f, 1 / 57.12f, 1 / 57.375f};
  ASSERT_EQ(HMS_HiAIAippParam_SetDtcMeanPixel(p.get(), 0, mean, 3), OH_NN_SUCCESS);
  ASSERT_EQ(HMS_HiAIAippParam_SetDtcMinPixel(p.get(), 0, mins, 3), OH_NN_SUCCESS);
  ASSERT_EQ(HMS_HiAIAippParam_SetDtcVarReciPixel(p.get(), 0, var, 3), OH_NN_SUCCESS);
  RunResult r = RunAipp(IdentityModel({1, 3, oh, ow}), p.get(), img, HIAI_YUV420SP_U8, w, h);
  ASSERT_EQ(r.rc, OH_NN_SUCCESS) << r.error;
  // NV21: the Y plane, then rows of V, U pairs for each 2x2 block.
  Planar crop = Sample(3, cropX, cropY, cw, ch, [&](int x, int y) {
    const int y8 = img[y * w + x];
    const uint8_t* vu = &img[w * h + (y / 2) * w + (x / 2) * 2];
    const auto rgb = YuvToRgb(y8, vu[1], vu[0], HIAI_JPEG);
    return std::array<int, 4>{rgb[0], rgb[1], rgb[2], 0};
  });
  const Dtc d{{124, 116, 104, 0}, {0, 0.5, 0, 0}, {var[0], var[1], var[2], 1}};
  ExpectFp16Of(r.out, DtcAndPad(Bilinear(crop, ow, oh), d, Pad{}));
}

// NV12 at full size, every colour space and both RGB orders: the guide's integer matrices, exactly.
TEST(AippTest, EveryColourSpaceUsesTheGuidesMatrix) {
  const int w = 32, h = 16;
  const std::vector<uint8_t> img = RandomBytes(w * h * 3 / 2, 2);
  for (HiAI_ImageColorSpace space : {HIAI_JPEG, HIAI_BT_601_NARROW, HIAI_BT_601_FULL, HIAI_BT_709_NARROW})
    for (HiAI_ImageFormat out : {HIAI_RGB888_U8, HIAI_BGR888_U8}) {
      SCOPED_TRACE("colour space " + std::to_string(space) + ", output format " + std::to_string(out));
      AippParam p = NewParam(1, HIAI_YUV420SP_U8, w, h);
      ASSERT_EQ(HMS_HiAIAippParam_SetCscConfig(p.get(), HIAI_YUV420SP_U8, out, space), OH_NN_SUCCESS);
      RunResult r = RunAipp(IdentityModel({1, 3, h, w}), p.get(), img, HIAI_YUV420SP_U8, w, h);
      ASSERT_EQ(r.rc, OH_NN_SUCCESS) << r.error;
      Planar want = Sample(3, 0, 0, w, h, [&](int x, int y) {
        const uint8_t* uv = &img[w * h + (y / 2) * w + (x / 2) * 2];
        auto rgb = YuvToRgb(img[y * w + x], uv[0], uv[1], space);
        if (out == HIAI_BGR888_U8) std::swap(rgb[0], rgb[2]);
        return std::array<int, 4>{rgb[0], rgb[1], rgb[2], 0};
      });
      ASSERT_EQ(ToDouble(r.out), want.v);
    }
}

// Packed RGB inputs: RGB888 with the RB swap (BGR data), XRGB / ARGB as they are (colour channels first, X/A last),
// RGBA and BGRA memory as XRGB8888 with the AX swap (+ the RB swap for BGRA), YUV400 as 1 channel; padding values
// written around the image.
TEST(AippTest, PackedFormatsSwapsAndPadding) {
  const int w = 20, h = 18;
  struct Case {
    const char* memory;
    HiAI_ImageFormat format;
    bool rbuv, ax;
    int channels, bytesPerPixel;
    std::function<std::array<int, 4>(const uint8_t*)> pixel;  // the bytes of one pixel -> the model's channels
  };
  using P = const uint8_t*;
  const std::vector<Case> cases = {{"BGR", HIAI_RGB888_U8, true, false, 3, 3,
                                    [](P b) {
                                      return std::array<int, 4>{b[2], b[1], b[0], 0};
                                    }},
                                   {"BGR", HIAI_BGR888_U8, false, false, 3, 3,
                                    [](P b) {
                                      return std::array<int, 4>{b[0], b[1], b[2], 0};
                                    }},
                                   {"XRGB", HIAI_XRGB8888_U8, false, false, 3, 4,
                                    [](P b) {
                                      return std::array<int, 4>{b[1], b[2], b[3], 0};
                                    }},
                                   {"RGBA", HIAI_XRGB8888_U8, false, true, 3, 4,
                                    [](P b) {
                                      return std::array<int, 4>{b[0], b[1], b[2], 0};
                                    }},
                                   {"BGRA", HIAI_XRGB8888_U8, true, true, 3, 4,
                                    [](P b) {
                                      return std::array<int, 4>{b[2], b[1], b[0], 0};
                                    }},
                                   {"ARGB", HIAI_ARGB8888_U8, false, false, 4, 4,
                                    [](P b) {
                                      return std::array<int, 4>{b[1], b[2], b[3], b[0]};
                                    }},
                                   {"Y", HIAI_YUV400_U8, false, false, 1, 1, [](P b) {
                                      return std::array<int, 4>{b[0], 0, 0, 0};
                                    }}};
  const Pad pad{2, 3, 1, 4, {-7, 300, 65504, 0}};
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.memory) + " memory as format " + std::to_string(c.format) + (c.rbuv ? " +RB swap" : "") +
                 (c.ax ? " +AX swap" : ""));
    const std::vector<uint8_t> img = RandomBytes(w * h * c.bytesPerPixel, 3 + c.format);
    AippParam p = NewParam(1, c.format, w, h);
    ASSERT_EQ(HMS_HiAIAippParam_SetChannelSwapConfig(p.get(), c.rbuv, c.ax), OH_NN_SUCCESS)
        << HostNN_GetLastErrorMessage();
    ASSERT_EQ(HMS_HiAIAippParam_SetPadConfig(p.get(), 0, pad.left, pad.right, pad.top, pad.bottom), OH_NN_SUCCESS);
    uint32_t values[4];
    for (int i = 0; i < 4; ++i) values[i] = static_cast<uint32_t>(pad.value[i]);
    ASSERT_EQ(HMS_HiAIAippParam_SetChannelPadding(p.get(), 0, values, 4), OH_NN_SUCCESS);
    RunResult r = RunAipp(IdentityModel({1, c.channels, h + 5, w + 5}), p.get(), img, c.format, w, h);
    ASSERT_EQ(r.rc, OH_NN_SUCCESS) << r.error;
    Planar want = Sample(c.channels, 0, 0, w, h, [&](int x, int y) {
      return c.pixel(&img[(static_cast<size_t>(y) * w + x) * c.bytesPerPixel]);
    });
    ASSERT_EQ(ToDouble(r.out), DtcAndPad(want, Dtc{}, pad));
  }
}

// RGB -> YUV444SP with the JPEG matrix: Y = 77R + 150G + 29B >> 8, U/V + 128 (BT.601 full range x 256).
TEST(AippTest, RgbToYuvCsc) {
  const int w = 16, h = 16;
  const std::vector<uint8_t> img = RandomBytes(w * h * 3, 4);
  AippParam p = NewParam(1, HIAI_RGB888_U8, w, h);
  ASSERT_EQ(HMS_HiAIAippParam_SetCscConfig(p.get(), HIAI_RGB888_U8, HIAI_YVU444SP_U8, HIAI_JPEG), OH_NN_SUCCESS);
  RunResult r = RunAipp(IdentityModel({1, 3, h, w}), p.get(), img, HIAI_RGB888_U8, w, h);
  ASSERT_EQ(r.rc, OH_NN_SUCCESS) << r.error;
  Planar want = Sample(3, 0, 0, w, h, [&](int x, int y) {
    const uint8_t* px = &img[(y * w + x) * 3];
    const int rr = px[0], g = px[1], b = px[2];
    auto conv = [](double v, int bias) {
      return std::min(255, std::max(0, static_cast<int>(std::floor(v / 256)) + bias));
    };
    const int yy = conv(77 * rr + 150 * g + 29 * b, 0), u = conv(-43 * rr - 85 * g + 128 * b, 128),
              v = conv(128 * rr - 107 * g - 21 * b, 128);
    return std::array<int, 4>{yy, v, u, 0};  // YVU order
  });
  ASSERT_EQ(ToDouble(r.out), want.v);
}

// int8 input: the AIPP output quantized with the scale / zero point of the DequantizeLinear reading it.
TEST(AippTest, Int8InputTakesTheQuantizedOutput) {
  const int w = 16, h = 16;
  const float scale = 0.02f;
  const int8_t zp = -3;
  OnnxBuilder b;
  b.Input("x", {1, 3, h, w}, onnx::TensorProto::INT8);
  b.InitF("s", {}, {scale});
  b.InitI8("z", {}, {zp});
  b.Node("DequantizeLinear", {"x", "s", "z"}, {"y"}, "dq");
  b.Output("y");
  AddAippMetadata(&b, "dynamic", "1000");
  const std::vector<uint8_t> img = RandomBytes(w * h * 3, 5);
  AippParam p = NewParam(1, HIAI_RGB888_U8, w, h);
  uint32_t mean[3] = {128, 128, 128};
  float var[3] = {1 / 64.f, 1 / 64.f, 1 / 64.f};
  ASSERT_EQ(HMS_HiAIAippParam_SetDtcMeanPixel(p.get(), 0, mean, 3), OH_NN_SUCCESS);
  ASSERT_EQ(HMS_HiAIAippParam_SetDtcVarReciPixel(p.get(), 0, var, 3), OH_NN_SUCCESS);
  RunResult r = RunAipp(b.Bytes(), p.get(), img, HIAI_RGB888_U8, w, h);
  ASSERT_EQ(r.rc, OH_NN_SUCCESS) << r.error;
  ASSERT_EQ(r.out.size(), 3u * h * w);
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < h * w; ++i) {
      const float v = static_cast<float>(img[i * 3 + c] - 128) / 64;  // exact in fp16
      // Quantized as QuantizeLinear does: round half to even of the float quotient.
      const int q = std::min(127, std::max(-128, static_cast<int>(std::nearbyint(v / scale)) + zp));
      ASSERT_FLOAT_EQ(r.out[c * h * w + i], (q - zp) * scale) << "channel " << c << " pixel " << i;
    }
}

// Two batches: two images, each with its own crop; then single-batch multi-crop: two crops of one image.
TEST(AippTest, MultiBatchAndSingleBatchMultiCrop) {
  const int w = 24, h = 20;
  const std::vector<uint8_t> img = RandomBytes(2 * w * h, 6);
  for (bool multiCrop : {false, true}) {
    SCOPED_TRACE(multiCrop ? "single batch, two crops" : "two batches");
    AippParam p = NewParam(2, HIAI_YUV400_U8, w, h);
    ASSERT_EQ(HMS_HiAIAippParam_SetSingleBatchMultiCrop(p.get(), multiCrop), OH_NN_SUCCESS);
    ASSERT_EQ(HMS_HiAIAippParam_SetCropConfig(p.get(), 0, 0, 0, 16, 16), OH_NN_SUCCESS);
    ASSERT_EQ(HMS_HiAIAippParam_SetCropConfig(p.get(), 1, 8, 4, 16, 16), OH_NN_SUCCESS);
    RunResult r = RunAipp(IdentityModel({2, 1, 16, 16}), p.get(), img, HIAI_YUV400_U8, w, h, multiCrop ? 1 : 2);
    ASSERT_EQ(r.rc, OH_NN_SUCCESS) << r.error;
    std::vector<double> want;
    for (int b = 0; b < 2; ++b) {
      const uint8_t* src = img.data() + (multiCrop ? 0 : b * w * h);
      for (int y = 0; y < 16; ++y)
        for (int x = 0; x < 16; ++x) want.push_back(src[(y + b * 4) * w + x + b * 8]);
    }
    ASSERT_EQ(ToDouble(r.out), want);
  }
}

// Zero-copy: the raw frame in fd-backed memory (a memfd, as the device's shared memory) wrapped with CreateWithFd
// and a desc of the source shape.
TEST(AippTest, FdBackedTensorRunsAipp) {
  const int w = 32, h = 32;
  const std::vector<uint8_t> img = RandomBytes(w * h * 3 / 2, 7);
  Desc d = MakeDesc(OH_NN_UINT8, {1, 1, h, w});
  const size_t size = HMS_HiAITensor_GetSizeWithImageFormat(d.get(), HIAI_YUV420SP_U8);
  ASSERT_EQ(size, img.size());
  const int fd = memfd_create("frame", MFD_CLOEXEC);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, static_cast<off_t>(size)), 0);
  ASSERT_EQ(pwrite(fd, img.data(), img.size(), 0), static_cast<ssize_t>(img.size()));
  Executor e;
  ASSERT_EQ(BuildModel(IdentityModel({1, 1, h, w}), &e), OH_NN_SUCCESS);
  Tensor in(OH_NNTensor_CreateWithFd(0, d.get(), fd, size, 0));
  ASSERT_NE(in, nullptr) << HostNN_GetLastErrorMessage();
  AippParam p = NewParam(1, HIAI_YUV420SP_U8, w, h);
  ASSERT_EQ(HMS_HiAIAippParam_SetCscConfig(p.get(), HIAI_YUV420SP_U8, HIAI_YUV400_U8, HIAI_JPEG), OH_NN_SUCCESS);
  HiAI_AippParam* params[] = {p.get()};
  ASSERT_EQ(HMS_HiAITensor_SetAippParams(in.get(), params, 1), OH_NN_SUCCESS);
  Desc od(OH_NNExecutor_CreateOutputTensorDesc(e.get(), 0));
  Tensor out(OH_NNTensor_Create(0, od.get()));
  NN_Tensor* ins[] = {in.get()};
  NN_Tensor* outs[] = {out.get()};
  ASSERT_EQ(OH_NNExecutor_RunSync(e.get(), ins, 1, outs, 1), OH_NN_SUCCESS) << HostNN_GetLastErrorMessage();
  const float* y = static_cast<const float*>(OH_NNTensor_GetDataBuffer(out.get()));
  for (int i = 0; i < w * h; ++i) ASSERT_EQ(y[i], img[i]) << "pixel " << i;  // YUV400 out = the Y plane
  in.reset();
  close(fd);
}

// ---------------------------------------------------------------- RunSync refusals
TEST(AippTest, BadCall_RunSyncRefusesAippTheModelOrTensorCannotTake) {
  SCOPED_TRACE(
      "BAD CALL - AIPP on a model without dynamic AIPP, over max_src_image_size, short tensor, destroyed "
      "param, output not the model input, rotation, wrong input index, no format");
  const int w = 32, h = 32;
  const std::vector<uint8_t> img = RandomBytes(w * h * 3, 8);
  auto rgbParam = [&]() { return NewParam(1, HIAI_RGB888_U8, w, h); };
  auto expectRefused = [](const RunResult& r, OH_NN_ReturnCode code, const std::string& text) {
    EXPECT_EQ(r.rc, code) << r.error;
    EXPECT_NE(r.error.find(text), std::string::npos) << "got: " << r.error << "\nwanted: " << text;
  };
  const std::string model = IdentityModel({1, 3, h, w});
  {
    AippParam p = rgbParam();
    expectRefused(RunAipp(IdentityModel({1, 3, h, w}, "", ""), p.get(), img, HIAI_RGB888_U8, w, h),
                  OH_NN_INVALID_PARAMETER,
                  "RunSync: input 0 ('x'): the tensor carries AIPP params (HMS_HiAITensor_SetAippParams) but the model "
                  "takes no dynamic AIPP");
    expectRefused(RunAipp(IdentityModel({1, 3, h, w}, "static", ""), p.get(), img, HIAI_RGB888_U8, w, h),
                  OH_NN_INVALID_PARAMETER, "takes no dynamic AIPP");
    expectRefused(RunAipp(IdentityModel({1, 3, h, w}, "dynamic", "3071"), p.get(), img, HIAI_RGB888_U8, w, h),
                  OH_NN_INVALID_PARAMETER,
                  "the 32x32 RGB888_U8 source image is 3072 bytes, over the model's max_src_image_size of 3071 (ONNX "
                  "metadata hiai.aipp.max_src_image_size)");
    expectRefused(RunAipp(IdentityModel({1, 3, h, w}, "dynamic", "3072"), p.get(), img, HIAI_RGB888_U8, w, h, 1, 3000),
                  OH_NN_INVALID_PARAMETER, "the tensor holds 3000 bytes, below the 3072 of 1 32x32 RGB888_U8 image(s)");
    expectRefused(RunAipp(IdentityModel({1, 3, 16, 16}), p.get(), img, HIAI_RGB888_U8, w, h), OH_NN_INVALID_PARAMETER,
                  "the AIPP output (batch 0: 1 image(s) of 3 channel(s), 32x32 after crop/resize/padding) does not fit "
                  "the model input [1,3,16,16]");
    expectRefused(RunAipp(IdentityModel({1, 4, h, w}), p.get(), img, HIAI_RGB888_U8, w, h), OH_NN_INVALID_PARAMETER,
                  "does not fit the model input [1,4,32,32]");
    ASSERT_EQ(HMS_HiAIAippParam_SetRotationAngle(p.get(), 0, 180.f), OH_NN_SUCCESS);
    expectRefused(RunAipp(model, p.get(), img, HIAI_RGB888_U8, w, h), OH_NN_INVALID_PARAMETER,
                  "rotation 180 (HMS_HiAIAippParam_SetRotationAngle, batch 0): AIPP rotates only in static");
    ASSERT_EQ(HMS_HiAIAippParam_SetRotationAngle(p.get(), 0, 0.f), OH_NN_SUCCESS);
    ASSERT_EQ(HMS_HiAIAippParam_SetInputIndex(p.get(), 1), OH_NN_SUCCESS);
    expectRefused(RunAipp(model, p.get(), img, HIAI_RGB888_U8, w, h), OH_NN_INVALID_PARAMETER,
                  "the AIPP param is for input 1 (HMS_HiAIAippParam_SetInputIndex)");
  }
  {
    AippParam p(HMS_HiAIAippParam_Create(1));
    expectRefused(RunAipp(model, p.get(), img, HIAI_RGB888_U8, w, h), OH_NN_INVALID_PARAMETER,
                  "no input format (HMS_HiAIAippParam_SetInputFormat)");
  }
  {  // the tensor keeps the pointer: destroying the param first is caught at RunSync, not read
    Executor e;
    ASSERT_EQ(BuildModel(model, &e), OH_NN_SUCCESS);
    Desc d = MakeDesc(OH_NN_UINT8, {1, 1, h, w});
    Tensor in(OH_NNTensor_CreateWithSize(0, d.get(), img.size()));
    HiAI_AippParam* raw = HMS_HiAIAippParam_Create(1);
    HMS_HiAIAippParam_SetInputFormat(raw, HIAI_RGB888_U8);
    HMS_HiAIAippParam_SetInputShape(raw, w, h);
    HiAI_AippParam* params[] = {raw};
    ASSERT_EQ(HMS_HiAITensor_SetAippParams(in.get(), params, 1), OH_NN_SUCCESS);
    HMS_HiAIAippParam_Destroy(&raw);
    AippParam reused = rgbParam();  // may take the freed address: the serial still tells them apart
    Desc od(OH_NNExecutor_CreateOutputTensorDesc(e.get(), 0));
    Tensor out(OH_NNTensor_Create(0, od.get()));
    NN_Tensor* ins[] = {in.get()};
    NN_Tensor* outs[] = {out.get()};
    EXPECT_EQ(OH_NNExecutor_RunSync(e.get(), ins, 1, outs, 1), OH_NN_INVALID_PARAMETER);
    EXPECT_NE(std::string(HostNN_GetLastErrorMessage())
                  .find("its HiAI_AippParam was destroyed after HMS_HiAITensor_SetAippParams"),
              std::string::npos)
        << HostNN_GetLastErrorMessage();
  }
}

TEST(AippTest, BadCall_MalformedAippMetadataFailsBuild) {
  SCOPED_TRACE("BAD CALL - hiai.aipp.mode / hiai.aipp.max_src_image_size that are not a valid declaration");
  const std::vector<std::tuple<std::string, std::string, std::string>> cases = {
      {"dynamc", "", "metadata hiai.aipp.mode is 'dynamc' (expected 'dynamic' or 'static')"},
      {"dynamic", "", "metadata hiai.aipp.mode 'dynamic' needs hiai.aipp.max_src_image_size"},
      {"dynamic", "12ab", "metadata hiai.aipp.max_src_image_size is '12ab' (expected a decimal byte count"},
      {"dynamic", "0", "is '0' (expected"},
      {"dynamic", "4294967296", "is '4294967296' (expected"},
      {"", "1000", "metadata hiai.aipp.max_src_image_size is only for hiai.aipp.mode 'dynamic'"}};
  for (const auto& [mode, size, text] : cases) {
    std::string err;
    EXPECT_EQ(BuildModel(IdentityModel({1, 3, 16, 16}, mode, size), nullptr, &err), OH_NN_INVALID_FILE) << text;
    EXPECT_NE(err.find(text), std::string::npos) << "got: " << err << "\nwanted: " << text;
  }
}
