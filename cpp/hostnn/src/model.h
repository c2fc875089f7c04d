// ONNX model import for the host NN runtime: parse the bytes, copy out constants, infer static shapes.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "neural_network_runtime/neural_network_runtime_type.h"

namespace hostnn {

// A Build/Run failure: the NNRt code to return and the text for HostNN_GetLastErrorMessage.
struct Error : std::runtime_error {
  OH_NN_ReturnCode code;
  Error(OH_NN_ReturnCode c, const std::string& msg) : std::runtime_error(msg), code(c) {}
};

enum class DType { F32, I8, U8, I32, I64 };
size_t ElementSize(DType t);
const char* DTypeName(DType t);
OH_NN_DataType ToNNDataType(DType t);

using Shape = std::vector<int64_t>;
// Product of the dims. Only for shapes ImportOnnx has checked (every tensor of a Graph): each has at most
// kMaxElements elements, so this cannot overflow.
int64_t NumElements(const Shape& s);

// Largest element count of any one tensor a model may declare (initializers, inputs, inferred outputs), and the
// largest kernel/stride/dilation/pad attribute.
constexpr int64_t kMaxElements = int64_t{1} << 30;

// Checked arithmetic for sizes that come from model bytes (dims, pads, strides, Reshape targets, ...): a model is
// untrusted input. false when the exact result does not fit in int64_t; the caller turns that into an error
// naming the node.
inline bool CheckedMul(int64_t a, int64_t b, int64_t* out) { return !__builtin_mul_overflow(a, b, out); }
inline bool CheckedAdd(int64_t a, int64_t b, int64_t* out) { return !__builtin_add_overflow(a, b, out); }
// Element count of a shape from the model: false if a dim is negative or the product passes kMaxElements.
bool CheckedElements(const Shape& s, int64_t* out);
std::string ShapeString(const Shape& s);

// A constant tensor (initializer or Constant node), copied out of the model bytes.
struct Const {
  DType dtype = DType::F32;
  Shape shape;
  std::vector<uint8_t> bytes;  // logical (row-major) order
  template <typename T>
  const T* data() const {
    return reinterpret_cast<const T*>(bytes.data());
  }
  std::vector<float> AsFloat() const;    // F32 only
  std::vector<int64_t> AsInt64() const;  // integer types
};

struct Attr {
  int64_t i = 0;
  float f = 0.f;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
};

struct Node {
  std::string op, name;
  std::vector<std::string> inputs, outputs;  // "" = absent optional input
  std::map<std::string, Attr> attrs;
  bool Has(const std::string& a) const { return attrs.count(a) != 0; }
  int64_t Int(const std::string& a, int64_t def) const;
  float Float(const std::string& a, float def) const;
  std::string Str(const std::string& a, const std::string& def) const;
  std::vector<int64_t> Ints(const std::string& a, std::vector<int64_t> def) const;
  std::string Where() const;  // "node 'name'" (or the op and index when unnamed)
};

struct ValueInfo {
  DType dtype = DType::F32;
  Shape shape;
};

// Dynamic AIPP, declared as a dynamic-AIPP .om carries it (insert_op_conf aipp_mode dynamic + max_src_image_size):
// ONNX metadata_props "hiai.aipp.mode" = "dynamic" ("static" or absent: the model takes no AIPP params) and
// "hiai.aipp.max_src_image_size" = the largest source image in bytes (cpp/hostnn/README.md, "AIPP").
struct AippDecl {
  bool dynamic = false;
  uint64_t maxSrcImageSize = 0;
};

struct Graph {
  std::string name;  // the ONNX graph's name (may be empty): names the profile files of HMS_HiAIOptions_SetOmOptions
  int64_t opset = 0;
  AippDecl aipp;
  std::map<std::string, Const> consts;
  std::map<std::string, ValueInfo> values;  // every tensor incl. constants
  std::vector<Node> nodes;                  // topological order
  std::vector<std::string> inputs, outputs;
  bool IsConst(const std::string& n) const { return consts.count(n) != 0; }
  const Const& GetConst(const std::string& n) const { return consts.at(n); }
};

// True when the bytes start with the CANN/HiAI offline-model header magic ("IMOD", 0x444F4D49 little-endian).
bool IsOfflineModel(const void* data, size_t size);

// Parses and validates an ONNX model; throws Error(OH_NN_INVALID_FILE / OH_NN_UNSUPPORTED / ...) with a message.
// inputShapes (optional, one per model input in order): fixed shapes for inputs with dynamic dims
// (HMS_HiAIOptions_SetInputTensorShapes); they must keep the rank and every static dim.
Graph ImportOnnx(const void* data, size_t size, const std::vector<Shape>* inputShapes = nullptr);

// The most shape gears a model may declare: the CANN Kit guide's limit for omg --dynamic_dims.
constexpr size_t kMaxGears = 16;

// A model imported once per shape gear. A dynamic-batch .om (omg --input_shape "x:-1,3,224,224" --dynamic_dims
// "1;2;4") carries its gears; an ONNX model declares them the same way: -1 / dim_param dims in its inputs and
// metadata_props "hiai.dynamic_dims" = "1;2;4" (the values of each gear fill the dynamic dims in input order; see
// cpp/hostnn/README.md, "Dynamic batch"). Without that key: one graph, as ImportOnnx. With it: one graph per gear in
// the declared order, or, when inputShapes are given (HMS_HiAIOptions_SetInputTensorShapes), the one gear they
// equal (OH_NN_INVALID_PARAMETER when they equal none).
struct GearedModel {
  std::vector<Shape> declaredInputs;  // -1 for a dynamic dim
  std::vector<Graph> graphs;          // one per gear (one for a model without gears)
};
GearedModel ImportOnnxGears(const void* data, size_t size, const std::vector<Shape>* inputShapes);

}  // namespace hostnn
