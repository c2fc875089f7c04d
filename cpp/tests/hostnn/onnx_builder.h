// Builds small ONNX models in C++ for the host NN runtime tests (onnx::ModelProto directly, no Python).
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hostnn_test {

class OnnxBuilder {
 public:
  explicit OnnxBuilder(int64_t opset = 13);

  // dims: -1 becomes a symbolic (dynamic) dimension "N".
  void Input(const std::string& name, const std::vector<int64_t>& dims, int32_t elem = onnx::TensorProto::FLOAT);
  void Output(const std::string& name);
  void InitF(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& v);
  void InitI8(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int8_t>& v);
  void InitU8(const std::string& name, const std::vector<int64_t>& dims, const std::vector<uint8_t>& v);
  void InitI32(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int32_t>& v);
  void InitI64(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int64_t>& v);
  onnx::NodeProto* Node(const std::string& op, const std::vector<std::string>& in, const std::vector<std::string>& out,
                        const std::string& name = "");
  std::string Bytes() const;
  onnx::ModelProto& proto() { return model_; }

 private:
  onnx::ModelProto model_;
  int counter_ = 0;
};

void SetInt(onnx::NodeProto* n, const std::string& name, int64_t v);
void SetInts(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v);
void SetFloat(onnx::NodeProto* n, const std::string& name, float v);
void SetString(onnx::NodeProto* n, const std::string& name, const std::string& v);

}  // namespace hostnn_test
