// The engine's AIPP path and fd I/O over the recording fake: what the session resolves and why, the
// HiAI_AippParam contents per source format, tensor sizes, recreation only on a source change, destroy order
// (tensor before its params, fd tensors before their memory), fd-wrapped frames without a CPU pass, fd-backed
// outputs of the guide's size, and bad frames (steps "aipp.config", "aipp.tensor", "classify.fd").
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <gtest/gtest.h>

#include "fake_nnrt.h"
#include "nnrt/inference_session.h"

namespace npulens {
namespace {

using fake_nnrt::CountOf;
using fake_nnrt::IndexOf;

std::vector<uint8_t> Model() { return std::vector<uint8_t>(64, 0x5a); }

std::vector<uint8_t> FloatBytes(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

// A 128x128 model (AIPP resizes to 16..448, by at most 16x per axis) whose target declares dynamic AIPP.
SessionConfig AippConfig() {
  SessionConfig c = fake_nnrt::MatchingConfig();
  c.input.width = c.input.height = 128;
  c.input.mean[0] = 123.675f, c.input.mean[1] = 116.28f, c.input.mean[2] = 103.53f;
  c.input.std[0] = 58.395f, c.input.std[1] = 57.12f, c.input.std[2] = 57.375f;
  c.input.centerCrop = 0.875f;
  c.aipp.mode = AippMode::kDynamic;
  c.aipp.maxSrcImageSize = 1920 * 1080 * 4;
  c.aipp.formats = {"NV21", "NV12", "RGBA", "BGRA", "RGB"};
  return c;
}

// A frame of `format` with a recognisable byte pattern; stride = the packed row bytes + pad.
struct Frame {
  std::vector<uint8_t> bytes;
  ImageView view;
  Frame(PixelFormat format, int w, int h, size_t pad = 0) {
    const size_t stride = RowBytes(format, w) + pad;
    bytes.resize(stride * RowCount(format, h));
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 31 + 7);
    view = {bytes.data(), bytes.size(), w, h, stride, format};
  }
  // The rows without their padding, as the AIPP tensor holds them.
  std::vector<uint8_t> Packed() const {
    const size_t rowBytes = RowBytes(view.format, view.width);
    std::vector<uint8_t> out;
    for (size_t r = 0; r < RowCount(view.format, view.height); ++r) {
      out.insert(out.end(), bytes.begin() + r * view.rowStride, bytes.begin() + r * view.rowStride + rowBytes);
    }
    return out;
  }
};

// A memfd holding `data` at `offset`, sealed against shrinking as the Node API requires; closed by the test.
int MemfdWith(const std::vector<uint8_t>& data, size_t offset = 0) {
  const int fd = memfd_create("aipp_session_test", MFD_ALLOW_SEALING);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(ftruncate(fd, static_cast<off_t>(offset + data.size())), 0);
  EXPECT_EQ(pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset)), static_cast<ssize_t>(data.size()));
  EXPECT_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK), 0);
  return fd;
}

class AippSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_nnrt::Reset();
    fake_nnrt::SetModel({{"input", OH_NN_FLOAT32, {1, 3, 128, 128}, OH_NN_FORMAT_NCHW}},
                        {{"logits", OH_NN_FLOAT32, {1, 5}, OH_NN_FORMAT_ND}});
    fake_nnrt::SetOutputBytes(FloatBytes({0.5f, 1.0f, 4.0f, 2.0f, 3.0f}));
  }
  void TearDown() override {
    EXPECT_TRUE(fake_nnrt::Violations().empty()) << fake_nnrt::Violations().front();
    EXPECT_EQ(fake_nnrt::LiveHandles(), 0) << "leaked NNRt / CANN handles";
  }
  std::unique_ptr<InferenceSession> LoadOk(SessionConfig c = AippConfig()) {
    auto r = InferenceSession::Load(Model(), std::move(c));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r.value()) : nullptr;
  }
  // The AIPP setter calls logged since `from`, without the params handle: "SetCropConfig(0, 110, 30, 420, 420)".
  static std::vector<std::string> AippCalls(int from = 0) {
    std::vector<std::string> out;
    const auto& calls = fake_nnrt::Calls();
    for (size_t i = static_cast<size_t>(from); i < calls.size(); ++i) {
      const std::string prefix = "HMS_HiAIAippParam_Set";
      if (calls[i].compare(0, prefix.size(), prefix) != 0) continue;
      const std::string name = calls[i].substr(std::strlen("HMS_HiAIAippParam_"));
      const size_t open = name.find('('), comma = name.find(", ");
      out.push_back(name.substr(0, open + 1) + (comma == std::string::npos ? ")" : name.substr(comma + 2)));
    }
    return out;
  }
};

