// Hostile models: sizes that overflow int64 or pass the tensor caps, and quantization parameters that are not
// finite positive numbers in range. Each must fail Build with OH_NN_INVALID_FILE and a message naming the node and
// what is wrong; none may reach a UBSan report (this suite runs in the sanitizer build) or run with wrong numbers.
#include <cmath>
#include <functional>
#include <limits>

#include "onnx_builder.h"
#include "test_util.h"

using namespace hostnn_test;

namespace {

constexpr int64_t kHuge = int64_t{1} << 62;  // any product of two of these passes 2^63

void ExpectInvalid(const std::string& model, const std::vector<std::string>& messageParts) {
  Executor e;
  std::string err;
  EXPECT_EQ(BuildModel(model, &e, &err), OH_NN_INVALID_FILE) << err;
  EXPECT_FALSE(e);
  for (const auto& part : messageParts) EXPECT_NE(err.find(part), std::string::npos) << "message: " << err;
}

// x[1,3,8,8] → one node (built by `add`) → y.
template <typename Add>
std::string OneNode(Add add) {
  OnnxBuilder b;
  b.Input("x", {1, 3, 8, 8});
  add(b);
  b.Output("y");
  return b.Bytes();
}

std::string MaxPoolWith(const std::vector<int64_t>& kernel, const std::vector<int64_t>& pads,
                        const std::vector<int64_t>& strides = {1, 1}, const std::vector<int64_t>& dil = {1, 1}) {
  return OneNode([&](OnnxBuilder& b) {
    auto* n = b.Node("MaxPool", {"x"}, {"y"}, "pool");
    SetInts(n, "kernel_shape", kernel);
    SetInts(n, "pads", pads);
    SetInts(n, "strides", strides);
    SetInts(n, "dilations", dil);
  });
}

std::string ReshapeTo(const std::vector<int64_t>& shape) {
  return OneNode([&](OnnxBuilder& b) {
    b.InitI64("shape", {static_cast<int64_t>(shape.size())}, shape);
    b.Node("Reshape", {"x", "shape"}, {"y"}, "reshape");
  });
}

}  // namespace

// ---- sizes ------------------------------------------------------------------------------------------------------

TEST(HostileSizesTest, BadCall_HugePadsAreOutOfRange) {
  SCOPED_TRACE("BAD CALL - pads near INT64_MAX (begin + end + input overflowed int64)");
  ExpectInvalid(MaxPoolWith({3, 3}, {kHuge, 0, kHuge, 0}), {"MaxPool node 'pool'", "pads", "out of range"});
  ExpectInvalid(MaxPoolWith({3, 3}, {0, std::numeric_limits<int64_t>::max(), 0, 1}),
                {"node 'pool'", "pads", "out of range"});
  // Padding bigger than the window only adds windows that see no input (onnxruntime refuses it too).
  ExpectInvalid(MaxPoolWith({3, 3}, {3, 0, 0, 0}), {"node 'pool'", "pads", "out of range"});
  ExpectInvalid(MaxPoolWith({3, 3}, {-1, 0, 0, 0}), {"node 'pool'", "pads", "out of range"});
}

TEST(HostileSizesTest, BadCall_HugeKernelStrideDilationAreOutOfRange) {
  SCOPED_TRACE("BAD CALL - (kernel - 1) * dilation overflowed int64");
  ExpectInvalid(MaxPoolWith({kHuge, 3}, {0, 0, 0, 0}), {"node 'pool'", "kernel_shape", "out of range"});
  ExpectInvalid(MaxPoolWith({3, 3}, {0, 0, 0, 0}, {1, 1}, {kHuge, 1}), {"node 'pool'", "dilations", "out of range"});
  ExpectInvalid(MaxPoolWith({3, 3}, {0, 0, 0, 0}, {kHuge, 1}), {"node 'pool'", "strides", "out of range"});
  ExpectInvalid(MaxPoolWith({3, 0}, {0, 0, 0, 0}), {"node 'pool'", "kernel_shape", "out of range"});
  std::string same = OneNode([&](OnnxBuilder& b) {
    auto* n = b.Node("MaxPool", {"x"}, {"y"}, "pool");
    SetInts(n, "kernel_shape", {3, 3});
    SetInts(n, "strides", {std::numeric_limits<int64_t>::max(), 1});  // SAME: input + stride - 1 overflowed
    SetString(n, "auto_pad", "SAME_UPPER");
  });
  ExpectInvalid(same, {"node 'pool'", "strides", "out of range"});
}

