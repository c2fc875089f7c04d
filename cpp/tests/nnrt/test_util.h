// Shared by the engine tests over the real host runtime: the tiny classifier they load.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "onnx_builder.h"

namespace nnrt_test {

// The classifier's weights: logits[k] = Σ_c kTinyW[k][c] · mean_c(input) + kTinyB[k]
inline const std::vector<float> kTinyW = {1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1, -1, -1, -1};
inline const std::vector<float> kTinyB = {0, 0, 0, 0, -0.5f};

// GlobalAveragePool → Flatten → Gemm over an NCHW RGB "input" of side × side, to 5 "logits"; metadata: the model's
// (key, value) properties.
inline std::vector<uint8_t> TinyModel(int side, const std::vector<std::pair<std::string, std::string>>& metadata = {}) {
  hostnn_test::OnnxBuilder b;
  b.Input("input", {1, 3, side, side});
  b.InitF("W", {5, 3}, kTinyW);
  b.InitF("B", {5}, kTinyB);
  b.Node("GlobalAveragePool", {"input"}, {"pooled"});
  hostnn_test::SetInt(b.Node("Flatten", {"pooled"}, {"flat"}), "axis", 1);
  hostnn_test::SetInt(b.Node("Gemm", {"flat", "W", "B"}, {"logits"}), "transB", 1);
  b.Output("logits");
  for (const auto& [key, value] : metadata) {
    auto* prop = b.proto().add_metadata_props();
    prop->set_key(key);
    prop->set_value(value);
  }
  const std::string bytes = b.Bytes();
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

}  // namespace nnrt_test