TEST_F(AippSessionTest, PreprocessingResolvesAgainstTheTargetAndSaysWhy) {
  {
    auto s = LoadOk();  // auto + dynamic
    Result<SessionInfo> info = s->Info();
    EXPECT_EQ(info->preprocessing, Preprocessing::kAipp);
    EXPECT_EQ(info->preprocessingReason,
              "auto: the target declares dynamic AIPP (formats NV21, NV12, RGBA, BGRA, RGB; sources up to 8294400 "
              "bytes)");
    EXPECT_EQ(info->aipp.mode, AippMode::kDynamic);
    EXPECT_EQ(info->aipp.formats.size(), 5u);
  }
  SessionConfig none = AippConfig();
  none.aipp = AippSpec();
  {
    auto s = LoadOk(none);
    EXPECT_EQ(s->Info()->preprocessing, Preprocessing::kCpu);
    EXPECT_EQ(s->Info()->preprocessingReason, "auto: the target's AIPP is \"none\"");
  }
  SessionConfig cpu = AippConfig();
  cpu.preprocessing = Preprocessing::kCpu;
  {
    auto s = LoadOk(cpu);
    EXPECT_EQ(s->Info()->preprocessing, Preprocessing::kCpu);
    EXPECT_EQ(s->Info()->preprocessingReason.rfind("cpu requested; the target declares dynamic AIPP", 0), 0u);
    Frame f(PixelFormat::kRGBA8, 40, 30);
    ASSERT_TRUE(s->Classify(f.view, 1).ok());
    EXPECT_EQ(CountOf("HMS_HiAIAippParam_Create"), 0);  // the CPU path never configures AIPP
  }
  EXPECT_STREQ(PreprocessingName(Preprocessing::kAuto), "auto");
  EXPECT_STREQ(PreprocessingName(Preprocessing::kAipp), "aipp");
}

TEST_F(AippSessionTest, BadCallAippRequestedOnATargetWithoutDynamicAipp) {
  for (AippMode mode : {AippMode::kNone, AippMode::kStatic}) {
    SessionConfig c = AippConfig();
    c.aipp.mode = mode;
    c.preprocessing = Preprocessing::kAipp;
    auto r = InferenceSession::Load(Model(), c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().step(), "session.config");
    EXPECT_EQ(r.status().code(), code::kUnsupported);
    EXPECT_EQ(
        r.status().message().rfind("preprocessing \"aipp\" needs a target with dynamic AIPP; the target's AIPP is", 0),
        0u)
        << r.status().message();
  }
  EXPECT_EQ(CountOf("OH_NNCompilation_ConstructWithOfflineModelBuffer"), 0);  // refused before any NNRt call
}

TEST_F(AippSessionTest, BadCallDynamicAippWithAModelInputOutsideTheResizeRange) {
  fake_nnrt::SetModel({{"input", OH_NN_FLOAT32, {1, 3, 8, 8}, OH_NN_FORMAT_NCHW}},
                      {{"logits", OH_NN_FLOAT32, {1, 5}, OH_NN_FORMAT_ND}});
  SessionConfig c = AippConfig();
  c.input.width = c.input.height = 8;
  auto r = InferenceSession::Load(Model(), c);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(),
            "session.config: NPULENS_OUT_OF_RANGE (1001): AIPP resizes to 16..448 per side; the model input is 8x8");
}

