// What an op file (ops/<op>.cpp) implements and the contexts it is given: shape inference at import (model.cpp)
// and, in the execution plan (plan.cpp), float and int8 QDQ lowering to a typed Op that XNNPACK defines or our
// kernel runs. The registry (registry.h) maps an ONNX op type to its OpDef.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model.h"

namespace hostnn {

// Static shape inference of one node: attribute checks, checked arithmetic, the output ValueInfos.
class InferContext {
 public:
  explicit InferContext(Graph& graph) : g(graph) {}
  Graph& g;
  const Node* n = nullptr;

  [[noreturn]] void Bad(const std::string& msg) const;    // OH_NN_INVALID_FILE "invalid ONNX model: <op> <node>: "
  [[noreturn]] void Unsup(const std::string& msg) const;  // OH_NN_UNSUPPORTED "unsupported <op> <node>: "
  const ValueInfo& In(size_t i) const;                    // a present, defined input
  bool HasIn(size_t i) const { return i < n->inputs.size() && !n->inputs[i].empty(); }
  const Const& ConstIn(size_t i, const char* what) const;  // an input that must be a constant
  [[noreturn]] void TooLarge(const std::string& what) const;
  void Out(size_t i, DType t, Shape s);  // declares output i (positive dims, at most kMaxElements, once)
  void RequireFloat(const ValueInfo& v, const char* what) const;
  // Output 0 has input 0's type and shape (elementwise ops); floatOnly: the input must be float32.
  void SameAsInput(bool floatOnly);
  // Input 1 of QuantizeLinear / DequantizeLinear: float32, every value finite, positive and normal.
  const Const& Scales() const;
  static int64_t NormAxis(int64_t axis, size_t rank) { return axis < 0 ? axis + static_cast<int64_t>(rank) : axis; }
  Shape Broadcast(const Shape& a, const Shape& b) const;
  // Spatial output size for conv/pool with explicit or auto padding; fills pads (begin..., end...).
  Shape Spatial(const Shape& x, const std::vector<int64_t>& kernel, bool ceilMode, bool pool,
                std::vector<int64_t>* padsOut) const;
};

// One ONNX op type (default domain, the opsets ImportOnnx accepts; an op whose meaning changed between them reads
// Graph::opset, e.g. Softmax). Hooks an op does not have are null.
struct OpDef {
  void (*infer)(InferContext& c) = nullptr;
  // Import-time folding: true when the node was replaced by a constant (Identity of a constant).
  bool (*foldConstant)(Graph& g, const Node& n) = nullptr;
};

}  // namespace hostnn
