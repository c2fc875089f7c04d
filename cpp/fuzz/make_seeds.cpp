// Writes small ONNX models, one per supported op pattern (fp32 and the int8 QDQ contract), as seeds for
// fuzz_onnx_import: make_seeds <dir>. Small seeds keep libFuzzer's mutations fast; the bundled models are added
// by scripts/test.d/60-fuzz.sh.
#include <fstream>
#include <iostream>
#include <string>

#include "onnx_builder.h"

using namespace hostnn_test;

namespace {

void Save(const std::string& dir, const std::string& name, const OnnxBuilder& b) {
  std::ofstream(dir + "/" + name + ".onnx", std::ios::binary) << b.Bytes();
}

// x → Q → DQ with per-tensor int8 params named after `out`.
void QDQ(OnnxBuilder& b, const std::string& in, const std::string& out, float scale, int8_t zp) {
  b.InitF(out + "_s", {}, {scale});
  b.InitI8(out + "_z", {}, {zp});
  b.Node("QuantizeLinear", {in, out + "_s", out + "_z"}, {out + "_q"});
  b.Node("DequantizeLinear", {out + "_q", out + "_s", out + "_z"}, {out});
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds <dir>\n";
    return 2;
  }
  const std::string dir = argv[1];
  {  // fp32: Conv (pads, stride) → Relu → MaxPool → AveragePool → GAP → Flatten → Gemm → Softmax
    OnnxBuilder b;
    b.Input("x", {1, 3, 8, 8});
    b.InitF("w", {4, 3, 3, 3}, std::vector<float>(108, 0.1f));
    b.InitF("bias", {4}, {0.f, 0.1f, 0.2f, 0.3f});
    auto* c = b.Node("Conv", {"x", "w", "bias"}, {"c"});
    SetInts(c, "pads", {1, 1, 1, 1});
    SetInts(c, "strides", {1, 1});
    b.Node("Relu", {"c"}, {"r"});
    auto* mp = b.Node("MaxPool", {"r"}, {"m"});
    SetInts(mp, "kernel_shape", {2, 2});
    SetInts(mp, "strides", {2, 2});
    auto* ap = b.Node("AveragePool", {"m"}, {"a"});
    SetInts(ap, "kernel_shape", {3, 3});
    SetInts(ap, "pads", {1, 1, 1, 1});
    SetInt(ap, "ceil_mode", 1);
    b.Node("GlobalAveragePool", {"a"}, {"g"});
    b.Node("Flatten", {"g"}, {"f"});
    b.InitF("fc", {3, 4}, std::vector<float>(12, 0.5f));
    b.InitF("fcb", {3}, {0.f, 1.f, 2.f});
    SetInt(b.Node("Gemm", {"f", "fc", "fcb"}, {"l"}), "transB", 1);
    b.Node("Softmax", {"l"}, {"y"});
    b.Output("y");
    Save(dir, "fp32_conv_pool_gemm", b);
  }
  {  // fp32: Reshape (0 / -1) → Concat → Mul/Add constants → Clip → Sigmoid → HardSwish → MatMul → Identity
    OnnxBuilder b(11);
    b.Input("x", {1, 2, 4, 4});
    b.InitI64("shape", {3}, {0, -1, 4});
    b.Node("Reshape", {"x", "shape"}, {"r"});
    SetInt(b.Node("Concat", {"r", "r"}, {"c"}), "axis", 1);
    b.InitF("k", {4}, {1.f, 2.f, 3.f, 4.f});
    b.Node("Mul", {"c", "k"}, {"m"});
    b.Node("Add", {"m", "k"}, {"a"});
    b.InitF("lo", {}, {0.f});
    b.InitF("hi", {}, {6.f});
    b.Node("Clip", {"a", "lo", "hi"}, {"cl"});
    b.Node("Sigmoid", {"cl"}, {"s"});
    b.Node("HardSwish", {"s"}, {"h"});
    b.InitF("mm", {4, 2}, std::vector<float>(8, 0.25f));
    b.Node("MatMul", {"h", "mm"}, {"mo"});
    b.Node("Identity", {"mo"}, {"y"});
    b.Output("y");
    Save(dir, "fp32_reshape_concat_elementwise", b);
  }
  {  // int8 QDQ: Conv (per-channel weights, int32 bias) → Relu → Q, Add of two int8 tensors, MaxPool, GAP, Gemm
    OnnxBuilder b;
    b.Input("x", {1, 2, 6, 6});
    QDQ(b, "x", "xd", 0.02f, 0);
    b.InitI8("wq", {4, 2, 3, 3}, std::vector<int8_t>(72, 3));
    b.InitF("ws", {4}, {0.01f, 0.02f, 0.01f, 0.02f});
    b.InitI8("wz", {4}, {0, 0, 0, 0});
    SetInt(b.Node("DequantizeLinear", {"wq", "ws", "wz"}, {"w"}), "axis", 0);
    b.InitI32("bq", {4}, {1, 2, 3, 4});
    b.InitF("bs", {4}, {0.0002f, 0.0004f, 0.0002f, 0.0004f});
    b.InitI32("bz", {4}, {0, 0, 0, 0});
    SetInt(b.Node("DequantizeLinear", {"bq", "bs", "bz"}, {"bias"}), "axis", 0);
    SetInts(b.Node("Conv", {"xd", "w", "bias"}, {"c"}), "pads", {1, 1, 1, 1});
    b.Node("Relu", {"c"}, {"r"});
    QDQ(b, "r", "rd", 0.05f, -128);
    b.Node("Add", {"rd", "rd"}, {"a"});
    QDQ(b, "a", "ad", 0.1f, -128);
    auto* mp = b.Node("MaxPool", {"ad"}, {"m"});
    SetInts(mp, "kernel_shape", {2, 2});
    SetInts(mp, "strides", {2, 2});
    QDQ(b, "m", "md", 0.1f, -128);
    b.Node("GlobalAveragePool", {"md"}, {"g"});
    QDQ(b, "g", "gd", 0.1f, -128);
    b.Node("Flatten", {"gd"}, {"f"});
    QDQ(b, "f", "fd", 0.1f, -128);
    b.InitI8("fq", {3, 4}, std::vector<int8_t>(12, 5));
    b.InitF("fs", {}, {0.01f});
    b.InitI8("fz", {}, {0});
    b.Node("DequantizeLinear", {"fq", "fs", "fz"}, {"fw"});
    SetInt(b.Node("Gemm", {"fd", "fw"}, {"l"}), "transB", 1);
    QDQ(b, "l", "y", 0.1f, 0);
    b.Output("y");
    Save(dir, "int8_qdq_conv_add_pool_gemm", b);
  }
  {  // int8 QDQ depthwise conv with SAME padding, Concat, Reshape, uint8 input
    OnnxBuilder b;
    b.Input("x", {1, 4, 5, 5}, onnx::TensorProto::UINT8);
    b.InitF("xs", {}, {0.02f});
    b.InitU8("xz", {}, {128});
    b.Node("DequantizeLinear", {"x", "xs", "xz"}, {"xf"});
    QDQ(b, "xf", "xd", 0.02f, 0);
    b.InitI8("wq", {4, 1, 3, 3}, std::vector<int8_t>(36, -2));
    b.InitF("ws", {4}, {0.01f, 0.01f, 0.01f, 0.01f});
    SetInt(b.Node("DequantizeLinear", {"wq", "ws"}, {"w"}), "axis", 0);
    auto* c = b.Node("Conv", {"xd", "w"}, {"c"});
    SetInt(c, "group", 4);
    SetString(c, "auto_pad", "SAME_UPPER");
    SetInts(c, "strides", {2, 2});
    QDQ(b, "c", "cd", 0.05f, 0);
    SetInt(b.Node("Concat", {"cd", "cd"}, {"k"}), "axis", 1);
    QDQ(b, "k", "kd", 0.05f, 0);
    b.InitI64("shape", {2}, {1, -1});
    b.Node("Reshape", {"kd", "shape"}, {"rs"});
    QDQ(b, "rs", "y", 0.05f, 0);
    b.Output("y");
    Save(dir, "int8_depthwise_same_concat_reshape", b);
  }
  return 0;
}