TEST_F(AippSessionTest, ParamsFollowTheInputSpecForEverySourceFormat) {
  struct Case {
    PixelFormat format;
    ColorOrder order;
    std::vector<std::string> expected;  // format, swap (and CSC) lines
  };
  const std::vector<Case> cases = {
      {PixelFormat::kNV21,
       ColorOrder::kRGB,
       {"SetInputFormat(0)", "SetCscConfig(0, 7, 0)", "SetChannelSwapConfig(true, false)"}},
      {PixelFormat::kNV12,
       ColorOrder::kRGB,
       {"SetInputFormat(0)", "SetCscConfig(0, 7, 0)", "SetChannelSwapConfig(false, false)"}},
      {PixelFormat::kNV21,
       ColorOrder::kBGR,
       {"SetInputFormat(0)", "SetCscConfig(0, 8, 0)", "SetChannelSwapConfig(true, false)"}},
      {PixelFormat::kRGBA8, ColorOrder::kRGB, {"SetInputFormat(1)", "SetChannelSwapConfig(false, true)"}},
      {PixelFormat::kRGBA8, ColorOrder::kBGR, {"SetInputFormat(1)", "SetChannelSwapConfig(true, true)"}},
      {PixelFormat::kBGRA8, ColorOrder::kRGB, {"SetInputFormat(1)", "SetChannelSwapConfig(true, true)"}},
      {PixelFormat::kBGRA8, ColorOrder::kBGR, {"SetInputFormat(1)", "SetChannelSwapConfig(false, true)"}},
      {PixelFormat::kRGB8, ColorOrder::kRGB, {"SetInputFormat(7)", "SetChannelSwapConfig(false, false)"}},
      {PixelFormat::kRGB8, ColorOrder::kBGR, {"SetInputFormat(7)", "SetChannelSwapConfig(true, false)"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(PixelFormatName(c.format)) + (c.order == ColorOrder::kBGR ? " -> BGR" : " -> RGB"));
    SessionConfig config = AippConfig();
    config.input.colorOrder = c.order;
    auto s = LoadOk(config);
    ASSERT_NE(s, nullptr);
    const int from = static_cast<int>(fake_nnrt::Calls().size());
    Frame f(c.format, 640, 480);
    Result<Classification> r = s->Classify(f.view, 2);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    // centre crop 0.875 of the 480 side: 420, centred at (110, 30); resize to the model's 128x128; DTC from mean/std.
    std::vector<std::string> expected = {"SetInputIndex()", c.expected[0], "SetInputShape(640, 480)",
                                         "SetCropConfig(0, 110, 30, 420, 420)"};
    for (size_t i = 1; i < c.expected.size(); ++i) expected.push_back(c.expected[i]);
    const std::vector<std::string> dtc = {"SetResizeConfig(0, 128, 128)", "SetDtcMeanPixel(0, 123, 116, 103)",
                                          "SetDtcMinPixel(0, 0.675003, 0.279999, 0.529999)",
                                          "SetDtcVarReciPixel(0, 0.0171248, 0.017507, 0.0174292)"};
    expected.insert(expected.end(), dtc.begin(), dtc.end());
    std::vector<std::string> got = AippCalls(from);
    got[0] = "SetInputIndex()";  // SetInputIndex(p, 0): the index alone
    EXPECT_EQ(got, expected);
    // The AIPP tensor: the source desc (uint8, NCHW, its rows) sized by GetSizeWithImageFormat, the frame in it.
    const size_t bytes = f.bytes.size();
    EXPECT_GE(IndexOf("HMS_HiAITensor_GetSizeWithImageFormat", from), 0);
    EXPECT_GE(IndexOf("OH_NNTensor_CreateWithSize(1, d", from), 0);
    EXPECT_NE(
        fake_nnrt::Calls()[IndexOf("OH_NNTensor_CreateWithSize(1, d", from)].find(", " + std::to_string(bytes) + ")"),
        std::string::npos);
    EXPECT_GE(IndexOf("HMS_HiAITensor_SetAippParams(", from), 0);
    EXPECT_EQ(fake_nnrt::LastRunInput(), f.bytes);
    const StageTimings& t = r->timings;
    EXPECT_EQ(t.preprocessMs, 0);
    EXPECT_EQ(t.cpuBytesIn, 2 * bytes);  // the frame copy: read and written
    EXPECT_GE(t.frameCopyMs, 0);
    EXPECT_EQ(r->top[0].index, 2u);
  }
}

TEST_F(AippSessionTest, TheSourceIsRecreatedOnlyWhenItChangesAndTensorsGoBeforeTheirParams) {
  auto s = LoadOk();
  Frame a(PixelFormat::kNV21, 64, 48), b(PixelFormat::kNV21, 64, 48), c(PixelFormat::kRGBA8, 64, 48);
  ASSERT_TRUE(s->Classify(a.view, 1).ok());
  ASSERT_TRUE(s->Classify(b.view, 1).ok());
  EXPECT_EQ(CountOf("HMS_HiAIAippParam_Create"), 1);
  EXPECT_EQ(CountOf("OH_NNTensor_CreateWithSize"), 1);
  EXPECT_EQ(CountOf("HMS_HiAIAippParam_SetCropConfig"), 1);
  const int change = static_cast<int>(fake_nnrt::Calls().size());
  ASSERT_TRUE(s->Classify(c.view, 1).ok());
  EXPECT_EQ(CountOf("HMS_HiAIAippParam_Create"), 2);
  // The old source: its tensor destroyed, then its params, before the new params are made.
  const int tensorGone = IndexOf("OH_NNTensor_Destroy", change);
  const int paramsGone = IndexOf("HMS_HiAIAippParam_Destroy", change);
  ASSERT_GE(tensorGone, 0);
  EXPECT_GT(paramsGone, tensorGone);
  EXPECT_GT(IndexOf("HMS_HiAIAippParam_Create", change), paramsGone);
  ASSERT_TRUE(s->Classify(c.view, 1).ok());
  EXPECT_EQ(CountOf("HMS_HiAIAippParam_Create"), 2);
  const int release = static_cast<int>(fake_nnrt::Calls().size());
  s->Release();
  EXPECT_GT(IndexOf("HMS_HiAIAippParam_Destroy", release), IndexOf("OH_NNTensor_Destroy", release));
  EXPECT_LT(IndexOf("HMS_HiAIAippParam_Destroy", release), IndexOf("OH_NNExecutor_Destroy", release));
}

TEST_F(AippSessionTest, AFdFrameIsWrappedWithoutACpuPass) {
  auto s = LoadOk();
  Frame f(PixelFormat::kNV21, 640, 480, 8);  // rows of 648 bytes: the padding becomes a wider source, cropped away
  const int fd = MemfdWith(f.bytes);
  ImageView layout = f.view;
  layout.data = nullptr;
  const int from = static_cast<int>(fake_nnrt::Calls().size());
  Result<Classification> r = s->ClassifyFd(fd, 0, f.bytes.size(), layout, 3);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->top[0].index, 2u);
  EXPECT_EQ(r->timings.frameCopyMs, 0);
  EXPECT_EQ(r->timings.preprocessMs, 0);
  EXPECT_EQ(r->timings.cpuBytesIn, 0u);
  std::vector<std::string> calls = AippCalls(from);
  ASSERT_GE(calls.size(), 4u);
  EXPECT_EQ(calls[2], "SetInputShape(648, 480)");
  EXPECT_EQ(calls[3], "SetCropConfig(0, 110, 30, 420, 420)");
  const int wrap = IndexOf("OH_NNTensor_CreateWithFd(1, d", from);
  ASSERT_GE(wrap, 0);
  EXPECT_NE(fake_nnrt::Calls()[wrap].find(", fd, " + std::to_string(f.bytes.size()) + ", 0)"), std::string::npos);
  ASSERT_FALSE(fake_nnrt::WrappedFds().empty());
  EXPECT_EQ(fake_nnrt::WrappedFds().back(), fd);
  EXPECT_EQ(CountOf("OH_NNTensor_CreateWithSize"), 0);  // no copy tensor
  EXPECT_EQ(fake_nnrt::LastRunInput(), f.bytes);        // the NPU read the fd's bytes
  // The wrapping tensor lives for the call only; the fd stays the caller's.
  const int run = IndexOf("OH_NNExecutor_RunSync", from);
  EXPECT_GT(IndexOf("OH_NNTensor_Destroy", run), run);
  EXPECT_NE(fcntl(fd, F_GETFD), -1);
  // The same source again: no new params.
  ASSERT_TRUE(s->ClassifyFd(fd, 0, f.bytes.size(), layout, 1).ok());
  EXPECT_EQ(CountOf("HMS_HiAIAippParam_Create"), 1);
  s->Release();
  close(fd);
}

