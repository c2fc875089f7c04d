// libFuzzer target: structure-aware ONNX models. The input is read as a recipe (FuzzedDataProvider): opset, a
// model input, then up to 8 nodes of the supported ops, each with inputs picked among earlier tensors, constants
// of random shapes and values, attributes from small ranges or extreme values (0, -1, 2^31, INT64_MAX, ...), and
// QuantizeLinear/DequantizeLinear pairs with scales and zero points that may be NaN, ±Inf, 0, negative, subnormal.
// Byte mutations of a protobuf (fuzz_onnx_import) rarely reach shape inference and planning with such values;
// this does on every input. The model goes through ImportOnnx → BuildPlan and, when its tensors are small, one
// Run on input bytes from the recipe. hostnn::Error is the expected failure; anything else is a finding.
#include <fuzzer/FuzzedDataProvider.h>

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <limits>
#include <new>
#include <string>
#include <vector>

#include "model.h"
#include "plan.h"

namespace {

constexpr size_t kRunTensorBytes = size_t{1} << 20;

class Recipe {
 public:
  explicit Recipe(FuzzedDataProvider& in) : in_(in) {}

  std::string Build() {
    m_.set_ir_version(7);
    auto* os = m_.add_opset_import();
    os->set_domain("");
    os->set_version(in_.PickValueInArray({11, 13, 17}));
    g_ = m_.mutable_graph();
    g_->set_name("fuzz");
    auto* x = g_->add_input();
    x->set_name("x");
    auto* tt = x->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(in_.ConsumeIntegralInRange(0, 7) == 0 ? onnx::TensorProto::UINT8 : onnx::TensorProto::FLOAT);
    int rank = in_.PickValueInArray({4, 4, 2, 3, 1});
    for (int i = 0; i < rank; ++i) tt->mutable_shape()->add_dim()->set_dim_value(Dim());
    tensors_.push_back("x");
    int nodes = in_.ConsumeIntegralInRange(1, 8);
    for (int i = 0; i < nodes && in_.remaining_bytes() > 0; ++i) AddNode(i);
    auto* y = g_->add_output();
    y->set_name(tensors_.back());
    y->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    return m_.SerializeAsString();
  }

 private:
  FuzzedDataProvider& in_;
  onnx::ModelProto m_;
  onnx::GraphProto* g_ = nullptr;
  std::vector<std::string> tensors_;
  int names_ = 0;

  int64_t Dim() {
    if (in_.ConsumeIntegralInRange(0, 15) == 0) return Extreme();
    return in_.ConsumeIntegralInRange<int64_t>(1, 12);
  }
  int64_t Extreme() {
    return in_.PickValueInArray<int64_t>({0, -1, -2, 1 << 20, int64_t{1} << 31, int64_t{1} << 40, int64_t{1} << 62,
                                          std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()});
  }
  int64_t SmallInt(int64_t lo, int64_t hi) {
    return in_.ConsumeIntegralInRange(0, 15) == 0 ? Extreme() : in_.ConsumeIntegralInRange<int64_t>(lo, hi);
  }
  float Scale() {
    if (in_.ConsumeIntegralInRange(0, 7) != 0) return in_.ConsumeFloatingPointInRange<float>(1e-4f, 1.f);
    return in_.PickValueInArray<float>({0.f, -0.5f, std::numeric_limits<float>::quiet_NaN(),
                                        std::numeric_limits<float>::infinity(), -std::numeric_limits<float>::infinity(),
                                        std::numeric_limits<float>::denorm_min(), 1e30f, 1e-30f, 3e38f});
  }
  std::string Name(const char* p) { return std::string(p) + std::to_string(names_++); }
  std::string Pick() { return tensors_[in_.ConsumeIntegralInRange<size_t>(0, tensors_.size() - 1)]; }

