#include "onnx_builder.h"

namespace hostnn_test {

OnnxBuilder::OnnxBuilder(int64_t opset) {
  model_.set_ir_version(7);
  model_.set_producer_name("hostnn_test");
  auto* op = model_.add_opset_import();
  op->set_domain("");
  op->set_version(opset);
  model_.mutable_graph()->set_name("test");
}

void OnnxBuilder::Input(const std::string& name, const std::vector<int64_t>& dims, int32_t elem) {
  auto* in = model_.mutable_graph()->add_input();
  in->set_name(name);
  auto* tt = in->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(elem);
  auto* shape = tt->mutable_shape();
  for (int64_t d : dims) {
    auto* dim = shape->add_dim();
    if (d < 0)
      dim->set_dim_param("N");
    else
      dim->set_dim_value(d);
  }
}

void OnnxBuilder::Output(const std::string& name) {
  auto* out = model_.mutable_graph()->add_output();
  out->set_name(name);
  out->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
}

static onnx::TensorProto* NewInit(onnx::ModelProto& m, const std::string& name, const std::vector<int64_t>& dims,
                                  int32_t t) {
  auto* init = m.mutable_graph()->add_initializer();
  init->set_name(name);
  init->set_data_type(t);
  for (int64_t d : dims) init->add_dims(d);
  return init;
}

void OnnxBuilder::InitF(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& v) {
  NewInit(model_, name, dims, onnx::TensorProto::FLOAT)->set_raw_data(v.data(), v.size() * sizeof(float));
}
void OnnxBuilder::InitI8(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int8_t>& v) {
  NewInit(model_, name, dims, onnx::TensorProto::INT8)->set_raw_data(v.data(), v.size());
}
void OnnxBuilder::InitU8(const std::string& name, const std::vector<int64_t>& dims, const std::vector<uint8_t>& v) {
  NewInit(model_, name, dims, onnx::TensorProto::UINT8)->set_raw_data(v.data(), v.size());
}
void OnnxBuilder::InitI32(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int32_t>& v) {
  auto* t = NewInit(model_, name, dims, onnx::TensorProto::INT32);
  for (int32_t x : v) t->add_int32_data(x);  // typed field on purpose: both encodings get exercised
}
void OnnxBuilder::InitI64(const std::string& name, const std::vector<int64_t>& dims, const std::vector<int64_t>& v) {
  NewInit(model_, name, dims, onnx::TensorProto::INT64)->set_raw_data(v.data(), v.size() * sizeof(int64_t));
}

onnx::NodeProto* OnnxBuilder::Node(const std::string& op, const std::vector<std::string>& in,
                                   const std::vector<std::string>& out, const std::string& name) {
  auto* n = model_.mutable_graph()->add_node();
  n->set_op_type(op);
  n->set_name(name.empty() ? op + "_" + std::to_string(counter_++) : name);
  for (const auto& s : in) n->add_input(s);
  for (const auto& s : out) n->add_output(s);
  return n;
}

std::string OnnxBuilder::Bytes() const { return model_.SerializeAsString(); }

void SetInt(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
void SetInts(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}
void SetFloat(onnx::NodeProto* n, const std::string& name, float v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}
void SetString(onnx::NodeProto* n, const std::string& name, const std::string& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

}  // namespace hostnn_test