TEST_F(AippSessionTest, AFdFrameAtAnOffsetIsReadOnceIntoTheAippTensor) {
  auto s = LoadOk();
  Frame f(PixelFormat::kNV12, 64, 48);
  const int fd = MemfdWith(f.bytes, 4096);
  ImageView layout = f.view;
  layout.data = nullptr;
  const int from = static_cast<int>(fake_nnrt::Calls().size());
  Result<Classification> r = s->ClassifyFd(fd, 4096, f.bytes.size(), layout, 1);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(IndexOf("OH_NNTensor_CreateWithFd(1, d", from), -1);
  EXPECT_EQ(CountOf("OH_NNTensor_CreateWithSize"), 1);
  EXPECT_EQ(fake_nnrt::LastRunInput(), f.bytes);
  EXPECT_EQ(r->timings.cpuBytesIn, 4 * f.bytes.size());  // pread (read + written), then the copy (read + written)
  s->Release();
  close(fd);
}

TEST_F(AippSessionTest, OnTheCpuPathAFdFrameIsReadOnceAndPreprocessed) {
  SessionConfig c = AippConfig();
  c.preprocessing = Preprocessing::kCpu;
  auto s = LoadOk(c);
  Frame f(PixelFormat::kRGBA8, 40, 30);
  const int fd = MemfdWith(f.bytes);
  ImageView layout = f.view;
  layout.data = nullptr;
  Result<Classification> viaFd = s->ClassifyFd(fd, 0, f.bytes.size(), layout, 5);
  ASSERT_TRUE(viaFd.ok()) << viaFd.status().ToString();
  const std::vector<uint8_t> fdInput = fake_nnrt::LastRunInput();
  ASSERT_TRUE(s->Classify(f.view, 5).ok());
  EXPECT_EQ(fake_nnrt::LastRunInput(), fdInput);  // the same pre-processed tensor as from memory
  EXPECT_EQ(viaFd->timings.cpuBytesIn, 2 * f.bytes.size() + f.bytes.size() + 3 * 128 * 128 * 4);
  s->Release();
  close(fd);
}