  onnx::TensorProto* Init(const std::string& name, int32_t type, const std::vector<int64_t>& dims) {
    auto* t = g_->add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    int64_t n = 1;
    for (int64_t d : dims) {
      t->add_dims(d);
      n = (d > 0 && n <= 4096 / d) ? n * d : 4097;
    }
    if (n > 4096 || n < 0) return t;  // the importer must refuse the size before it looks for the data
    for (int64_t i = 0; i < n; ++i) {
      switch (type) {
        case onnx::TensorProto::FLOAT: t->add_float_data(in_.ConsumeFloatingPointInRange<float>(-2.f, 2.f)); break;
        case onnx::TensorProto::INT64: t->add_int64_data(SmallInt(-1, 8)); break;
        case onnx::TensorProto::INT8: t->add_int32_data(in_.ConsumeIntegralInRange(-130, 130)); break;
        case onnx::TensorProto::UINT8: t->add_int32_data(in_.ConsumeIntegralInRange(-2, 257)); break;
        default: t->add_int32_data(in_.ConsumeIntegralInRange(-1000, 1000)); break;
      }
    }
    return t;
  }
  std::vector<int64_t> Dims(int rank) {
    std::vector<int64_t> d;
    for (int i = 0; i < rank; ++i) d.push_back(Dim());
    return d;
  }
  void Ints(onnx::NodeProto* n, const char* name, size_t count, int64_t lo, int64_t hi) {
    if (in_.ConsumeIntegralInRange(0, 3) == 0) return;  // default
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    if (in_.ConsumeIntegralInRange(0, 15) == 0) count = in_.ConsumeIntegralInRange<size_t>(0, 5);
    for (size_t i = 0; i < count; ++i) a->add_ints(SmallInt(lo, hi));
  }
  void Int(onnx::NodeProto* n, const char* name, int64_t lo, int64_t hi) {
    if (in_.ConsumeIntegralInRange(0, 2) == 0) return;
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(SmallInt(lo, hi));
  }
  // A DequantizeLinear of an int8 (or int32) constant: weights and biases of the QDQ form.
  std::string QuantConst(const std::vector<int64_t>& dims, bool bias) {
    std::string q = Name("wq"), s = Name("ws"), z = Name("wz"), out = Name("w");
    Init(q, bias ? onnx::TensorProto::INT32 : onnx::TensorProto::INT8, dims);
    bool per_channel = !dims.empty() && in_.ConsumeBool();
    std::vector<int64_t> sd;
    if (per_channel)
      sd.push_back(in_.ConsumeIntegralInRange(0, 7) == 0 ? std::min<int64_t>(dims[0], 4096) + 1 : dims[0]);
    auto* st = Init(s, onnx::TensorProto::FLOAT, {});
    st->clear_float_data();
    st->clear_dims();
    for (int64_t d : sd) st->add_dims(d);
    int64_t ns = sd.empty() ? 1 : std::min<int64_t>(sd[0], 4096);
    for (int64_t i = 0; i < ns; ++i) st->add_float_data(Scale());
    auto* n = g_->add_node();
    n->set_op_type("DequantizeLinear");
    n->add_input(q);
    n->add_input(s);
    if (in_.ConsumeBool()) {
      auto* zt = Init(z, bias ? onnx::TensorProto::INT32 : onnx::TensorProto::INT8, sd);
      (void)zt;
      n->add_input(z);
    }
    n->add_output(out);
    if (per_channel) Int(n, "axis", -1, 1);
    return out;
  }

