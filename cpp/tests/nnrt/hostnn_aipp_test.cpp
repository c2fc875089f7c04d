// The engine's AIPP path and fd I/O over the real host runtime (cpp/hostnn emulates the CANN Kit AIPP): a tiny ONNX
// classifier (GlobalAveragePool → Flatten → Gemm) that declares dynamic AIPP in its metadata, as a dynamic-AIPP .om
// does, classified from NV21 / NV12 / RGB / RGBA / BGRA frames through AIPP and through the CPU pre-processing.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "core/yuv.h"
#include "hostnn/hostnn.h"
#include "nnrt/inference_session.h"
#include "test_util.h"

namespace npulens {
namespace {

constexpr uint64_t kMaxSrc = 1920 * 1080 * 4;

std::vector<uint8_t> TinyModel(bool declaresAipp, int side = 16) {
  if (!declaresAipp) return nnrt_test::TinyModel(side);
  // What a dynamic-AIPP .om says about itself (cpp/hostnn/README.md).
  return nnrt_test::TinyModel(
      side, {{"hiai.aipp.mode", "dynamic"}, {"hiai.aipp.max_src_image_size", std::to_string(kMaxSrc)}});
}

SessionConfig Config(Preprocessing preprocessing, int side = 16) {
  SessionConfig c;
  c.modelId = "tiny-aipp";
  c.input.name = "input";
  c.input.width = c.input.height = side;
  for (int i = 0; i < 3; ++i) c.input.mean[i] = 127.5f, c.input.std[i] = 127.5f;
  c.output.name = "logits";
  c.output.classes = 5;
  c.labels = {"red", "green", "blue", "bright", "dark"};
  c.aipp.mode = AippMode::kDynamic;
  c.aipp.maxSrcImageSize = kMaxSrc;
  c.aipp.formats = {"NV21", "NV12", "RGBA", "BGRA", "RGB"};
  c.preprocessing = preprocessing;
  return c;
}

// A solid-colour frame in `format` (YUV through core's encoder, the camera's colour space).
struct Frame {
  std::vector<uint8_t> bytes;
  ImageView view;
  Frame(PixelFormat format, uint8_t r, uint8_t g, uint8_t b, int w = 64, int h = 48) {
    std::vector<uint8_t> rgba;
    for (int i = 0; i < w * h; ++i) rgba.insert(rgba.end(), {r, g, b, 255});
    const ImageView rgbaView{rgba.data(), rgba.size(), w, h, static_cast<size_t>(w) * 4, PixelFormat::kRGBA8};
    if (IsYuv420sp(format)) {
      Result<std::vector<uint8_t>> yuv = EncodeYuv420sp(rgbaView, format, static_cast<size_t>(w));
      EXPECT_TRUE(yuv.ok()) << yuv.status().ToString();
      bytes = yuv.value();
    } else if (format == PixelFormat::kRGB8) {
      for (int i = 0; i < w * h; ++i) bytes.insert(bytes.end(), {r, g, b});
    } else if (format == PixelFormat::kBGRA8) {
      for (int i = 0; i < w * h; ++i) bytes.insert(bytes.end(), {b, g, r, 255});
    } else {
      bytes = rgba;
    }
    view = {bytes.data(), bytes.size(), w, h, RowBytes(format, w), format};
  }
};

std::unique_ptr<InferenceSession> LoadOk(std::vector<uint8_t> model, SessionConfig c) {
  Result<std::unique_ptr<InferenceSession>> s = InferenceSession::Load(std::move(model), std::move(c));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s.value()) : nullptr;
}

std::vector<float> Scores(const Classification& c) {
  std::vector<float> s(5, 0.f);
  for (const Prediction& p : c.top) s[p.index] = p.score;
  return s;
}

class HostnnAippTest : public ::testing::Test {
 protected:
  void SetUp() override { HostNN_ResetTestDevices(); }
  void TearDown() override { HostNN_ResetTestDevices(); }
};

TEST_F(HostnnAippTest, TheAippPathAgreesWithTheCpuPathForEveryFormat) {
  auto aipp = LoadOk(TinyModel(true), Config(Preprocessing::kAuto));
  auto cpu = LoadOk(TinyModel(true), Config(Preprocessing::kCpu));
  ASSERT_TRUE(aipp && cpu);
  ASSERT_EQ(aipp->Info()->preprocessing, Preprocessing::kAipp);
  const struct {
    uint8_t r, g, b;
    const char* label;
  } colours[] = {{230, 20, 20, "red"}, {20, 230, 20, "green"}, {20, 20, 230, "blue"}, {10, 10, 10, "dark"}};
  for (PixelFormat format :
       {PixelFormat::kNV21, PixelFormat::kNV12, PixelFormat::kRGB8, PixelFormat::kRGBA8, PixelFormat::kBGRA8}) {
    // YUV: core's CSC rounds the /256 of the matrix, the host AIPP floors it (the guide's >> 8): up to one level per
    // channel, 1/127.5 of the normalised input, a few thousandths of a probability. RGB: fp16 DTC only.
    const double tolerance = IsYuv420sp(format) ? 1e-2 : 2e-3;
    for (const auto& c : colours) {
      SCOPED_TRACE(std::string(PixelFormatName(format)) + " " + c.label);
      Frame f(format, c.r, c.g, c.b);
      for (IoMode mode : {IoMode::kZeroCopy, IoMode::kCopy}) {
        Result<Classification> a = aipp->Classify(f.view, 5, mode);
        Result<Classification> b = cpu->Classify(f.view, 5, mode);
        ASSERT_TRUE(a.ok()) << a.status().ToString();
        ASSERT_TRUE(b.ok()) << b.status().ToString();
        EXPECT_EQ(a->top[0].label, c.label);
        EXPECT_EQ(b->top[0].label, c.label);
        const std::vector<float> sa = Scores(a.value()), sb = Scores(b.value());
        for (size_t k = 0; k < 5; ++k) EXPECT_NEAR(sa[k], sb[k], tolerance) << "class " << k;
        EXPECT_EQ(a->timings.preprocessMs, 0);
        EXPECT_EQ(a->timings.cpuBytesIn, 2 * f.bytes.size());
      }
    }
  }
}

TEST_F(HostnnAippTest, AShrinkSealedMemfdFrameRunsWithoutACpuPass) {
  // A 1080p camera frame for a 128x128 model: AIPP's resize ratio is at most 16 per axis (1920 / 128 = 15).
  auto s = LoadOk(TinyModel(true, 128), Config(Preprocessing::kAipp, 128));
  ASSERT_TRUE(s);
  Frame f(PixelFormat::kNV21, 20, 20, 230, 1920, 1080);
  const int fd = memfd_create("camera_frame", MFD_ALLOW_SEALING);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(pwrite(fd, f.bytes.data(), f.bytes.size(), 0), static_cast<ssize_t>(f.bytes.size()));
  ASSERT_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
  ImageView layout = f.view;
  layout.data = nullptr;
  Result<Classification> viaFd = s->ClassifyFd(fd, 0, f.bytes.size(), layout, 5);
  ASSERT_TRUE(viaFd.ok()) << viaFd.status().ToString();
  EXPECT_EQ(viaFd->top[0].label, "blue");
  EXPECT_EQ(viaFd->timings.cpuBytesIn, 0u);
  EXPECT_EQ(viaFd->timings.frameCopyMs, 0);
  Result<Classification> copied = s->Classify(f.view, 5);
  ASSERT_TRUE(copied.ok());
  EXPECT_EQ(Scores(viaFd.value()), Scores(copied.value()));  // the same bytes reach AIPP either way
  EXPECT_EQ(copied->timings.cpuBytesIn, 2 * f.bytes.size());
  s->Release();
  close(fd);
}

TEST_F(HostnnAippTest, FramesAippCannotTakeAreResizedOnTheCpuAndAgreeWithTheCpuPath) {
  // The runtime's AIPP takes only the CPU-resized RGB888 image for these (the host emulation enforces the model's
  // max_src_image_size and the guide's limits as the phone's does), so each result shows the engine fed it that.
  const struct {
    int side;
    std::vector<std::string> formats;
    PixelFormat format;
    int w, h;
    const char* why;
  } cases[] = {
      {16, {"NV21", "RGB"}, PixelFormat::kRGBA8, 64, 48, "does not take RGBA"},
      {16, {"NV21", "NV12", "RGBA", "RGB"}, PixelFormat::kNV21, 640, 480, "at most 16x"},
      {128, {"NV21", "NV12", "RGBA", "RGB"}, PixelFormat::kRGBA8, 2048, 1088, "over the model's AIPP limit"},
  };
  const struct {
    uint8_t r, g, b;
    const char* label;
  } colours[] = {{230, 20, 20, "red"}, {20, 230, 20, "green"}, {20, 20, 230, "blue"}, {10, 10, 10, "dark"}};
  for (const auto& k : cases) {
    SessionConfig ac = Config(Preprocessing::kAuto, k.side), cc = Config(Preprocessing::kCpu, k.side);
    ac.aipp.formats = k.formats;
    auto aipp = LoadOk(TinyModel(true, k.side), ac);
    auto cpu = LoadOk(TinyModel(true, k.side), cc);
    ASSERT_TRUE(aipp && cpu);
    for (const auto& c : colours) {
      SCOPED_TRACE(std::string(k.why) + " " + c.label);
      Frame f(k.format, c.r, c.g, c.b, k.w, k.h);
      Result<Classification> a = aipp->Classify(f.view, 5);
      Result<Classification> b = cpu->Classify(f.view, 5);
      ASSERT_TRUE(a.ok()) << a.status().ToString();
      ASSERT_TRUE(b.ok()) << b.status().ToString();
      EXPECT_EQ(a->aippFeed, AippFeed::kCpuResized);
      EXPECT_NE(a->aippFeedReason.find(k.why), std::string::npos) << a->aippFeedReason;
      EXPECT_EQ(a->top[0].label, c.label);
      EXPECT_EQ(b->top[0].label, c.label);
      // The resized pixels are rounded to uint8 and the DTC to fp16: within 1e-2 of the CPU path's float scores.
      const std::vector<float> sa = Scores(a.value()), sb = Scores(b.value());
      for (size_t i = 0; i < 5; ++i) EXPECT_NEAR(sa[i], sb[i], 1e-2) << "class " << i;
      const size_t side = static_cast<size_t>(k.side);
      EXPECT_EQ(a->timings.cpuBytesIn, f.bytes.size() + side * side * 3);
      EXPECT_EQ(a->timings.frameCopyMs, 0);
    }
  }
}

TEST_F(HostnnAippTest, ARotatedCameraFrameReachesTheModelUprightOnBothPaths) {
  // An NV21 frame whose top-left quadrant is red, the rest dark, turned 90° clockwise: the model's input has the red
  // in its top-right corner on the AIPP path (the runtime's AIPP takes the CPU-turned RGB888) and on the CPU path.
  const int w = 64, h = 48;
  std::vector<uint8_t> rgba;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const bool red = x < w / 2 && y < h / 2;
      rgba.insert(rgba.end(), {static_cast<uint8_t>(red ? 230 : 10), 10, 10, 255});
    }
  }
  const ImageView rgbaView{rgba.data(), rgba.size(), w, h, static_cast<size_t>(w) * 4, PixelFormat::kRGBA8};
  Result<std::vector<uint8_t>> nv21 = EncodeYuv420sp(rgbaView, PixelFormat::kNV21, static_cast<size_t>(w));
  ASSERT_TRUE(nv21.ok()) << nv21.status().ToString();
  ImageView frame{nv21->data(), nv21->size(), w, h, static_cast<size_t>(w), PixelFormat::kNV21};
  frame.rotation = 90;
  SessionConfig ac = Config(Preprocessing::kAuto), cc = Config(Preprocessing::kCpu);
  ac.aipp.formats = {"NV21", "RGB"};
  auto aipp = LoadOk(TinyModel(true), ac);
  auto cpu = LoadOk(TinyModel(true), cc);
  ASSERT_TRUE(aipp && cpu);
  Result<Classification> a = aipp->Classify(frame, 5);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->aippFeed, AippFeed::kCpuResized);
  EXPECT_NE(a->aippFeedReason.find("dynamic AIPP cannot rotate"), std::string::npos) << a->aippFeedReason;
  Result<Inspection> ai = aipp->Inspect(frame);
  Result<Inspection> ci = cpu->Inspect(frame);
  ASSERT_TRUE(ai.ok() && ci.ok());
  const int side = 16;
  // AIPP input: RGB888 HWC; CPU input: float32 NCHW. Red of the top-right and bottom-left pixels.
  auto aippRed = [&](int x, int y) { return static_cast<int>(ai->input[(static_cast<size_t>(y) * side + x) * 3]); };
  auto cpuRed = [&](int x, int y) {
    float v;
    std::memcpy(&v, ci->input.data() + (static_cast<size_t>(y) * side + x) * sizeof(float), sizeof(float));
    return v;
  };
  EXPECT_GT(aippRed(side - 1, 0), 200);
  EXPECT_LT(aippRed(0, side - 1), 40);
  EXPECT_LT(aippRed(0, 0), 40);  // the top-left is the frame's bottom-left, dark
  EXPECT_GT(cpuRed(side - 1, 0), cpuRed(0, 0) + 1.0f);
  EXPECT_GT(cpuRed(side - 1, 0), cpuRed(0, side - 1) + 1.0f);
  for (size_t i = 0; i < 5; ++i) EXPECT_NEAR(ai->probabilities[i], ci->probabilities[i], 1e-2) << "class " << i;
}