TEST(HostileSizesTest, BadCall_ReshapeToHugeShapesIsTooLarge) {
  SCOPED_TRACE("BAD CALL - Reshape targets whose product passes 2^63, or 2^30 elements");
  ExpectInvalid(ReshapeTo({kHuge, kHuge, 1}), {"Reshape node 'reshape'", "model declares a tensor too large"});
  ExpectInvalid(ReshapeTo({kHuge, 4, -1}), {"Reshape node 'reshape'", "model declares a tensor too large"});
  ExpectInvalid(ReshapeTo({0, 0, kHuge, kHuge}), {"Reshape node 'reshape'", "model declares a tensor too large"});
  // Fits in int64 but not in the element cap: still too large, not "cannot reshape".
  ExpectInvalid(ReshapeTo({int64_t{1} << 31, 1 << 20}),
                {"Reshape node 'reshape'", "model declares a tensor too large"});
  ExpectInvalid(ReshapeTo({1, -5, 64}), {"Reshape node 'reshape'", "negative dimension"});
  ExpectInvalid(ReshapeTo({1, -1, -1}), {"Reshape node 'reshape'", "more than one -1"});
  ExpectInvalid(ReshapeTo({1, 0, 0, 0, 0}), {"Reshape node 'reshape'", "copies a dimension the input does not have"});
}

TEST(HostileSizesTest, BadCall_InitializerDimsPastInt64AndTheCap) {
  SCOPED_TRACE("BAD CALL - initializer dims whose product passes 2^63 / 2^30 elements, negative dims");
  auto withInit = [](const std::vector<int64_t>& dims) {
    OnnxBuilder b;
    b.Input("x", {1, 4});
    b.InitF("w", {4, 4}, std::vector<float>(16, 1.f));
    auto* t = b.proto().mutable_graph()->mutable_initializer(0);
    t->clear_dims();
    for (int64_t d : dims) t->add_dims(d);
    b.Node("MatMul", {"x", "w"}, {"y"}, "mm");
    b.Output("y");
    return b.Bytes();
  };
  ExpectInvalid(withInit({kHuge, kHuge, 0}), {"initializer 'w'", "model declares a tensor too large"});
  ExpectInvalid(withInit({int64_t{1} << 31, 1}), {"initializer 'w'", "model declares a tensor too large"});
  ExpectInvalid(withInit({4, -4}), {"initializer 'w'", "negative dimension"});
  ExpectInvalid(withInit({4, 8}), {"initializer 'w'", "raw data has 64 bytes, expected 128"});
}

TEST(HostileSizesTest, BadCall_InputDimsAndFixedShapesPastTheCap) {
  SCOPED_TRACE("BAD CALL - a model input of 2^62 x 2^62 elements");
  OnnxBuilder b;
  b.Input("x", {kHuge, kHuge});
  b.Node("Relu", {"x"}, {"y"}, "relu");
  b.Output("y");
  Executor e;
  std::string err;
  EXPECT_EQ(BuildModel(b.Bytes(), &e, &err), OH_NN_UNSUPPORTED) << err;
  EXPECT_NE(err.find("model input 'x' is too large"), std::string::npos) << err;
}

TEST(HostileSizesTest, BadCall_ConvGroupTimesChannelsOverflow) {
  SCOPED_TRACE("BAD CALL - group * weight channels overflowed int64");
  std::string m = OneNode([](OnnxBuilder& b) {
    b.InitF("w", {3, 1, 1, 1}, {1.f, 1.f, 1.f});
    auto* n = b.Node("Conv", {"x", "w"}, {"y"}, "conv");
    SetInt(n, "group", std::numeric_limits<int64_t>::max());
  });
  ExpectInvalid(m, {"Conv node 'conv'", "group"});
}

