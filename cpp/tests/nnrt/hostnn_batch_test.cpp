// The engine's dynamic batch over the real host runtime: a model with shape gears (hiai.dynamic_dims, what an .om
// converted with omg --dynamic_dims carries) loads for one batch size, ClassifyBatch runs up to that many images in
// one inference, each getting what Classify gives it on a batch-1 session; the output shape is read back.
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "hostnn/hostnn.h"
#include "nnrt/inference_session.h"
#include "onnx_builder.h"

namespace npulens {
namespace {

// logits[k] = Σ_c W[k][c] · mean_c(relu(conv(input))) + B[k]: per-image ops that would mix images if a kernel
// ignored the batch dim.
std::vector<uint8_t> GearedModel(const std::string& gears, int64_t batch = -1) {
  hostnn_test::OnnxBuilder b;
  b.Input("input", {batch, 3, 8, 8});
  std::vector<float> w(4 * 3 * 3 * 3);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>((i * 7) % 11) / 11.f - 0.4f;
  b.InitF("cw", {4, 3, 3, 3}, w);
  b.InitF("cb", {4}, {0.1f, -0.2f, 0.05f, 0.f});
  b.InitF("W", {5, 4}, {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, -1, 1, -1});
  b.InitF("B", {5}, {0, 0, 0, 0, -0.5f});
  auto* conv = b.Node("Conv", {"input", "cw", "cb"}, {"c"});
  hostnn_test::SetInts(conv, "pads", {1, 1, 1, 1});
  b.Node("Relu", {"c"}, {"r"});
  b.Node("GlobalAveragePool", {"r"}, {"pooled"});
  hostnn_test::SetInt(b.Node("Flatten", {"pooled"}, {"flat"}), "axis", 1);
  hostnn_test::SetInt(b.Node("Gemm", {"flat", "W", "B"}, {"logits"}), "transB", 1);
  b.Output("logits");
  if (!gears.empty()) {
    auto* p = b.proto().add_metadata_props();
    p->set_key("hiai.dynamic_dims");
    p->set_value(gears);
  }
  const std::string bytes = b.Bytes();
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

SessionConfig Config(int batchSize, std::vector<int> batchSizes = {1, 2, 4}) {
  SessionConfig c;
  c.modelId = "geared";
  c.input.name = "input";
  c.input.width = c.input.height = 8;
  for (int i = 0; i < 3; ++i) c.input.mean[i] = 127.5f, c.input.std[i] = 127.5f;
  c.output.name = "logits";
  c.output.classes = 5;
  c.batchSizes = std::move(batchSizes);
  c.batchSize = batchSize;
  return c;
}

struct Picture {
  std::vector<uint8_t> pixels;
  ImageView view;
  Picture(int seed, int w, int h) {
    for (int i = 0; i < w * h * 4; ++i) pixels.push_back(static_cast<uint8_t>((i * (seed + 3) + seed * 31) % 251));
    view = {pixels.data(), pixels.size(), w, h, static_cast<size_t>(w) * 4, PixelFormat::kRGBA8};
  }
};

std::unique_ptr<InferenceSession> LoadOrFail(std::vector<uint8_t> model, SessionConfig config) {
  Result<std::unique_ptr<InferenceSession>> s = InferenceSession::Load(std::move(model), std::move(config));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s.value()) : nullptr;
}

TEST(HostnnBatchTest, EachImageOfABatchGetsWhatItGetsAloneInBothIoModes) {
  auto one = LoadOrFail(GearedModel("1;2;4"), Config(1));
  auto four = LoadOrFail(GearedModel("1;2;4"), Config(4));
  ASSERT_TRUE(one && four);
  Result<SessionInfo> info = four->Info();
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->batchSize, 4);
  EXPECT_EQ(info->batchSizes, (std::vector<int>{1, 2, 4}));
  EXPECT_EQ(info->inputs[0].shape, (std::vector<int32_t>{4, 3, 8, 8}));
  EXPECT_EQ(info->outputs[0].shape, (std::vector<int32_t>{4, 5}));
  const Picture a(1, 13, 11), b(2, 32, 20), c(3, 9, 30);
  for (IoMode mode : {IoMode::kZeroCopy, IoMode::kCopy}) {
    Result<std::vector<Classification>> batch = four->ClassifyBatch({a.view, b.view, c.view}, 5, mode);
    ASSERT_TRUE(batch.ok()) << batch.status().ToString();
    ASSERT_EQ(batch->size(), 3u);
    const Picture* pictures[] = {&a, &b, &c};
    for (size_t i = 0; i < 3; ++i) {
      Result<Classification> alone = one->Classify(pictures[i]->view, 5, mode);
      ASSERT_TRUE(alone.ok()) << alone.status().ToString();
      ASSERT_EQ((*batch)[i].top.size(), 5u);
      for (size_t k = 0; k < 5; ++k) {
        EXPECT_EQ((*batch)[i].top[k].index, alone->top[k].index) << IoModeName(mode) << " image " << i;
        EXPECT_EQ((*batch)[i].top[k].score, alone->top[k].score) << IoModeName(mode) << " image " << i;
      }
    }
    EXPECT_NE((*batch)[0].top[0].score, (*batch)[1].top[0].score);
    EXPECT_EQ((*batch)[0].timings.inferenceMs, (*batch)[2].timings.inferenceMs);  // one inference
    // Classify on the batch-4 session: the image in slot 0, the other slots zero (never a previous image).
    Result<Classification> single = four->Classify(b.view, 5, mode);
    ASSERT_TRUE(single.ok()) << single.status().ToString();
    EXPECT_EQ(single->top[0].score, (*batch)[1].top[0].score);
  }
  // The benchmark's input: the image in every slot, the whole batch run.
  ASSERT_TRUE(four->SetInput(a.view).ok());
  Result<StageTimings> run = four->Run();
  EXPECT_TRUE(run.ok()) << run.status().ToString();
}

TEST(HostnnBatchTest, BadCallBatchSizesAndImageCounts) {
  // Not one of the target's batch sizes.
  Result<std::unique_ptr<InferenceSession>> s = InferenceSession::Load(GearedModel("1;2;4"), Config(3));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().ToString(),
            "session.config: NPULENS_OUT_OF_RANGE (1001): batch size 3 is not one the model takes (1, 2, 4)");
  // A fixed batch-1 model asked for batch 2 (a manifest listing a size the file does not take).
  s = InferenceSession::Load(GearedModel("", 1), Config(2));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().step(), "model.check");
  EXPECT_NE(s.status().message().find("has shape [1,3,8,8], the manifest says NCHW [2,3,8,8]"), std::string::npos)
      << s.status().ToString();
  // The manifest lists a size that is no gear of the file: the runtime refuses the input's shape at the run.
  auto wrong = LoadOrFail(GearedModel("1;2;4"), Config(8, {1, 8}));
  ASSERT_TRUE(wrong);
  const Picture a(1, 13, 11);
  Result<Classification> r = wrong->Classify(a.view, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().step(), "run.sync");
  EXPECT_NE(r.status().message().find("not one of the model's gears"), std::string::npos) << r.status().ToString();

  auto two = LoadOrFail(GearedModel("1;2;4"), Config(2));
  ASSERT_TRUE(two);
  for (size_t count : {size_t{0}, size_t{3}}) {
    Result<std::vector<Classification>> b = two->ClassifyBatch(std::vector<ImageView>(count, a.view), 1);
    ASSERT_FALSE(b.ok());
    EXPECT_EQ(b.status().ToString(),
              "classify.batch: NPULENS_OUT_OF_RANGE (1001): a batch takes 1 to 2 images (the "
              "batch size loaded); got " +
                  std::to_string(count));
  }
  ImageView bad = a.view;
  bad.width = 0;
  Result<std::vector<Classification>> b = two->ClassifyBatch({a.view, bad}, 1);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message().rfind("image 1: ", 0), 0u) << b.status().ToString();
  b = two->ClassifyBatch({a.view}, 6);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), code::kOutOfRange);
  two->Release();
  b = two->ClassifyBatch({a.view}, 1);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), code::kReleased);
}

}  // namespace
}  // namespace npulens