  // x → Q/DQ (int8, per tensor) → Conv or Gemm with DequantizeLinear'd int8 weights (per tensor or per output
  // channel) and int32 bias (scale x_scale × w_scale, or not) → [Relu] → Q/DQ. Returns the output tensor.
  std::string QuantOp(bool conv, int index) {
    float xs = Scale(), ys = Scale();
    std::string xd = QDQ(Pick(), xs);
    int64_t oc = in_.ConsumeIntegralInRange(1, 8), ic = in_.ConsumeIntegralInRange(1, 8);
    std::vector<int64_t> wd = conv ? std::vector<int64_t>{oc, ic, SmallInt(1, 3), SmallInt(1, 3)}
                                   : std::vector<int64_t>{oc, in_.ConsumeIntegralInRange<int64_t>(1, 16)};
    std::string wq = Name("wq"), ws = Name("ws"), w = Name("w");
    Init(wq, onnx::TensorProto::INT8, wd);
    std::vector<float> wscale(in_.ConsumeBool() ? static_cast<size_t>(oc) : 1);
    for (float& v : wscale) v = Scale();
    auto* st = Init(ws, onnx::TensorProto::FLOAT, {});
    st->clear_float_data();
    if (wscale.size() > 1) st->add_dims(oc);
    for (float v : wscale) st->add_float_data(v);
    auto* dw = g_->add_node();
    dw->set_op_type("DequantizeLinear");
    dw->add_input(wq);
    dw->add_input(ws);
    dw->add_output(w);
    if (wscale.size() > 1) Int(dw, "axis", 0, 0);
    auto* n = g_->add_node();
    n->set_name((conv ? "qconv" : "qgemm") + std::to_string(index));
    n->set_op_type(conv ? "Conv" : "Gemm");
    n->add_input(xd);
    n->add_input(w);
    if (in_.ConsumeBool()) {
      std::string bq = Name("bq"), bs = Name("bs"), b = Name("b");
      Init(bq, onnx::TensorProto::INT32, {oc});
      auto* bt = Init(bs, onnx::TensorProto::FLOAT, {});
      bt->clear_float_data();
      if (wscale.size() > 1) bt->add_dims(oc);
      for (float v : wscale) bt->add_float_data(in_.ConsumeIntegralInRange(0, 7) == 0 ? Scale() : xs * v);
      auto* db = g_->add_node();
      db->set_op_type("DequantizeLinear");
      db->add_input(bq);
      db->add_input(bs);
      db->add_output(b);
      if (wscale.size() > 1) Int(db, "axis", 0, 0);
      n->add_input(b);
    }
    std::string y = Name("t");
    n->add_output(y);
    if (conv) {
      Int(n, "group", 1, 2);
      Ints(n, "pads", 4, 0, 2);
      Ints(n, "strides", 2, 1, 2);
    } else {
      Int(n, "transB", 1, 1);
    }
    if (in_.ConsumeBool()) {
      auto* r = g_->add_node();
      r->set_op_type("Relu");
      r->add_input(y);
      y = Name("t");
      r->add_output(y);
    }
    return QDQ(y, ys);
  }
  // x → QuantizeLinear → DequantizeLinear, per tensor, zero point of int8 (or uint8): the int8 activation pattern.
  // With mayMismatch, one in eight DequantizeLinears takes its scale from an earlier tensor (a pair that disagrees).
  std::string QDQ(const std::string& x, float scale, bool u8 = false, bool mayMismatch = false) {
    std::string s = Name("s"), z = Name("z"), q = Name("q"), out = Name("t");
    Init(s, onnx::TensorProto::FLOAT, {})->set_float_data(0, scale);
    Init(z, u8 ? onnx::TensorProto::UINT8 : onnx::TensorProto::INT8, {});
    auto* n = g_->add_node();
    n->set_op_type("QuantizeLinear");
    n->add_input(x);
    n->add_input(s);
    n->add_input(z);
    n->add_output(q);
    auto* d = g_->add_node();
    d->set_op_type("DequantizeLinear");
    d->add_input(q);
    d->add_input(mayMismatch && in_.ConsumeIntegralInRange(0, 7) == 0 ? Pick() : s);
    d->add_input(z);
    d->add_output(out);
    return out;
  }