TEST(HostileSizesTest, BadCall_ConvPadsPastTheOutputCap) {
  SCOPED_TRACE("BAD CALL - conv pads of 2^40 (fit in int64, output past the element cap)");
  std::string m = OneNode([](OnnxBuilder& b) {
    b.InitF("w", {4, 3, 1, 1}, std::vector<float>(12, 1.f));
    auto* n = b.Node("Conv", {"x", "w"}, {"y"}, "conv");
    SetInts(n, "pads", {int64_t{1} << 40, 0, int64_t{1} << 40, 0});
  });
  ExpectInvalid(m, {"Conv node 'conv'", "pads", "out of range"});
}

TEST(HostileSizesTest, BadCall_ConcatAlongAxisPastTheCap) {
  SCOPED_TRACE("BAD CALL - Concat of inputs whose sum along the axis passes 2^30");
  OnnxBuilder b;
  b.Input("x", {1, 1 << 29});
  b.Node("Concat", {"x", "x", "x", "x"}, {"y"}, "cat");
  SetInt(b.proto().mutable_graph()->mutable_node(0), "axis", 1);
  b.Output("y");
  ExpectInvalid(b.Bytes(), {"Concat node 'cat'", "model declares a tensor too large"});
}

TEST(HostileSizesTest, BadCall_TensorsPastTwoGibAreRefused) {
  SCOPED_TRACE("BAD CALL - every tensor under 2^30 elements, together above 2 GiB");
  OnnxBuilder b;
  b.Input("x", {1, 1 << 28});  // 1 GiB of float32
  b.Node("Relu", {"x"}, {"r"}, "relu");
  b.Node("Sigmoid", {"r"}, {"y"}, "sig");
  b.Output("y");
  Executor e;
  std::string err;
  EXPECT_EQ(BuildModel(b.Bytes(), &e, &err), OH_NN_MEMORY_ERROR) << err;
  EXPECT_NE(err.find("above the host runtime's limit of 2048 MiB"), std::string::npos) << err;
}

TEST(HostileSizesTest, BadCall_ReshapeShapeMustBeInt64) {
  SCOPED_TRACE("BAD CALL - a float Reshape shape of NaN (float to int64 conversion of NaN is undefined)");
  std::string m = OneNode([](OnnxBuilder& b) {
    b.InitF("shape", {2}, {std::nanf(""), 1e30f});
    b.Node("Reshape", {"x", "shape"}, {"y"}, "reshape");
  });
  ExpectInvalid(m, {"Reshape node 'reshape'", "shape must be int64"});
}

TEST(HostileSizesTest, BadCall_ClipBoundsMustBeFloatScalars) {
  SCOPED_TRACE("BAD CALL - an int8 Clip min (read as float, out of the 1-byte buffer)");
  std::string m = OneNode([](OnnxBuilder& b) {
    b.InitI8("lo", {}, {0});
    b.Node("Clip", {"x", "lo"}, {"y"}, "clip");
  });
  ExpectInvalid(m, {"Clip node 'clip'", "min must be a float32 scalar"});
}

// ---- quantization parameters ----------------------------------------------------------------------------------
namespace {

struct QuantCase {
  const char* where;  // "input", "relu", "weight"
  float scale;
  bool perChannel = false;
};

// A two-class int8 QDQ classifier: x → Q/DQ → Conv 1x1 (weights per tensor or per channel) → Relu → Q/DQ → GAP →
// y[1,2,1,1]. With the good parameters class 1 wins by far; `bad` replaces one scale.
std::string QdqClassifier(const QuantCase& bad) {
  auto pick = [&](const char* where, float good) { return std::string(bad.where) == where ? bad.scale : good; };
  OnnxBuilder b;
  b.Input("x", {1, 2, 4, 4});
  b.InitF("xs", {}, {pick("input", 0.02f)});
  b.InitI8("xz", {}, {0});
  b.Node("QuantizeLinear", {"x", "xs", "xz"}, {"xq"}, "quant_x");
  b.Node("DequantizeLinear", {"xq", "xs", "xz"}, {"xd"}, "dequant_x");
  b.InitI8("wq", {2, 2, 1, 1}, {10, 0, 0, 100});
  if (bad.perChannel) {
    b.InitF("ws", {2}, {0.01f, pick("weight", 0.01f)});
    b.InitI8("wz", {2}, {0, 0});
  } else {
    b.InitF("ws", {}, {pick("weight", 0.01f)});
    b.InitI8("wz", {}, {0});
  }
  SetInt(b.Node("DequantizeLinear", {"wq", "ws", "wz"}, {"w"}, "dequant_w"), "axis", 0);
  b.Node("Conv", {"xd", "w"}, {"c"}, "conv");
  b.Node("Relu", {"c"}, {"r"}, "relu");
  b.InitF("rs", {}, {pick("relu", 0.05f)});
  b.InitI8("rz", {}, {-128});
  b.Node("QuantizeLinear", {"r", "rs", "rz"}, {"rq"}, "quant_relu");
  b.Node("DequantizeLinear", {"rq", "rs", "rz"}, {"rd"}, "dequant_relu");
  b.Node("GlobalAveragePool", {"rd"}, {"y"}, "gap");
  b.Output("y");
  return b.Bytes();
}

}  // namespace

