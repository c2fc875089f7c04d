#include "model.h"

#include <climits>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>
#include <sstream>

#include <onnx/onnx_pb.h>

#include "ops/registry.h"

namespace hostnn {

size_t ElementSize(DType t) {
  switch (t) {
    case DType::F32:
    case DType::I32: return 4;
    case DType::I8:
    case DType::U8: return 1;
    case DType::I64: return 8;
  }
  return 0;
}

const char* DTypeName(DType t) {
  switch (t) {
    case DType::F32: return "float32";
    case DType::I8: return "int8";
    case DType::U8: return "uint8";
    case DType::I32: return "int32";
    case DType::I64: return "int64";
  }
  return "?";
}

OH_NN_DataType ToNNDataType(DType t) {
  switch (t) {
    case DType::F32: return OH_NN_FLOAT32;
    case DType::I8: return OH_NN_INT8;
    case DType::U8: return OH_NN_UINT8;
    case DType::I32: return OH_NN_INT32;
    case DType::I64: return OH_NN_INT64;
  }
  return OH_NN_UNKNOWN;
}

int64_t NumElements(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

bool CheckedElements(const Shape& s, int64_t* out) {
  int64_t n = 1;
  for (int64_t d : s)
    if (d < 0 || !CheckedMul(n, d, &n) || n > kMaxElements) return false;
  *out = n;
  return true;
}

std::string ShapeString(const Shape& s) {
  std::ostringstream o;
  o << '[';
  for (size_t i = 0; i < s.size(); ++i) o << (i ? "," : "") << s[i];
  o << ']';
  return o.str();
}

std::vector<float> Const::AsFloat() const {
  std::vector<float> v(bytes.size() / 4);
  if (!v.empty()) std::memcpy(v.data(), bytes.data(), v.size() * 4);
  return v;
}

std::vector<int64_t> Const::AsInt64() const {
  size_t n = static_cast<size_t>(NumElements(shape));
  std::vector<int64_t> v(n);
  for (size_t i = 0; i < n; ++i) {
    switch (dtype) {
      case DType::I64: v[i] = data<int64_t>()[i]; break;
      case DType::I32: v[i] = data<int32_t>()[i]; break;
      case DType::I8: v[i] = data<int8_t>()[i]; break;
      case DType::U8: v[i] = data<uint8_t>()[i]; break;
      case DType::F32: v[i] = static_cast<int64_t>(data<float>()[i]); break;
    }
  }
  return v;
}

int64_t Node::Int(const std::string& a, int64_t def) const {
  auto it = attrs.find(a);
  return it == attrs.end() ? def : it->second.i;
}
float Node::Float(const std::string& a, float def) const {
  auto it = attrs.find(a);
  return it == attrs.end() ? def : it->second.f;
}
std::string Node::Str(const std::string& a, const std::string& def) const {
  auto it = attrs.find(a);
  return it == attrs.end() ? def : it->second.s;
}
std::vector<int64_t> Node::Ints(const std::string& a, std::vector<int64_t> def) const {
  auto it = attrs.find(a);
  return it == attrs.end() ? def : it->second.ints;
}
std::string Node::Where() const { return "node '" + name + "'"; }

bool IsOfflineModel(const void* data, size_t size) {
  static const unsigned char kMagic[4] = {'I', 'M', 'O', 'D'};  // uint32 0x444F4D49 stored little-endian
  return data != nullptr && size >= 4 && std::memcmp(data, kMagic, 4) == 0;
}

namespace {

[[noreturn]] void Invalid(const std::string& msg) { throw Error(OH_NN_INVALID_FILE, "invalid ONNX model: " + msg); }
[[noreturn]] void Unsupported(const std::string& msg) { throw Error(OH_NN_UNSUPPORTED, msg); }

bool MapDType(int32_t onnxType, DType* out) {
  switch (onnxType) {
    case onnx::TensorProto::FLOAT: *out = DType::F32; return true;
    case onnx::TensorProto::INT8: *out = DType::I8; return true;
    case onnx::TensorProto::UINT8: *out = DType::U8; return true;
    case onnx::TensorProto::INT32: *out = DType::I32; return true;
    case onnx::TensorProto::INT64: *out = DType::I64; return true;
    default: return false;
  }
}

Const ReadTensor(const onnx::TensorProto& t, const std::string& what) {
  Const c;
  if (!MapDType(t.data_type(), &c.dtype))
    Unsupported(what + " has data type " + std::to_string(t.data_type()) +
                " (supported: float32, int8, uint8, int32, int64)");
  if (t.data_location() == onnx::TensorProto::EXTERNAL) Unsupported(what + " uses external data");
  for (int64_t d : t.dims()) {
    if (d < 0) Invalid(what + " has a negative dimension");
    c.shape.push_back(d);
  }
  int64_t n = 0;
  if (!CheckedElements(c.shape, &n))
    Invalid("model declares a tensor too large: " + what + " has shape " + ShapeString(c.shape) +
            " (more than 2^30 elements)");
  size_t es = ElementSize(c.dtype);
  size_t bytes = static_cast<size_t>(n) * es;
  if (t.has_raw_data()) {  // sizes are checked before allocating: a corrupt dim must not allocate gigabytes
    if (t.raw_data().size() != bytes)
      Invalid(what + " raw data has " + std::to_string(t.raw_data().size()) + " bytes, expected " +
              std::to_string(bytes));
    c.bytes.resize(bytes);
    if (!c.bytes.empty()) std::memcpy(c.bytes.data(), t.raw_data().data(), c.bytes.size());
    return c;
  }
  auto countCheck = [&](int64_t have) {
    if (have != n) Invalid(what + " has " + std::to_string(have) + " values, expected " + std::to_string(n));
    c.bytes.resize(bytes);
  };
  // 8-bit values travel in int32_data: one outside the type's range is a corrupt model, not a value to wrap.
  auto smallInt = [&](int64_t i, int32_t lo, int32_t hi) {
    int32_t v = t.int32_data(static_cast<int>(i));
    if (v < lo || v > hi) Invalid(what + " value " + std::to_string(v) + " is out of range for " + DTypeName(c.dtype));
    return v;
  };
  switch (c.dtype) {
    case DType::F32:
      countCheck(t.float_data_size());
      for (int64_t i = 0; i < n; ++i) reinterpret_cast<float*>(c.bytes.data())[i] = t.float_data(static_cast<int>(i));
      break;
    case DType::I64:
      countCheck(t.int64_data_size());
      for (int64_t i = 0; i < n; ++i) reinterpret_cast<int64_t*>(c.bytes.data())[i] = t.int64_data(static_cast<int>(i));
      break;
    case DType::I32:
      countCheck(t.int32_data_size());
      for (int64_t i = 0; i < n; ++i) reinterpret_cast<int32_t*>(c.bytes.data())[i] = t.int32_data(static_cast<int>(i));
      break;
    case DType::I8:
      countCheck(t.int32_data_size());
      for (int64_t i = 0; i < n; ++i)
        reinterpret_cast<int8_t*>(c.bytes.data())[i] = static_cast<int8_t>(smallInt(i, -128, 127));
      break;
    case DType::U8:
      countCheck(t.int32_data_size());
      for (int64_t i = 0; i < n; ++i) c.bytes[i] = static_cast<uint8_t>(smallInt(i, 0, 255));
      break;
  }
  return c;
}

}  // namespace

// ---- static shape inference: the helpers op files use (ops/op.h) ------------------------------------------

// Largest batch × output pixels × kernel area of one convolution or pooling node (2^26 pointers = 512 MiB of
// XNNPACK indirection buffer; a 7x7 kernel over a 1024x1024 output is 51 M).
constexpr int64_t kMaxWindowPositions = int64_t{1} << 26;

void InferContext::Bad(const std::string& msg) const {
  throw Error(OH_NN_INVALID_FILE, "invalid ONNX model: " + n->op + " " + n->Where() + ": " + msg);
}
void InferContext::Unsup(const std::string& msg) const {
  throw Error(OH_NN_UNSUPPORTED, "unsupported " + n->op + " " + n->Where() + ": " + msg);
}
const ValueInfo& InferContext::In(size_t i) const {
  if (i >= n->inputs.size() || n->inputs[i].empty()) Bad("missing input " + std::to_string(i));
  auto it = g.values.find(n->inputs[i]);
  if (it == g.values.end()) Bad("input '" + n->inputs[i] + "' is not defined before this node");
  return it->second;
}
const Const& InferContext::ConstIn(size_t i, const char* what) const {
  In(i);
  if (!g.IsConst(n->inputs[i])) Unsup(std::string(what) + " must be a constant");
  return g.GetConst(n->inputs[i]);
}
void InferContext::TooLarge(const std::string& what) const {
  Bad("model declares a tensor too large: " + what + " (more than 2^30 elements)");
}
void InferContext::Out(size_t i, DType t, Shape s) {
  if (i >= n->outputs.size() || n->outputs[i].empty()) Bad("missing output " + std::to_string(i));
  for (int64_t d : s)
    if (d <= 0) Bad("output shape " + ShapeString(s) + " has a non-positive dimension");
  int64_t e = 0;
  if (!CheckedElements(s, &e)) TooLarge("output shape " + ShapeString(s));
  if (g.values.count(n->outputs[i])) Bad("tensor '" + n->outputs[i] + "' is produced twice");
  g.values[n->outputs[i]] = ValueInfo{t, std::move(s)};
}
void InferContext::RequireFloat(const ValueInfo& v, const char* what) const {
  if (v.dtype != DType::F32) Unsup(std::string(what) + " must be float32, got " + DTypeName(v.dtype));
}
void InferContext::SameAsInput(bool floatOnly) {
  const ValueInfo& x = In(0);
  if (floatOnly) RequireFloat(x, "input");
  Out(0, x.dtype, x.shape);
}
// Input 1 of QuantizeLinear / DequantizeLinear, checked once here for every consumer: float32, every value
// finite, positive and normal. A NaN/Inf/0 scale turns every requantized value into garbage, and a subnormal
// one has an infinite reciprocal.
const Const& InferContext::Scales() const {
  const Const& s = ConstIn(1, "the scale");
  const std::string& name = n->inputs[1];
  if (s.dtype != DType::F32) Bad("scale '" + name + "' is " + DTypeName(s.dtype) + "; it must be float32");
  std::vector<float> v = s.AsFloat();
  for (size_t i = 0; i < v.size(); ++i) {
    if (std::isnormal(v[i]) && v[i] > 0.f) continue;
    std::ostringstream o;
    o << "scale '" << name << "'";
    if (!s.shape.empty()) o << "[" << i << "]";
    o << " is " << v[i] << "; it must be a finite positive normal float";
    Bad(o.str());
  }
  return s;
}

Shape InferContext::Broadcast(const Shape& a, const Shape& b) const {
  size_t r = std::max(a.size(), b.size());
  Shape o(r);
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da != db && da != 1 && db != 1)
      Bad("shapes " + ShapeString(a) + " and " + ShapeString(b) + " do not broadcast");
    o[i] = da == 1 ? db : da;  // a 0 dim (an empty constant) stays 0 and Out refuses it
  }
  return o;
}