TEST_F(AippSessionTest, ZeroCopyOutputsAreFdBackedDeviceMemoryOfTheGuidesSize) {
  fake_nnrt::SetModel({{"input", OH_NN_FLOAT32, {1, 3, 128, 128}, OH_NN_FORMAT_NCHW}},
                      {{"logits", OH_NN_FLOAT32, {1, 1000}, OH_NN_FORMAT_ND}});
  SessionConfig c = AippConfig();
  c.output.classes = 1000;
  c.labels.clear();
  std::vector<float> scores(1000, 0.0f);
  scores[417] = 9.0f;
  fake_nnrt::SetOutputBytes(FloatBytes(scores));
  auto s = LoadOk(c);
  EXPECT_TRUE(s->Info()->fdOutputs);
  // 4000 bytes of output: ((4000 + 255) / 4096 + 1) x 4096 = 8192 bytes.
  const int wrap = IndexOf("OH_NNTensor_CreateWithFd(1, d");
  ASSERT_GE(wrap, 0);
  EXPECT_NE(fake_nnrt::Calls()[wrap].find(", fd, 8192, 0)"), std::string::npos) << fake_nnrt::Calls()[wrap];
  const int memory = fake_nnrt::WrappedFds().front();
  EXPECT_EQ(fcntl(memory, F_GET_SEALS) & F_SEAL_SHRINK, F_SEAL_SHRINK);  // a mapping of it can never fault
  const std::string fdTensor = fake_nnrt::Calls()[wrap].substr(fake_nnrt::Calls()[wrap].rfind(" = ") + 3);
  Frame f(PixelFormat::kNV21, 64, 48);
  for (IoMode mode : {IoMode::kZeroCopy, IoMode::kCopy}) {
    const int from = static_cast<int>(fake_nnrt::Calls().size());
    Result<Classification> r = s->Classify(f.view, 1, mode);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->top[0].index, 417u) << IoModeName(mode);
    const std::string& run = fake_nnrt::Calls()[IndexOf("OH_NNExecutor_RunSync", from)];
    EXPECT_EQ(run.find("out=" + fdTensor) != std::string::npos, mode == IoMode::kZeroCopy) << run;
  }
  const int release = static_cast<int>(fake_nnrt::Calls().size());
  s->Release();
  // The fd tensor is destroyed (the fake checks its memory is still open then), and the memory closed after it.
  EXPECT_GE(IndexOf("OH_NNTensor_Destroy(" + fdTensor + ")", release), 0);
  EXPECT_EQ(fcntl(memory, F_GETFD), -1);
}