TEST(HostileQuantTest, GoodParamsAnswerClassOne) {
  // The control for the cases below: these parameters run on the int8 path and class 1 wins.
  std::vector<float> x(32, 1.f);
  auto y = RunModel<float, float>(QdqClassifier({"none", 0.f}), {x});
  ASSERT_EQ(y.size(), 2u);
  EXPECT_NEAR(y[0], 0.1f, 0.05f);
  EXPECT_NEAR(y[1], 1.0f, 0.05f);
  std::string describe;
  RunModel<float, float>(QdqClassifier({"none", 0.f, true}), {x}, &describe);
  EXPECT_NE(describe.find("int8: Conv 'conv'"), std::string::npos) << describe;
}

TEST(HostileQuantTest, BadCall_NonFiniteZeroNegativeScalesAreRejectedAtImport) {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  const float subnormal = std::numeric_limits<float>::denorm_min();
  struct Want {
    QuantCase c;
    const char* node;
    const char* tensor;
  };
  const Want cases[] = {
      {{"input", nan}, "QuantizeLinear node 'quant_x'", "scale 'xs'"},
      {{"input", inf}, "QuantizeLinear node 'quant_x'", "scale 'xs'"},
      {{"input", -inf}, "QuantizeLinear node 'quant_x'", "scale 'xs'"},
      {{"input", 0.f}, "QuantizeLinear node 'quant_x'", "scale 'xs'"},
      {{"input", -0.02f}, "QuantizeLinear node 'quant_x'", "scale 'xs'"},
      {{"relu", nan}, "QuantizeLinear node 'quant_relu'", "scale 'rs'"},
      {{"relu", inf}, "QuantizeLinear node 'quant_relu'", "scale 'rs'"},
      {{"relu", -inf}, "QuantizeLinear node 'quant_relu'", "scale 'rs'"},
      {{"relu", 0.f}, "QuantizeLinear node 'quant_relu'", "scale 'rs'"},
      {{"relu", -0.05f}, "QuantizeLinear node 'quant_relu'", "scale 'rs'"},
      {{"relu", subnormal}, "QuantizeLinear node 'quant_relu'", "scale 'rs'"},
      {{"weight", nan}, "DequantizeLinear node 'dequant_w'", "scale 'ws'"},
      {{"weight", inf}, "DequantizeLinear node 'dequant_w'", "scale 'ws'"},
      {{"weight", -inf}, "DequantizeLinear node 'dequant_w'", "scale 'ws'"},
      {{"weight", 0.f}, "DequantizeLinear node 'dequant_w'", "scale 'ws'"},
      {{"weight", -0.01f}, "DequantizeLinear node 'dequant_w'", "scale 'ws'"},
      {{"weight", nan, true}, "DequantizeLinear node 'dequant_w'", "scale 'ws'[1]"},
      {{"weight", inf, true}, "DequantizeLinear node 'dequant_w'", "scale 'ws'[1]"},
      {{"weight", -inf, true}, "DequantizeLinear node 'dequant_w'", "scale 'ws'[1]"},
      {{"weight", 0.f, true}, "DequantizeLinear node 'dequant_w'", "scale 'ws'[1]"},
      {{"weight", -0.01f, true}, "DequantizeLinear node 'dequant_w'", "scale 'ws'[1]"},
  };
  for (const Want& w : cases) {
    SCOPED_TRACE(std::string("BAD CALL - ") + w.c.where + (w.c.perChannel ? " per-channel" : "") + " scale " +
                 std::to_string(w.c.scale));
    ExpectInvalid(QdqClassifier(w.c), {w.node, w.tensor, "must be a finite positive normal float"});
  }
}