// Spatial output size for conv/pool with explicit or auto padding; fills pads (begin..., end...).
// pool: explicit pads must be smaller than the window (onnxruntime's rule too): larger ones only add windows
// that see no input.
Shape InferContext::Spatial(const Shape& x, const std::vector<int64_t>& kernel, bool ceilMode, bool pool,
                            std::vector<int64_t>* padsOut) const {
  size_t sp = x.size() - 2;
  if (kernel.size() != sp)
    Bad("kernel_shape has " + std::to_string(kernel.size()) + " dims for a " + std::to_string(x.size()) + "-D input");
  auto strides = n->Ints("strides", std::vector<int64_t>(sp, 1));
  auto dil = n->Ints("dilations", std::vector<int64_t>(sp, 1));
  auto pads = n->Ints("pads", std::vector<int64_t>(2 * sp, 0));
  if (strides.size() != sp || dil.size() != sp || pads.size() != 2 * sp)
    Bad("strides/dilations/pads have the wrong length");
  std::string ap = n->Str("auto_pad", "NOTSET");
  Shape out(sp);
  // Every attribute is bounded first (XNNPACK takes them as uint32_t); with each term at most 2^30 (input dims
  // too) the sums and products below stay under 2^61.
  auto inRange = [&](const char* attr, const std::vector<int64_t>& v, size_t j, int64_t lo) {
    if (v[j] < lo || v[j] > kMaxElements)
      Bad(std::string(attr) + "[" + std::to_string(j) + "] = " + std::to_string(v[j]) + " is out of range (" +
          std::to_string(lo) + " to 2^30)");
  };
  for (size_t i = 0; i < sp; ++i) {
    inRange("kernel_shape", kernel, i, 1);
    inRange("strides", strides, i, 1);
    inRange("dilations", dil, i, 1);
    inRange("pads", pads, i, 0);
    inRange("pads", pads, i + sp, 0);
    int64_t ek = (kernel[i] - 1) * dil[i] + 1;
    if (pool && ap == "NOTSET")
      for (size_t j : {i, i + sp})
        if (pads[j] >= ek)
          Bad("pads[" + std::to_string(j) + "] = " + std::to_string(pads[j]) +
              " is out of range: a pooling pad must be smaller than the window (" + std::to_string(ek) + ")");
    if (ap == "SAME_UPPER" || ap == "SAME_LOWER") {
      out[i] = (x[2 + i] + strides[i] - 1) / strides[i];
      int64_t total = std::max<int64_t>(0, (out[i] - 1) * strides[i] + ek - x[2 + i]);
      pads[i] = ap == "SAME_UPPER" ? total / 2 : total - total / 2;
      pads[i + sp] = total - pads[i];
    } else {
      if (ap == "VALID")
        pads[i] = pads[i + sp] = 0;
      else if (ap != "NOTSET")
        Bad("auto_pad '" + ap + "'");
      int64_t span = x[2 + i] + pads[i] + pads[i + sp] - ek;
      if (span < 0) Bad("kernel larger than the padded input");
      out[i] = (ceilMode ? (span + strides[i] - 1) / strides[i] : span / strides[i]) + 1;
      // ONNX: the last window must start inside the input or the begin padding.
      if (ceilMode && (out[i] - 1) * strides[i] >= x[2 + i] + pads[i]) --out[i];
    }
  }
  // Each output position reads a whole window: XNNPACK keeps a pointer per (position, window element) in its
  // indirection buffers and our pooling kernel visits each, so bound that product like a tensor's size.
  int64_t positions = x[0];
  for (size_t i = 0; i < sp; ++i)
    if (!CheckedMul(positions, out[i], &positions) || !CheckedMul(positions, kernel[i], &positions)) positions = -1;
  if (positions < 0 || positions > kMaxWindowPositions)
    Bad("model declares a tensor too large: kernel " + ShapeString(kernel) + " over output " + ShapeString(out) +
        " reads more than 2^26 window positions");
  *padsOut = pads;
  return out;
}