// The frame cropped and resized to the model size as RGB888 uint8 HWC by core's Preprocessor (identity
// normalisation): what the AIPP input must hold when AIPP cannot take the frame as it is.
std::vector<uint8_t> CpuResized(const ImageView& frame, const InputSpec& model) {
  InputSpec spec;
  spec.width = model.width;
  spec.height = model.height;
  spec.layout = Layout::kNHWC;
  spec.dtype = DType::kUint8;
  spec.quant = QuantParams{1.0f, 0};
  spec.centerCrop = model.centerCrop;
  Result<Preprocessor> pre = Preprocessor::Create(spec);
  EXPECT_TRUE(pre.ok()) << pre.status().ToString();
  std::vector<uint8_t> out(pre->OutputBytes());
  const Status s = pre->Run(frame, out.data(), out.size());
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

TEST_F(AippSessionTest, FramesAippCannotTakeAreResizedOnTheCpuAndAippOnlyConvertsTheDataType) {
  SessionConfig c = AippConfig();
  c.aipp.formats = {"NV21", "RGB"};
  c.aipp.maxSrcImageSize = 1920 * 1080 * 3 / 2;
  const InputSpec model = c.input;
  auto s = LoadOk(c);
  ASSERT_NE(s, nullptr);
  struct Case {
    PixelFormat format;
    int width, height;
    const char* reason;
  };
  const std::vector<Case> cases = {
      {PixelFormat::kRGBA8, 64, 48, "the model's AIPP does not take RGBA frames (aipp.formats: NV21, RGB)"},
      {PixelFormat::kNV21, 1920, 1088,
       "the NV21 1920x1088 frame is 3133440 bytes, over the model's AIPP limit of 3110400 (aipp.maxSrcImageSize)"},
      {PixelFormat::kNV21, 4098, 16, "the NV21 4098x16 frame is outside AIPP's source sizes 16..4096 per side"},
      {PixelFormat::kNV21, 14, 14, "the NV21 14x14 frame is outside AIPP's source sizes 16..4096 per side"},
      {PixelFormat::kNV21, 4096, 2400,
       "AIPP resizes by at most 16x per axis; the NV21 4096x2400 frame's crop 2100x2100 would go to 128x128"},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.reason);
    const Frame frame(k.format, k.width, k.height);
    const int from = static_cast<int>(fake_nnrt::Calls().size());
    Result<Classification> r = s->Classify(frame.view, 2);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->aippFeed, AippFeed::kCpuResized);
    EXPECT_EQ(r->aippFeedReason, k.reason);
    // AIPP takes the model-size RGB888 image whole and only converts the data type (DTC from mean/std).
    const std::vector<std::string> expected = {"SetInputIndex()",
                                               "SetInputFormat(7)",
                                               "SetInputShape(128, 128)",
                                               "SetCropConfig(0, 0, 0, 128, 128)",
                                               "SetChannelSwapConfig(false, false)",
                                               "SetResizeConfig(0, 128, 128)",
                                               "SetDtcMeanPixel(0, 123, 116, 103)",
                                               "SetDtcMinPixel(0, 0.675003, 0.279999, 0.529999)",
                                               "SetDtcVarReciPixel(0, 0.0171248, 0.017507, 0.0174292)"};
    std::vector<std::string> got = AippCalls(from);
    if (&k == &cases[0]) {  // the first fallback makes the source; the next ones reuse it
      ASSERT_FALSE(got.empty());
      got[0] = "SetInputIndex()";
      EXPECT_EQ(got, expected);
    } else {
      EXPECT_TRUE(got.empty());
    }
    EXPECT_EQ(fake_nnrt::LastRunInput(), CpuResized(frame.view, model));
    EXPECT_EQ(fake_nnrt::LastRunInput().size(), 128u * 128u * 3u);
    const StageTimings& t = r->timings;
    EXPECT_GT(t.preprocessMs, 0);
    EXPECT_EQ(t.frameCopyMs, 0);
    EXPECT_EQ(t.cpuBytesIn, frame.bytes.size() + 128u * 128u * 3u);  // the frame read, the AIPP input written
    EXPECT_EQ(r->top[0].index, 2u);
  }
  EXPECT_EQ(CountOf("HMS_HiAIAippParam_Create"), 1);
  // A frame AIPP takes goes to it as it is (a new source); an fd frame over the limit is read once and resized.
  Frame camera(PixelFormat::kNV21, 640, 480);
  Result<Classification> r = s->Classify(camera.view, 1);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->aippFeed, AippFeed::kFrame);
  EXPECT_EQ(r->aippFeedReason, "");
  EXPECT_EQ(fake_nnrt::LastRunInput(), camera.bytes);
  Frame big(PixelFormat::kNV21, 1920, 1088);
  const int fd = MemfdWith(big.bytes);
  ImageView layout = big.view;
  layout.data = nullptr;
  const int beforeFd = static_cast<int>(fake_nnrt::Calls().size());
  r = s->ClassifyFd(fd, 0, big.bytes.size(), layout, 1);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->aippFeed, AippFeed::kCpuResized);
  EXPECT_LT(IndexOf("OH_NNTensor_CreateWithFd", beforeFd), 0);  // not wrapped: AIPP cannot take it
  EXPECT_EQ(fake_nnrt::LastRunInput(), CpuResized(big.view, model));
  EXPECT_EQ(r->timings.cpuBytesIn, 2 * big.bytes.size() + big.bytes.size() + 128u * 128u * 3u);
  close(fd);
}

TEST_F(AippSessionTest, ARotatedFrameIsTurnedOnTheCpuAndAippOnlyConvertsTheDataType) {
  // A phone held upright gives frames turned 90°: dynamic AIPP cannot rotate, so the CPU crops, resizes and turns the
  // frame into the model-size RGB888 AIPP input; the same frame upright goes to AIPP as it is.
  SessionConfig c = AippConfig();
  c.aipp.formats = {"NV21", "RGB"};
  const InputSpec model = c.input;
  auto s = LoadOk(c);
  ASSERT_NE(s, nullptr);
  Frame camera(PixelFormat::kNV21, 640, 480);
  for (int rotation : {90, 180, 270}) {
    SCOPED_TRACE(rotation);
    ImageView turned = camera.view;
    turned.rotation = rotation;
    Result<Classification> r = s->Classify(turned, 1);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->aippFeed, AippFeed::kCpuResized);
    EXPECT_EQ(r->aippFeedReason, "the NV21 640x480 frame needs a " + std::to_string(rotation) +
                                     "° turn: dynamic AIPP cannot rotate (the guide: rotation only in static AIPP)");
    EXPECT_EQ(fake_nnrt::LastRunInput(), CpuResized(turned, model));
    EXPECT_NE(fake_nnrt::LastRunInput(), CpuResized(camera.view, model));  // turned, not just resized
  }
  // From an fd: read once and turned, never wrapped (AIPP would see it sideways).
  ImageView layout = camera.view;
  layout.data = nullptr;
  layout.rotation = 90;
  const int fd = MemfdWith(camera.bytes);
  const int beforeFd = static_cast<int>(fake_nnrt::Calls().size());
  Result<Classification> r = s->ClassifyFd(fd, 0, camera.bytes.size(), layout, 1);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->aippFeed, AippFeed::kCpuResized);
  EXPECT_LT(IndexOf("OH_NNTensor_CreateWithFd", beforeFd), 0);
  ImageView turned = camera.view;
  turned.rotation = 90;
  EXPECT_EQ(fake_nnrt::LastRunInput(), CpuResized(turned, model));
  close(fd);
  r = s->Classify(camera.view, 1);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->aippFeed, AippFeed::kFrame);
  EXPECT_EQ(fake_nnrt::LastRunInput(), camera.bytes);
}