TEST_F(HostnnAippTest, BadCallAFrameAippCannotTakeOnATargetWithoutRgb) {
  SessionConfig c = Config(Preprocessing::kAuto);
  c.aipp.formats = {"NV21", "NV12", "RGBA"};
  auto s = LoadOk(TinyModel(true), c);
  ASSERT_TRUE(s);
  Frame f(PixelFormat::kNV21, 20, 20, 230, 640, 480);  // 420 -> 16: over 16x
  Result<Classification> r = s->Classify(f.view, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(),
            "aipp.config: NPULENS_OUT_OF_RANGE (1001): AIPP resizes by at most 16x per axis; the NV21 640x480 frame's "
            "crop 640x480 would go to 16x16: and aipp.formats lists no RGB for the CPU to resize the frame to");
}

TEST_F(HostnnAippTest, BadCallAippOnAModelThatDoesNotDeclareIt) {
  // The manifest claims dynamic AIPP; the model file has none (e.g. a plain .om): the runtime refuses the params.
  auto s = LoadOk(TinyModel(false), Config(Preprocessing::kAipp));
  ASSERT_TRUE(s);
  Frame f(PixelFormat::kNV21, 230, 20, 20);
  Result<Classification> r = s->Classify(f.view, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().step(), "run.sync");
  EXPECT_EQ(r.status().code(), code::kNnInvalidParameter);
  EXPECT_NE(r.status().message().find("AIPP"), std::string::npos) << r.status().message();
  // The CPU path of the same model still works.
  auto cpu = LoadOk(TinyModel(false), Config(Preprocessing::kCpu));
  ASSERT_TRUE(cpu);
  EXPECT_TRUE(cpu->Classify(f.view, 1).ok());
}

}  // namespace
}  // namespace npulens