namespace {

Attr ReadAttr(const onnx::AttributeProto& a) {
  Attr r;
  r.i = a.i();
  r.f = a.f();
  r.s = a.s();
  r.ints.assign(a.ints().begin(), a.ints().end());
  r.floats.assign(a.floats().begin(), a.floats().end());
  return r;
}

// The AIPP declaration of the model's metadata_props (AippDecl); a malformed one makes the model invalid.
AippDecl ReadAippDecl(const onnx::ModelProto& m) {
  const std::string modeKey = "hiai.aipp.mode", sizeKey = "hiai.aipp.max_src_image_size";
  const std::string* mode = nullptr;
  const std::string* size = nullptr;
  for (const auto& p : m.metadata_props()) {
    if (p.key() == modeKey) mode = &p.value();
    if (p.key() == sizeKey) size = &p.value();
  }
  AippDecl d;
  if (mode && *mode != "dynamic" && *mode != "static")
    Invalid("metadata " + modeKey + " is '" + *mode + "' (expected 'dynamic' or 'static')");
  d.dynamic = mode && *mode == "dynamic";
  if (!d.dynamic) {
    if (size) Invalid("metadata " + sizeKey + " is only for " + modeKey + " 'dynamic'");
    return d;
  }
  if (!size) Invalid("metadata " + modeKey + " 'dynamic' needs " + sizeKey + " (the largest source image, in bytes)");
  // Decimal digits only, 1 to UINT32_MAX (the config file's max_src_image_size is a uint32).
  bool digits = !size->empty() && size->size() <= 10;
  for (char ch : *size) digits = digits && ch >= '0' && ch <= '9';
  const uint64_t v = digits ? std::stoull(*size) : 0;
  if (v == 0 || v > std::numeric_limits<uint32_t>::max())
    Invalid("metadata " + sizeKey + " is '" + *size + "' (expected a decimal byte count from 1 to 4294967295)");
  d.maxSrcImageSize = v;
  return d;
}

void ParseModel(const void* data, size_t size, onnx::ModelProto* m) {
  if (data == nullptr || size == 0) Invalid("the model buffer is empty");
  if (IsOfflineModel(data, size))
    throw Error(OH_NN_INVALID_FILE,
                "this is a CANN offline model (.om); it needs the HIAI_F NPU; use the ONNX model on the host");
  if (size > static_cast<size_t>(INT_MAX)) Invalid("the model is larger than 2 GiB");
  if (!m->ParseFromArray(data, static_cast<int>(size)))
    Invalid("the bytes are not an ONNX protobuf (truncated or a different file type)");
  if (m->ir_version() <= 0 || !m->has_graph() || m->graph().node_size() == 0)
    Invalid("no ir_version or an empty graph (not an ONNX model file?)");
}

// The model's inputs as declared (initializers listed as inputs skipped), a dynamic dim (a dim_param, -1 or none)
// as -1; an input without any shape is left empty.
std::vector<Shape> DeclaredInputShapes(const onnx::ModelProto& m) {
  std::set<std::string> inits;
  for (const auto& t : m.graph().initializer()) inits.insert(t.name());
  std::vector<Shape> shapes;
  for (const auto& in : m.graph().input()) {
    if (inits.count(in.name())) continue;
    Shape s;
    if (in.type().has_tensor_type() && in.type().tensor_type().has_shape())
      for (const auto& d : in.type().tensor_type().shape().dim())
        s.push_back(d.has_dim_value() && d.dim_value() > 0 ? d.dim_value() : -1);
    shapes.push_back(std::move(s));
  }
  return shapes;
}

// The gears of metadata "hiai.dynamic_dims" (omg --dynamic_dims syntax: gears separated by ';', the values of one
// gear by ','), each as the input shapes with its values filled into the dynamic dims in input order. Empty when the
// key is absent. A malformed list, a gear whose value count differs from the dynamic dims, a repeated gear or more
// than the guide's 16 make the model invalid.
std::vector<std::vector<Shape>> ReadGears(const onnx::ModelProto& m, const std::vector<Shape>& declared) {
  const std::string key = "hiai.dynamic_dims";
  const std::string* text = nullptr;
  for (const auto& p : m.metadata_props())
    if (p.key() == key) text = &p.value();
  if (!text) return {};
  size_t dynamic = 0;
  for (const Shape& s : declared)
    for (int64_t d : s) dynamic += d < 0 ? 1 : 0;
  if (dynamic == 0) Invalid("metadata " + key + " '" + *text + "' but no model input has a dynamic dim (-1)");
  std::vector<std::vector<Shape>> gears;
  std::set<std::vector<int64_t>> seen;
  std::stringstream gearsIn(*text);
  std::string gearText;
  while (std::getline(gearsIn, gearText, ';')) {
    if (gearText.empty()) Invalid("metadata " + key + " '" + *text + "' has an empty gear");
    std::vector<int64_t> values;
    std::stringstream valuesIn(gearText);
    std::string v;
    while (std::getline(valuesIn, v, ',')) {
      bool digits = !v.empty() && v.size() <= 9;
      for (char ch : v) digits = digits && ch >= '0' && ch <= '9';
      if (!digits || std::stoll(v) <= 0)
        Invalid("metadata " + key + " '" + *text + "': '" + v + "' is not a positive integer");
      values.push_back(std::stoll(v));
    }
    if (values.size() != dynamic)
      Invalid("metadata " + key + " '" + *text + "': the gear '" + gearText + "' has " + std::to_string(values.size()) +
              " value(s) for " + std::to_string(dynamic) + " dynamic dim(s)");
    if (!seen.insert(values).second) Invalid("metadata " + key + " '" + *text + "' lists '" + gearText + "' twice");
    std::vector<Shape> shapes = declared;
    size_t next = 0;
    for (Shape& s : shapes)
      for (int64_t& d : s)
        if (d < 0) d = values[next++];
    gears.push_back(std::move(shapes));
  }
  if (gears.empty() || text->back() == ';') Invalid("metadata " + key + " '" + *text + "' has an empty gear");
  if (gears.size() > kMaxGears)
    Invalid("metadata " + key + " lists " + std::to_string(gears.size()) + " gears; at most " +
            std::to_string(kMaxGears) + " (omg --dynamic_dims)");
  return gears;
}

Graph ImportGraph(const onnx::ModelProto& m, const std::vector<Shape>* inputShapes) {
  Graph g;
  for (const auto& os : m.opset_import())
    if (os.domain().empty() || os.domain() == "ai.onnx") g.opset = os.version();
  if (g.opset == 0) Invalid("no default-domain opset import");
  if (g.opset < 11 || g.opset > 17) Unsupported("opset " + std::to_string(g.opset) + " (supported: 11 to 17)");
  g.aipp = ReadAippDecl(m);
  const onnx::GraphProto& gp = m.graph();
  g.name = gp.name();

  for (const auto& t : gp.initializer()) {
    if (t.name().empty()) Invalid("an initializer has no name");
    g.consts[t.name()] = ReadTensor(t, "initializer '" + t.name() + "'");
    g.values[t.name()] = ValueInfo{g.consts[t.name()].dtype, g.consts[t.name()].shape};
  }
  size_t inputIndex = 0;
  for (const auto& in : gp.input()) {
    if (g.consts.count(in.name())) continue;  // old-style models list initializers as inputs
    const Shape* fixed = inputShapes && inputIndex < inputShapes->size() ? &(*inputShapes)[inputIndex] : nullptr;
    ++inputIndex;
    if (!in.type().has_tensor_type()) Unsupported("model input '" + in.name() + "' is not a tensor");
    const auto& tt = in.type().tensor_type();
    ValueInfo v;
    if (!MapDType(tt.elem_type(), &v.dtype) || v.dtype == DType::I32 || v.dtype == DType::I64)
      Unsupported("model input '" + in.name() + "' has element type " + std::to_string(tt.elem_type()) +
                  " (supported: float32, int8, uint8)");
    if (!tt.has_shape())
      throw Error(OH_NN_DYNAMIC_SHAPE, "model input '" + in.name() + "' has no shape; give a fixed input shape");
    if (fixed && static_cast<int>(fixed->size()) != tt.shape().dim_size())
      throw Error(OH_NN_INVALID_PARAMETER,
                  "the fixed shape " + ShapeString(*fixed) + " for input '" + in.name() + "' has the wrong rank");
    for (const auto& d : tt.shape().dim()) {
      if (fixed) {
        int64_t want = (*fixed)[v.shape.size()];
        if (want <= 0 || (d.has_dim_value() && d.dim_value() > 0 && d.dim_value() != want))
          throw Error(OH_NN_INVALID_PARAMETER,
                      "the fixed shape " + ShapeString(*fixed) + " does not match input '" + in.name() + "'");
        v.shape.push_back(want);
        continue;
      }
      if (d.has_dim_value() && d.dim_value() == 0) Unsupported("model input '" + in.name() + "' has a zero dimension");
      if (!d.has_dim_value() || d.dim_value() < 0)
        throw Error(OH_NN_DYNAMIC_SHAPE, "model input '" + in.name() + "' has a dynamic dim" +
                                             (d.has_dim_param() ? " '" + d.dim_param() + "'" : std::string()) +
                                             "; give a fixed input shape (HMS_HiAIOptions_SetInputTensorShapes)");
      v.shape.push_back(d.dim_value());
    }
    int64_t elements = 0;
    if (!CheckedElements(v.shape, &elements))
      Unsupported("model input '" + in.name() + "' is too large: " + ShapeString(v.shape));
    if (g.values.count(in.name())) Invalid("duplicate input '" + in.name() + "'");
    g.values[in.name()] = v;
    g.inputs.push_back(in.name());
  }
  if (g.inputs.empty()) Invalid("the graph has no inputs");
  if (inputShapes && inputShapes->size() != g.inputs.size())
    throw Error(OH_NN_INVALID_PARAMETER, "got " + std::to_string(inputShapes->size()) + " fixed input shape(s) for " +
                                             std::to_string(g.inputs.size()) + " model input(s)");

  InferContext inf{g};
  int index = 0;
  for (const auto& np : gp.node()) {
    Node n;
    n.op = np.op_type();
    n.name = np.name().empty() ? n.op + "_" + std::to_string(index) : np.name();
    ++index;
    if (!np.domain().empty() && np.domain() != "ai.onnx")
      Unsupported("unsupported op '" + np.domain() + "::" + n.op + "' (" + n.Where() + ")");
    n.inputs.assign(np.input().begin(), np.input().end());
    n.outputs.assign(np.output().begin(), np.output().end());
    for (const auto& a : np.attribute()) n.attrs[a.name()] = ReadAttr(a);
    if (n.op == "Constant") {  // a constant of the graph, not an op: its tensor is read like an initializer
      if (n.outputs.size() != 1 || !np.attribute_size() || !np.attribute(0).has_t())
        Unsupported("Constant " + n.Where() + " without a tensor value");
      Const c = ReadTensor(np.attribute(0).t(), "Constant " + n.Where());
      g.values[n.outputs[0]] = ValueInfo{c.dtype, c.shape};
      g.consts[n.outputs[0]] = std::move(c);
      continue;
    }
    const OpDef* def = FindOp(n.op);
    if (!def) Unsupported("unsupported op '" + n.op + "' (" + n.Where() + ")");
    if (def->foldConstant && def->foldConstant(g, n)) continue;
    inf.n = &n;
    def->infer(inf);
    g.nodes.push_back(std::move(n));
  }
  for (const auto& out : gp.output()) {
    auto it = g.values.find(out.name());
    if (it == g.values.end()) Invalid("graph output '" + out.name() + "' is not produced by any node");
    if (g.IsConst(out.name())) Unsupported("graph output '" + out.name() + "' is a constant");
    g.outputs.push_back(out.name());
  }
  if (g.outputs.empty()) Invalid("the graph has no outputs");
  return g;
}

}  // namespace