namespace {

// x → QuantizeLinear(scale, zero point from `zp`) → DequantizeLinear → y.
std::string QdqWithZeroPoint(const std::function<void(onnx::TensorProto*)>& zp, bool alsoDq = false) {
  OnnxBuilder b;
  b.Input("x", {1, 4});
  b.InitF("s", {}, {0.1f});
  b.InitI8("z", {}, {0});
  zp(b.proto().mutable_graph()->mutable_initializer(1));
  b.Node("QuantizeLinear", {"x", "s", alsoDq ? "" : "z"}, {"q"}, "quant");
  b.Node("DequantizeLinear", {"q", "s", alsoDq ? "z" : ""}, {"y"}, "dequant");
  b.Output("y");
  return b.Bytes();
}

}  // namespace

TEST(HostileQuantTest, BadCall_ZeroPointOutOfRangeOrWrongType) {
  SCOPED_TRACE("BAD CALL - int8 zero point 300 given in int32_data (was truncated to 44)");
  auto int32Field = [](int32_t v) {
    return [v](onnx::TensorProto* t) {
      t->clear_raw_data();
      t->add_int32_data(v);
    };
  };
  ExpectInvalid(QdqWithZeroPoint(int32Field(300)), {"initializer 'z'", "value 300 is out of range for int8"});
  ExpectInvalid(QdqWithZeroPoint(int32Field(-129)), {"initializer 'z'", "value -129 is out of range for int8"});
  auto uint8Field = [](int32_t v) {
    return [v](onnx::TensorProto* t) {
      t->set_data_type(onnx::TensorProto::UINT8);
      t->clear_raw_data();
      t->add_int32_data(v);
    };
  };
  ExpectInvalid(QdqWithZeroPoint(uint8Field(-1)), {"initializer 'z'", "value -1 is out of range for uint8"});
  SCOPED_TRACE("BAD CALL - a float32 / int32 zero point");
  ExpectInvalid(QdqWithZeroPoint([](onnx::TensorProto* t) {
                  t->set_data_type(onnx::TensorProto::INT32);
                  t->clear_raw_data();
                  t->add_int32_data(0);
                }),
                {"QuantizeLinear node 'quant'", "zero point 'z'", "int8 or uint8"});
}

TEST(HostileQuantTest, BadCall_PerChannelScaleLengthAndAxis) {
  auto weights = [](const std::vector<int64_t>& sdims, std::vector<float> s, int64_t axis, size_t zpLen) {
    OnnxBuilder b;
    b.Input("x", {1, 2, 4, 4});
    b.InitI8("wq", {2, 2, 1, 1}, {1, 0, 0, 1});
    b.InitF("ws", sdims, s);
    b.InitI8("wz", {static_cast<int64_t>(zpLen)}, std::vector<int8_t>(zpLen, 0));
    SetInt(b.Node("DequantizeLinear", {"wq", "ws", "wz"}, {"w"}, "dequant_w"), "axis", axis);
    b.Node("Conv", {"x", "w"}, {"y"}, "conv");
    b.Output("y");
    return b.Bytes();
  };
  SCOPED_TRACE("BAD CALL - 3 scales for 2 channels");
  ExpectInvalid(weights({3}, {0.1f, 0.1f, 0.1f}, 0, 3),
                {"DequantizeLinear node 'dequant_w'", "3 scales", "axis 0 has 2"});
  SCOPED_TRACE("BAD CALL - axis out of range");
  ExpectInvalid(weights({2}, {0.1f, 0.1f}, 4, 2), {"DequantizeLinear node 'dequant_w'", "axis 4 is out of range"});
  ExpectInvalid(weights({2}, {0.1f, 0.1f}, -5, 2), {"DequantizeLinear node 'dequant_w'", "axis -5 is out of range"});
  SCOPED_TRACE("BAD CALL - zero point vector length differs from the scales");
  ExpectInvalid(weights({2}, {0.1f, 0.1f}, 0, 1), {"DequantizeLinear node 'dequant_w'", "zero point 'wz'", "2 scales"});
  SCOPED_TRACE("BAD CALL - a 2-D scale tensor");
  ExpectInvalid(weights({1, 2}, {0.1f, 0.1f}, 0, 2), {"DequantizeLinear node 'dequant_w'", "scale 'ws'", "1-D"});
}

