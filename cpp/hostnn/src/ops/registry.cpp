#include "ops/registry.h"

#include <map>

namespace hostnn {
namespace ops {
#define HOSTNN_OP(type) const OpDef& type();
#include "ops/op_list.inc"
#undef HOSTNN_OP
}  // namespace ops

const OpDef* FindOp(const std::string& type) {
  static const std::map<std::string, const OpDef*> kTable = [] {
    std::map<std::string, const OpDef*> t;
#define HOSTNN_OP(type) t[#type] = &ops::type();
#include "ops/op_list.inc"
#undef HOSTNN_OP
    return t;
  }();
  auto it = kTable.find(type);
  return it == kTable.end() ? nullptr : it->second;
}

}  // namespace hostnn
