// Dynamic batch in the host runtime: a model that declares shape gears (hiai.dynamic_dims, as an .om converted with
// omg --dynamic_dims) runs the gear its input tensors have; a batch gives each image the bits a batch-1 run gives.
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "CANNKit/hiai_options.h"
#include "synthetic_models.h"
#include "test_util.h"

namespace hostnn_test {
namespace {

constexpr int64_t kSide = 224;
constexpr size_t kImage = 3 * kSide * kSide;
constexpr size_t kClasses = 1000;

// The synthetic MobileNetV2 (the bench models' ops: Conv, depthwise Conv, Clip, Add, GAP, Gemm; fp32 or int8 QDQ)
// with a dynamic batch dim; gears: metadata hiai.dynamic_dims, none when empty.
std::string GearedMobileNet(bool int8, const std::string& gears) {
  onnx::ModelProto m;
  const std::string fixed = MobileNetV2Onnx(int8);
  EXPECT_TRUE(m.ParseFromString(fixed));
  m.mutable_graph()
      ->mutable_input(0)
      ->mutable_type()
      ->mutable_tensor_type()
      ->mutable_shape()
      ->mutable_dim(0)
      ->set_dim_param("N");
  if (!gears.empty()) {
    auto* p = m.add_metadata_props();
    p->set_key("hiai.dynamic_dims");
    p->set_value(gears);
  }
  return m.SerializeAsString();
}

Desc ShapeDesc(NN_TensorDesc* from, const std::vector<int32_t>& shape) {
  Desc d(from);
  EXPECT_EQ(OH_NNTensorDesc_SetShape(d.get(), shape.data(), shape.size()), OH_NN_SUCCESS);
  return d;
}

std::vector<int32_t> DescShape(const NN_TensorDesc* d) {
  int32_t* dims = nullptr;
  size_t n = 0;
  EXPECT_EQ(OH_NNTensorDesc_GetShape(d, &dims, &n), OH_NN_SUCCESS);
  return std::vector<int32_t>(dims, dims + n);
}

// Runs `batch` images (batch x kImage floats) on a geared executor with tensors of that gear; the logits.
std::vector<float> RunBatch(OH_NNExecutor* e, const std::vector<float>& images, int32_t batch,
                            OH_NN_ReturnCode* rc = nullptr, std::string* error = nullptr) {
  Desc in = ShapeDesc(OH_NNExecutor_CreateInputTensorDesc(e, 0), {batch, 3, kSide, kSide});
  Desc out = ShapeDesc(OH_NNExecutor_CreateOutputTensorDesc(e, 0), {batch, static_cast<int32_t>(kClasses)});
  Tensor ti(OH_NNTensor_Create(0, in.get()));
  Tensor to(OH_NNTensor_Create(0, out.get()));
  EXPECT_TRUE(ti && to) << HostNN_GetLastErrorMessage();
  std::memcpy(OH_NNTensor_GetDataBuffer(ti.get()), images.data(), images.size() * sizeof(float));
  NN_Tensor* ins[] = {ti.get()};
  NN_Tensor* outs[] = {to.get()};
  OH_NN_ReturnCode r = OH_NNExecutor_RunSync(e, ins, 1, outs, 1);
  if (error) *error = HostNN_GetLastErrorMessage();
  if (rc) {
    *rc = r;
  } else {
    EXPECT_EQ(r, OH_NN_SUCCESS) << HostNN_GetLastErrorMessage();
  }
  std::vector<float> logits(static_cast<size_t>(batch) * kClasses);
  std::memcpy(logits.data(), OH_NNTensor_GetDataBuffer(to.get()), logits.size() * sizeof(float));
  return logits;
}

std::vector<float> RandomImages(size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.f, 1.f);
  std::vector<float> v(count * kImage);
  for (float& x : v) x = dist(rng);
  return v;
}

void ExpectBatchEqualsSingleRuns(bool int8) {
  Executor geared;
  std::string err;
  ASSERT_EQ(BuildModel(GearedMobileNet(int8, "1;2;4"), &geared, &err), OH_NN_SUCCESS) << err;
  const std::vector<float> images = RandomImages(4, int8 ? 7 : 3);
  for (int32_t batch : {4, 2}) {
    const std::vector<float> batched =
        RunBatch(geared.get(), std::vector<float>(images.begin(), images.begin() + batch * kImage), batch);
    for (int32_t i = 0; i < batch; ++i) {
      const std::vector<float> one(images.begin() + i * kImage, images.begin() + (i + 1) * kImage);
      const std::vector<float> single = RunModel<float, float>(MobileNetV2Onnx(int8), {one});
      ASSERT_EQ(single.size(), kClasses);
      EXPECT_EQ(std::memcmp(single.data(), batched.data() + i * kClasses, kClasses * sizeof(float)), 0)
          << (int8 ? "int8" : "fp32") << " batch " << batch << " image " << i << ": logit 0 " << single[0] << " vs "
          << batched[i * kClasses];
    }
  }
}

TEST(BatchTest, ABatchGivesEachImageTheBitsOfASingleRunFp32) { ExpectBatchEqualsSingleRuns(false); }

TEST(BatchTest, ABatchGivesEachImageTheBitsOfASingleRunInt8) { ExpectBatchEqualsSingleRuns(true); }

TEST(BatchTest, TheExecutorDescribesTheGearsAndTheOutputShapeOfTheLastRun) {
  Executor e;
  std::string err;
  ASSERT_EQ(BuildModel(GearedMobileNet(true, "1;2;4"), &e, &err), OH_NN_SUCCESS) << err;
  Desc in(OH_NNExecutor_CreateInputTensorDesc(e.get(), 0));
  Desc out(OH_NNExecutor_CreateOutputTensorDesc(e.get(), 0));
  EXPECT_EQ(DescShape(in.get()), (std::vector<int32_t>{-1, 3, kSide, kSide}));
  EXPECT_EQ(DescShape(out.get()), (std::vector<int32_t>{-1, static_cast<int32_t>(kClasses)}));
  size_t bytes = 1;  // as the device: a dynamic dim gives 0 bytes, not an error
  EXPECT_EQ(OH_NNTensorDesc_GetByteSize(in.get(), &bytes), OH_NN_SUCCESS);
  EXPECT_EQ(bytes, 0u);

  size_t* minDims = nullptr;
  size_t* maxDims = nullptr;
  size_t rank = 0;
  ASSERT_EQ(OH_NNExecutor_GetInputDimRange(e.get(), 0, &minDims, &maxDims, &rank), OH_NN_SUCCESS);
  ASSERT_EQ(rank, 4u);
  EXPECT_EQ(std::vector<size_t>(minDims, minDims + 4), (std::vector<size_t>{1, 3, kSide, kSide}));
  EXPECT_EQ(std::vector<size_t>(maxDims, maxDims + 4), (std::vector<size_t>{4, 3, kSide, kSide}));

  int32_t* shape = nullptr;
  uint32_t length = 0;
  ASSERT_EQ(OH_NNExecutor_GetOutputShape(e.get(), 0, &shape, &length), OH_NN_SUCCESS);
  EXPECT_EQ(std::vector<int32_t>(shape, shape + length), (std::vector<int32_t>{-1, static_cast<int32_t>(kClasses)}));
  int32_t mine[2] = {0, 0};
  int32_t* notNull = mine;  // the SDK: *shape must be NULL on input
  EXPECT_EQ(OH_NNExecutor_GetOutputShape(e.get(), 0, &notNull, &length), OH_NN_INVALID_PARAMETER);
  for (int32_t batch : {2, 1, 4}) {
    RunBatch(e.get(), RandomImages(static_cast<size_t>(batch), 1), batch);
    shape = nullptr;
    ASSERT_EQ(OH_NNExecutor_GetOutputShape(e.get(), 0, &shape, &length), OH_NN_SUCCESS);
    EXPECT_EQ(std::vector<int32_t>(shape, shape + length),
              (std::vector<int32_t>{batch, static_cast<int32_t>(kClasses)}));
  }
}

TEST(BatchTest, SetInputTensorShapesBuildsOneGearOrAFixedShapeOfADynamicModel) {
  for (const std::string& gears : {std::string("1;2;4"), std::string()}) {
    const std::string model = GearedMobileNet(false, gears);
    Compilation c(OH_NNCompilation_ConstructWithOfflineModelBuffer(model.data(), model.size()));
    Desc two(OH_NNTensorDesc_Create());
    const int32_t shape[] = {2, 3, kSide, kSide};
    ASSERT_EQ(OH_NNTensorDesc_SetShape(two.get(), shape, 4), OH_NN_SUCCESS);
    NN_TensorDesc* descs[] = {two.get()};
    ASSERT_EQ(HMS_HiAIOptions_SetInputTensorShapes(c.get(), descs, 1), OH_NN_SUCCESS);
    ASSERT_EQ(OH_NNCompilation_Build(c.get()), OH_NN_SUCCESS) << gears << ": " << HostNN_GetLastErrorMessage();
    Executor e(OH_NNExecutor_Construct(c.get()));
    Desc in(OH_NNExecutor_CreateInputTensorDesc(e.get(), 0));
    EXPECT_EQ(DescShape(in.get()), (std::vector<int32_t>{2, 3, kSide, kSide})) << gears;
    OH_NN_ReturnCode rc = OH_NN_SUCCESS;
    RunBatch(e.get(), RandomImages(1, 2), 1, &rc);  // only the gear set was built
    EXPECT_EQ(rc, OH_NN_INVALID_PARAMETER) << gears;
    RunBatch(e.get(), RandomImages(2, 2), 2);
  }
}

TEST(BatchTest, BadCallAnInputOutsideTheGearsIsRefusedNamingThem) {
  Executor e;
  std::string err;
  ASSERT_EQ(BuildModel(GearedMobileNet(true, "1;2;4"), &e, &err), OH_NN_SUCCESS) << err;
  OH_NN_ReturnCode rc = OH_NN_SUCCESS;
  std::string error;
  RunBatch(e.get(), RandomImages(3, 1), 3, &rc, &error);
  EXPECT_EQ(rc, OH_NN_INVALID_PARAMETER);
  EXPECT_EQ(error,
            "RunSync: the input tensors' shapes (input 0: [3,3,224,224]) are not one of the model's gears "
            "(hiai.dynamic_dims; input 0: [1,3,224,224], [2,3,224,224], [4,3,224,224])");

  // A gear's input with another gear's output tensor.
  Desc in = ShapeDesc(OH_NNExecutor_CreateInputTensorDesc(e.get(), 0), {2, 3, kSide, kSide});
  Desc out = ShapeDesc(OH_NNExecutor_CreateOutputTensorDesc(e.get(), 0), {4, static_cast<int32_t>(kClasses)});
  Tensor ti(OH_NNTensor_Create(0, in.get()));
  Tensor to(OH_NNTensor_Create(0, out.get()));
  NN_Tensor* ins[] = {ti.get()};
  NN_Tensor* outs[] = {to.get()};
  EXPECT_EQ(OH_NNExecutor_RunSync(e.get(), ins, 1, outs, 1), OH_NN_INVALID_PARAMETER);
  EXPECT_NE(std::string(HostNN_GetLastErrorMessage()).find("output 0 ('logits') has shape [4,1000]"), std::string::npos)
      << HostNN_GetLastErrorMessage();

  // The desc as the executor gives it (dim -1): no tensor can be made of 0 bytes.
  Desc dynamic(OH_NNExecutor_CreateInputTensorDesc(e.get(), 0));
  EXPECT_EQ(Tensor(OH_NNTensor_Create(0, dynamic.get())), nullptr);
}

TEST(BatchTest, BadCallSetInputTensorShapesWithAWrongCountRankOrGear) {
  const std::string model = GearedMobileNet(false, "1;2;4");
  struct Case {
    std::vector<std::vector<int32_t>> shapes;
    const char* message;
  };
  const Case cases[] = {
      {{{2, 3, kSide, kSide}, {2, 3, kSide, kSide}}, "got 2 fixed input shape(s) for 1 model input(s)"},
      {{{2, 3, kSide}}, "the fixed shape [2,3,224] for input 'input' has the wrong rank"},
      {{{3, 3, kSide, kSide}},
       "the input shapes set (HMS_HiAIOptions_SetInputTensorShapes) are not one of the model's gears (metadata "
       "hiai.dynamic_dims; input 0: [1,3,224,224], [2,3,224,224], [4,3,224,224])"},
      {{{2, 3, 112, 112}}, "the fixed shape [2,3,112,112] does not match input 'input'"},
  };
  for (const Case& k : cases) {
    Compilation c(OH_NNCompilation_ConstructWithOfflineModelBuffer(model.data(), model.size()));
    std::vector<Desc> owned;
    std::vector<NN_TensorDesc*> descs;
    for (const auto& s : k.shapes) {
      owned.emplace_back(OH_NNTensorDesc_Create());
      ASSERT_EQ(OH_NNTensorDesc_SetShape(owned.back().get(), s.data(), s.size()), OH_NN_SUCCESS);
      descs.push_back(owned.back().get());
    }
    ASSERT_EQ(HMS_HiAIOptions_SetInputTensorShapes(c.get(), descs.data(), descs.size()), OH_NN_SUCCESS);
    EXPECT_EQ(OH_NNCompilation_Build(c.get()), OH_NN_INVALID_PARAMETER) << k.message;
    EXPECT_EQ(std::string(HostNN_GetLastErrorMessage()), k.message);
  }
}

TEST(BatchTest, BadCallMalformedGearsMakeTheModelInvalid) {
  struct Case {
    std::string gears;
    std::string message;
  };
  std::string seventeen;
  for (int i = 1; i <= 17; ++i) seventeen += (i > 1 ? ";" : "") + std::to_string(i);
  const Case cases[] = {
      {"1;x", "'x' is not a positive integer"},
      {"1;0", "'0' is not a positive integer"},
      {"1;-2", "'-2' is not a positive integer"},
      {"1;;2", "has an empty gear"},
      {"1;2;", "has an empty gear"},
      {"1,2;4", "the gear '1,2' has 2 value(s) for 1 dynamic dim(s)"},
      {"1;2;1", "lists '1' twice"},
      {seventeen, "lists 17 gears; at most 16 (omg --dynamic_dims)"},
  };
  for (const Case& k : cases) {
    std::string err;
    EXPECT_EQ(BuildModel(GearedMobileNet(true, k.gears), nullptr, &err), OH_NN_INVALID_FILE) << k.gears;
    EXPECT_NE(err.find("invalid ONNX model: metadata hiai.dynamic_dims"), std::string::npos) << err;
    EXPECT_NE(err.find(k.message), std::string::npos) << k.gears << ": " << err;
  }
  // Gears on a model whose inputs are all fixed.
  onnx::ModelProto m;
  ASSERT_TRUE(m.ParseFromString(MobileNetV2Onnx(false)));
  auto* p = m.add_metadata_props();
  p->set_key("hiai.dynamic_dims");
  p->set_value("1;2");
  std::string err;
  EXPECT_EQ(BuildModel(m.SerializeAsString(), nullptr, &err), OH_NN_INVALID_FILE);
  EXPECT_EQ(err, "invalid ONNX model: metadata hiai.dynamic_dims '1;2' but no model input has a dynamic dim (-1)");
  // A dynamic batch without gears and without SetInputTensorShapes cannot be built.
  EXPECT_EQ(BuildModel(GearedMobileNet(false, ""), nullptr, &err), OH_NN_DYNAMIC_SHAPE);
}

}  // namespace
}  // namespace hostnn_test