namespace {

// The same classifier on the fp32 path: the weights' DequantizeLinear is folded into float constants and the
// activation DequantizeLinear runs as a kernel (no int8 output to fuse with). Before the import-time check these
// scales were never looked at: a negative, NaN or Inf weight scale answered class 0 instead of 1.
std::string FloatPathClassifier(float weightScale1, float actDqScale) {
  OnnxBuilder b;
  b.Input("x", {1, 2, 4, 4});
  b.InitF("xs", {}, {0.02f});
  b.InitF("xs2", {}, {actDqScale});
  b.InitI8("xz", {}, {0});
  b.Node("QuantizeLinear", {"x", "xs", "xz"}, {"xq"}, "quant_x");
  b.Node("DequantizeLinear", {"xq", "xs2", "xz"}, {"xd"}, "dequant_x");
  b.InitI8("wq", {2, 2, 1, 1}, {10, 0, 0, 100});
  b.InitF("ws", {2}, {0.01f, weightScale1});
  b.InitI8("wz", {2}, {0, 0});
  SetInt(b.Node("DequantizeLinear", {"wq", "ws", "wz"}, {"w"}, "dequant_w"), "axis", 0);
  b.Node("Conv", {"xd", "w"}, {"c"}, "conv");
  b.Node("GlobalAveragePool", {"c"}, {"y"}, "gap");
  b.Output("y");
  return b.Bytes();
}

}  // namespace

TEST(HostileQuantTest, BadCall_FloatPathScalesAreCheckedToo) {
  std::vector<float> x(32, 1.f);
  auto y = RunModel<float, float>(FloatPathClassifier(0.01f, 0.02f), {x});  // control: class 1
  ASSERT_EQ(y.size(), 2u);
  EXPECT_GT(y[1], y[0]);
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  for (float s : {-0.01f, nan, inf}) {
    SCOPED_TRACE("BAD CALL - folded weight scale " + std::to_string(s));
    ExpectInvalid(FloatPathClassifier(s, 0.02f),
                  {"DequantizeLinear node 'dequant_w'", "scale 'ws'[1]", "must be a finite positive normal float"});
  }
  for (float s : {-0.02f, nan}) {
    SCOPED_TRACE("BAD CALL - activation DequantizeLinear scale " + std::to_string(s));
    ExpectInvalid(FloatPathClassifier(0.01f, s),
                  {"DequantizeLinear node 'dequant_x'", "scale 'xs2'", "must be a finite positive normal float"});
  }
}

TEST(HostileSizesTest, BadCall_PoolingWindowsOverAHugeOutputAreTooLarge) {
  SCOPED_TRACE("BAD CALL - a 1024x1024 max-pool window over a 1031x1031 output (10^12 window positions)");
  // Every size is in range and the output tensor is small enough; XNNPACK's indirection buffer (one pointer per
  // output position and window element) and our pooling loops are not.
  ExpectInvalid(MaxPoolWith({1024, 1024}, {1023, 1023, 1023, 1023}),
                {"MaxPool node 'pool'", "model declares a tensor too large", "2^26 window positions"});
  std::string avg = OneNode([](OnnxBuilder& b) {
    auto* n = b.Node("AveragePool", {"x"}, {"y"}, "avg");
    SetInts(n, "kernel_shape", {1 << 20, 1 << 20});
    SetInts(n, "pads", {(1 << 20) - 1, (1 << 20) - 1, (1 << 20) - 1, (1 << 20) - 1});
    SetInts(n, "strides", {1 << 20, 1 << 20});
  });
  ExpectInvalid(avg, {"AveragePool node 'avg'", "model declares a tensor too large", "2^26 window positions"});
}