Graph ImportOnnx(const void* data, size_t size, const std::vector<Shape>* inputShapes) {
  onnx::ModelProto m;
  ParseModel(data, size, &m);
  return ImportGraph(m, inputShapes);
}

GearedModel ImportOnnxGears(const void* data, size_t size, const std::vector<Shape>* inputShapes) {
  onnx::ModelProto m;
  ParseModel(data, size, &m);
  GearedModel r;
  r.declaredInputs = DeclaredInputShapes(m);
  const std::vector<std::vector<Shape>> gears = ReadGears(m, r.declaredInputs);
  if (gears.empty()) {
    r.graphs.push_back(ImportGraph(m, inputShapes));
    return r;
  }
  if (inputShapes) {  // SetInputTensorShapes on a geared model: the gear it names, built alone
    for (const std::vector<Shape>& gear : gears)
      if (gear == *inputShapes) {
        r.graphs.push_back(ImportGraph(m, &gear));
        r.declaredInputs = gear;
        return r;
      }
    ImportGraph(m, inputShapes);  // a wrong count, rank or static dim: the error a model without gears gives
    std::string list;
    for (const std::vector<Shape>& gear : gears) list += (list.empty() ? "" : ", ") + ShapeString(gear[0]);
    throw Error(OH_NN_INVALID_PARAMETER,
                "the input shapes set (HMS_HiAIOptions_SetInputTensorShapes) are not one of "
                "the model's gears (metadata hiai.dynamic_dims; input 0: " +
                    list + ")");
  }
  for (const std::vector<Shape>& gear : gears) {
    r.graphs.push_back(ImportGraph(m, &gear));
    if (r.graphs.back().aipp.dynamic)
      Unsupported("dynamic AIPP with dynamic_dims gears (the host runtime takes AIPP params for a fixed batch only)");
  }
  return r;
}

}  // namespace hostnn