TEST_F(AippSessionTest, OnTheCpuPathTheRotationIsPassedToThePreprocessing) {
  SessionConfig c = AippConfig();
  c.preprocessing = Preprocessing::kCpu;
  auto s = LoadOk(c);
  ASSERT_NE(s, nullptr);
  Frame f(PixelFormat::kNV21, 64, 48);
  f.view.rotation = 270;
  Result<Preprocessor> pre = Preprocessor::Create(c.input);
  ASSERT_TRUE(pre.ok());
  std::vector<uint8_t> expected(pre->OutputBytes());
  ASSERT_TRUE(pre->Run(f.view, expected.data(), expected.size()).ok());
  ASSERT_TRUE(s->Classify(f.view, 1).ok());
  EXPECT_EQ(fake_nnrt::LastRunInput(), expected);
  const int fd = MemfdWith(f.bytes);
  ImageView layout = f.view;
  layout.data = nullptr;
  ASSERT_TRUE(s->ClassifyFd(fd, 0, f.bytes.size(), layout, 1).ok());
  EXPECT_EQ(fake_nnrt::LastRunInput(), expected);
  close(fd);
}

TEST_F(AippSessionTest, BadCallRotatedFramesWithoutRgbOrAtAnAngleOtherThanAQuarterTurn) {
  SessionConfig c = AippConfig();
  c.aipp.formats = {"NV21"};
  auto s = LoadOk(c);
  ASSERT_NE(s, nullptr);
  Frame camera(PixelFormat::kNV21, 640, 480);
  camera.view.rotation = 90;
  Result<Classification> r = s->Classify(camera.view, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(),
            "aipp.config: NPULENS_UNSUPPORTED (1005): the NV21 640x480 frame needs a 90° turn: dynamic AIPP cannot "
            "rotate (the guide: rotation only in static AIPP): and aipp.formats lists no RGB for the CPU to resize the "
            "frame to");
  for (Preprocessing path : {Preprocessing::kAipp, Preprocessing::kCpu}) {
    SessionConfig any = AippConfig();
    any.preprocessing = path;
    auto session = LoadOk(any);
    ASSERT_NE(session, nullptr);
    camera.view.rotation = 45;
    r = session->Classify(camera.view, 1);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(
        r.status().ToString(),
        "preprocess: NPULENS_OUT_OF_RANGE (1001): image rotation 45 is not 0, 90, 180 or 270 (clockwise degrees)");
  }
}

TEST_F(AippSessionTest, ABgrModelGetsTheCpuResizedRgbWithTheRbSwap) {
  SessionConfig c = AippConfig();
  c.input.colorOrder = ColorOrder::kBGR;
  c.aipp.formats = {"NV21", "RGB"};
  auto s = LoadOk(c);
  ASSERT_NE(s, nullptr);
  Frame f(PixelFormat::kBGRA8, 64, 48);
  const int from = static_cast<int>(fake_nnrt::Calls().size());
  Result<Classification> r = s->Classify(f.view, 1);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->aippFeed, AippFeed::kCpuResized);
  const std::vector<std::string> got = AippCalls(from);
  EXPECT_NE(std::find(got.begin(), got.end(), "SetChannelSwapConfig(true, false)"), got.end());
  EXPECT_EQ(fake_nnrt::LastRunInput(), CpuResized(f.view, c.input));  // RGB memory; AIPP swaps R/B
}