  void AddNode(int index) {
    static const char* kOps[] = {
        "Conv",    "MaxPool", "AveragePool",    "GlobalAveragePool", "Gemm",     "MatMul",  "Add",    "Mul",
        "Relu",    "Clip",    "Sigmoid",        "HardSwish",         "Identity", "Softmax", "Concat", "Reshape",
        "Flatten", "QDQ",     "QuantizeLinear", "DequantizeLinear",  "QConv",    "QGemm"};
    std::string op = in_.PickValueInArray(kOps);
    std::string x = Pick(), out = Name("t");
    auto* n = g_->add_node();
    n->set_name(op + std::to_string(index));
    if (op == "QConv" || op == "QGemm") {  // the whole int8 QDQ pattern the planner lowers to int8 kernels
      g_->mutable_node()->RemoveLast();
      tensors_.push_back(QuantOp(op == "QConv", index));
      return;
    }
    if (op == "QDQ") {
      g_->mutable_node()->RemoveLast();
      const float scale = Scale();
      const bool u8 = in_.ConsumeIntegralInRange(0, 5) == 0;
      tensors_.push_back(QDQ(x, scale, u8, true));
      return;
    }
    n->set_op_type(op);
    n->add_input(x);
    if (op == "Conv") {
      int64_t oc = in_.ConsumeIntegralInRange(1, 8), ic = in_.ConsumeIntegralInRange(1, 4);
      int64_t kh = SmallInt(1, 3), kw = SmallInt(1, 3);
      std::vector<int64_t> wd = {oc, ic, kh, kw};
      std::string w;
      if (in_.ConsumeBool()) {
        w = QuantConst(wd, false);
      } else {
        w = Name("w");
        Init(w, onnx::TensorProto::FLOAT, wd);
      }
      n->add_input(w);
      if (in_.ConsumeBool()) {
        std::string b = in_.ConsumeBool() ? QuantConst({oc}, true) : Name("b");
        if (b[0] == 'b') Init(b, onnx::TensorProto::FLOAT, {oc});
        n->add_input(b);
      }
      Int(n, "group", 1, 4);
      Ints(n, "pads", 4, 0, 3);
      Ints(n, "strides", 2, 1, 3);
      Ints(n, "dilations", 2, 1, 2);
      if (in_.ConsumeIntegralInRange(0, 5) == 0) {
        auto* a = n->add_attribute();
        a->set_name("auto_pad");
        a->set_type(onnx::AttributeProto::STRING);
        a->set_s(in_.PickValueInArray({"SAME_UPPER", "SAME_LOWER", "VALID", "NOTSET", "BOGUS"}));
      }
    } else if (op == "MaxPool" || op == "AveragePool") {
      if (in_.ConsumeIntegralInRange(0, 15) != 0) {
        auto* a = n->add_attribute();
        a->set_name("kernel_shape");
        a->set_type(onnx::AttributeProto::INTS);
        a->add_ints(SmallInt(1, 4));
        a->add_ints(SmallInt(1, 4));
      }
      Ints(n, "pads", 4, 0, 3);
      Ints(n, "strides", 2, 1, 3);
      Ints(n, "dilations", 2, 1, 2);
      Int(n, "ceil_mode", 0, 1);
      if (op == "AveragePool") Int(n, "count_include_pad", 0, 1);
    } else if (op == "Gemm" || op == "MatMul") {
      int64_t k = SmallInt(1, 12), nn = SmallInt(1, 8);
      bool tb = op == "Gemm" && in_.ConsumeBool();
      std::vector<int64_t> bd = tb ? std::vector<int64_t>{nn, k} : std::vector<int64_t>{k, nn};
      std::string b;
      if (in_.ConsumeBool()) {
        b = QuantConst(bd, false);
      } else {
        b = Name("B");
        Init(b, onnx::TensorProto::FLOAT, bd);
      }
      n->add_input(b);
      if (op == "Gemm") {
        if (tb) Int(n, "transB", 1, 1);
        if (in_.ConsumeBool()) {
          std::string c = Name("C");
          Init(c, onnx::TensorProto::FLOAT, {in_.ConsumeBool() ? nn : 1});
          n->add_input(c);
        }
        Int(n, "transA", 0, 1);
      }
    } else if (op == "Add" || op == "Mul") {
      if (in_.ConsumeBool()) {
        n->add_input(Pick());
      } else {
        std::string c = Name("k");
        Init(c, onnx::TensorProto::FLOAT, Dims(in_.ConsumeIntegralInRange(0, 4)));
        n->add_input(c);
      }
    } else if (op == "Clip") {
      for (int i = 0; i < 2; ++i) {
        if (!in_.ConsumeBool()) break;
        std::string c = Name("c");
        Init(c, onnx::TensorProto::FLOAT, {})->set_float_data(0, in_.ConsumeBool() ? Scale() : -Scale());
        n->add_input(c);
      }
    } else if (op == "Softmax" || op == "Flatten") {
      Int(n, "axis", -4, 4);
    } else if (op == "Concat") {
      int more = in_.ConsumeIntegralInRange(0, 3);
      for (int i = 0; i < more; ++i) n->add_input(Pick());
      Int(n, "axis", -4, 4);
    } else if (op == "Reshape") {
      std::string s = Name("shape");
      Init(s, in_.ConsumeIntegralInRange(0, 15) == 0 ? onnx::TensorProto::FLOAT : onnx::TensorProto::INT64,
           {in_.ConsumeIntegralInRange<int64_t>(1, 5)});
      n->add_input(s);
    } else if (op == "QuantizeLinear" || op == "DequantizeLinear") {
      std::string s = Name("s");
      Init(s, onnx::TensorProto::FLOAT, {})->set_float_data(0, Scale());
      n->add_input(s);
    }
    n->add_output(out);
    tensors_.push_back(out);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  std::string model = Recipe(in).Build();
  try {
    hostnn::Graph g = hostnn::ImportOnnx(model.data(), model.size());
    size_t bytes = 0;
    for (const auto& v : g.values)
      bytes += static_cast<size_t>(hostnn::NumElements(v.second.shape)) * hostnn::ElementSize(v.second.dtype);
    if (bytes > (size_t{64} << 20)) return 0;  // see fuzz_onnx_import.cpp
    auto plan = hostnn::BuildPlan(g, 1, true);
    if (bytes > kRunTensorBytes) return 0;
    std::vector<std::vector<uint8_t>> ins, outs;
    std::vector<const void*> in_ptrs;
    std::vector<void*> out_ptrs;
    for (const auto& t : plan->Inputs()) {
      ins.push_back(in.ConsumeBytes<uint8_t>(t.ByteSize()));
      ins.back().resize(t.ByteSize());
      in_ptrs.push_back(ins.back().data());
    }
    for (const auto& t : plan->Outputs()) {
      outs.emplace_back(t.ByteSize());
      out_ptrs.push_back(outs.back().data());
    }
    plan->Run(in_ptrs, out_ptrs);
  } catch (const hostnn::Error&) {
  } catch (const std::bad_alloc&) {
  }
  return 0;
}