TEST(HostileSizesTest, BadCall_ClipBoundsMustBeAnInterval) {
  auto clip = [](float lo, float hi) {
    return OneNode([&](OnnxBuilder& b) {
      b.InitF("lo", {}, {lo});
      b.InitF("hi", {}, {hi});
      b.Node("Clip", {"x", "lo", "hi"}, {"y"}, "clip");
    });
  };
  const float nan = std::numeric_limits<float>::quiet_NaN();
  SCOPED_TRACE("BAD CALL - min > max, NaN min, NaN max");
  ExpectInvalid(clip(6.f, 0.f), {"Clip node 'clip'", "min 6.000000 and max 0.000000 are not an interval"});
  ExpectInvalid(clip(nan, 6.f), {"Clip node 'clip'", "min nan and max 6.000000 are not an interval"});
  ExpectInvalid(clip(0.f, nan), {"Clip node 'clip'", "are not an interval"});
  std::vector<float> x(192, 9.f);
  auto y = RunModel<float, float>(clip(0.f, 6.f), {x});  // control: a real interval still builds and clamps
  ASSERT_EQ(y.size(), 192u);
  EXPECT_EQ(y[0], 6.f);
}

TEST(HostileSizesTest, BadCall_EmptyConstantDoesNotBroadcastToOne) {
  SCOPED_TRACE("BAD CALL - Add of x[1,1] and an empty constant [0] (was broadcast to [1,1] over a 0-element operand)");
  OnnxBuilder b;
  b.Input("x", {1, 1});
  b.InitF("k", {0}, {});
  b.Node("Add", {"x", "k"}, {"y"}, "add");
  b.Output("y");
  ExpectInvalid(b.Bytes(), {"Add node 'add'", "output shape [1,0] has a non-positive dimension"});
}

// ---- fuzz findings --------------------------------------------------------------------------------------------

TEST(HostileFuzzTest, BadCall_LowerRankActivationUnderAnNhwcOutputIsUnsupported) {
  // fuzz_onnx_graph: Add(x[4], constant[1,1,8,4]). XNNPACK got x as [4] and the output as NHWC [1,8,4,1]; it
  // broadcast to [1,8,4,4] and wrote 128 floats into the 32-float output buffer (heap corruption, seen by ASan
  // as a bad free of a neighbouring buffer).
  SCOPED_TRACE("BAD CALL - x[4] + constant[1,1,8,4]");
  OnnxBuilder b;
  b.Input("x", {4});
  b.InitF("k", {1, 1, 8, 4}, std::vector<float>(32, 1.f));
  b.Node("Add", {"x", "k"}, {"y"}, "add");
  b.Output("y");
  Executor e;
  std::string err;
  EXPECT_EQ(BuildModel(b.Bytes(), &e, &err), OH_NN_UNSUPPORTED) << err;
  EXPECT_NE(err.find("unsupported broadcast in Add 'add'"), std::string::npos) << err;
  SCOPED_TRACE("BAD CALL - x[8,8] + y[1,1,8,8] (both activations)");
  OnnxBuilder b2;
  b2.Input("x", {8, 8});
  b2.Input("z", {1, 1, 8, 8});
  b2.Node("Add", {"x", "z"}, {"y"}, "add");
  b2.Output("y");
  EXPECT_EQ(BuildModel(b2.Bytes(), nullptr, &err), OH_NN_UNSUPPORTED) << err;
  EXPECT_NE(err.find("unsupported broadcast in Add 'add'"), std::string::npos) << err;
}

TEST(HostileFuzzTest, OneElementActivationStillBroadcastsOverNhwc) {
  // The case the rule keeps: a one-element activation added to a 4-D one.
  OnnxBuilder b;
  b.Input("x", {1, 3, 2, 2});
  b.Input("s", {1});
  b.Node("Add", {"x", "s"}, {"y"}, "add");
  b.Output("y");
  std::vector<float> x(12);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  auto y = RunModel<float, float>(b.Bytes(), {x, std::vector<float>{0.5f}});
  ASSERT_EQ(y.size(), 12u);
  for (size_t i = 0; i < y.size(); ++i) EXPECT_EQ(y[i], x[i] + 0.5f) << i;
}
