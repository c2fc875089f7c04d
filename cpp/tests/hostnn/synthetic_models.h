// MobileNetV2-1.0-224-shaped ONNX models generated in C++ (seeded random weights) for benchmarks when the
// exported models are not at hand: the fp32 graph, and the same weights in the int8 QDQ form our tools emit.
#pragma once

#include <string>

namespace hostnn_test {

// int8 = false: Conv/Clip/Add/GAP/Flatten/Gemm in fp32. int8 = true: the QDQ contract (per-tensor int8
// activations, per-channel symmetric int8 weights, int32 bias), float32 input and output.
std::string MobileNetV2Onnx(bool int8);

}  // namespace hostnn_test