TEST_F(AippSessionTest, BadCallFramesTheModelsAippCannotTakeOnATargetWithoutRgb) {
  // Without RGB in aipp.formats the CPU cannot hand AIPP a resized frame either: the refusal is the error.
  SessionConfig c = AippConfig();
  c.aipp.formats = {"NV21"};
  c.aipp.maxSrcImageSize = 1920 * 1080 * 3 / 2;
  auto s = LoadOk(c);
  const std::string noRgb = ": and aipp.formats lists no RGB for the CPU to resize the frame to";
  Frame rgba(PixelFormat::kRGBA8, 64, 48);
  Result<Classification> r = s->Classify(rgba.view, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(),
            "aipp.config: NPULENS_UNSUPPORTED (1005): the model's AIPP does not take RGBA frames (aipp.formats: NV21)" +
                noRgb);
  Frame big(PixelFormat::kNV21, 1920, 1088);
  r = s->Classify(big.view, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(),
            "aipp.config: NPULENS_OUT_OF_RANGE (1001): the NV21 1920x1088 frame is 3133440 bytes, over the model's "
            "AIPP limit of 3110400 (aipp.maxSrcImageSize)" +
                noRgb);
  Frame odd(PixelFormat::kNV21, 64, 48);
  odd.view.width = 63;
  r = s->Classify(odd.view, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().step(), "preprocess");
  EXPECT_NE(r.status().message().find("63"), std::string::npos) << r.status().message();
  Frame tiny(PixelFormat::kNV21, 14, 14);
  r = s->Classify(tiny.view, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(),
            "aipp.config: NPULENS_OUT_OF_RANGE (1001): the NV21 14x14 frame is outside AIPP's source sizes 16..4096 "
            "per side" +
                noRgb);
  Frame huge(PixelFormat::kNV21, 4096, 4096);  // crop 3584 -> 128: a 28x shrink
  r = s->Classify(huge.view, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(),
            "aipp.config: NPULENS_OUT_OF_RANGE (1001): AIPP resizes by at most 16x per axis; the NV21 4096x4096 "
            "frame's crop 3584x3584 would go to 128x128" +
                noRgb);
  EXPECT_EQ(CountOf("HMS_HiAIAippParam_Create"), 0);  // every refusal above came before any params were made
  Frame ok(PixelFormat::kNV21, 1920, 1080);
  r = s->Classify(ok.view, 1);  // exactly at the size limit
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->aippFeed, AippFeed::kFrame);
}

TEST_F(AippSessionTest, BadCallTheRuntimeRefusesAnAippParameterOrTensor) {
  auto s = LoadOk();
  Frame f(PixelFormat::kNV12, 64, 48);
  fake_nnrt::Fail("HMS_HiAIAippParam_SetResizeConfig", OH_NN_INVALID_PARAMETER, "resize ratio over 16", 1);
  Result<Classification> r = s->Classify(f.view, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(),
            "aipp.config: OH_NN_INVALID_PARAMETER (2): HMS_HiAIAippParam_SetResizeConfig(0, 128, 128) failed: resize "
            "ratio over 16: for the NV12 64x48 frame");
  EXPECT_EQ(CountOf("HMS_HiAIAippParam_SetDtcMeanPixel"), 0);  // nothing set after the refusal
  fake_nnrt::Fail("OH_NNTensor_CreateWithSize", OH_NN_MEMORY_ERROR, "", 1);
  r = s->Classify(f.view, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().step(), "aipp.tensor");
  EXPECT_NE(r.status().message().find("OH_NNTensor_CreateWithSize returned NULL"), std::string::npos);
  EXPECT_TRUE(s->Classify(f.view, 1).ok());  // recovers once the runtime does
}

TEST_F(AippSessionTest, BadCallClassifyFdWithABadFdOrAShortLength) {
  auto s = LoadOk();
  Frame f(PixelFormat::kNV21, 64, 48);
  ImageView layout = f.view;
  layout.data = nullptr;
  Result<Classification> r = s->ClassifyFd(-1, 0, f.bytes.size(), layout, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(), "classify.fd: NPULENS_INVALID_ARGUMENT (1000): fd -1 is not valid");
  const int fd = MemfdWith(f.bytes);
  r = s->ClassifyFd(fd, 0, f.bytes.size() - 1, layout, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString(),
            "classify.fd: NPULENS_OUT_OF_RANGE (1001): byteLength 4607 is below the 4608 bytes of a NV21 64x48 frame "
            "with row stride 64");
  // A read past the end (offset frames are read): a clear I/O error, not a crash.
  r = s->ClassifyFd(fd, 4096, f.bytes.size(), layout, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().step(), "classify.fd");
  EXPECT_EQ(r.status().code(), code::kIo);
  s->Release();
  r = s->ClassifyFd(fd, 0, f.bytes.size(), layout, 1);
  EXPECT_EQ(r.status().code(), code::kReleased);
  close(fd);
}

}  // namespace
}  // namespace npulens
