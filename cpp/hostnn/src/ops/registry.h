// The op registry: ONNX op type → its OpDef (one file per op in ops/, listed in ops/op_list.inc).
#pragma once

#include <string>

#include "ops/op.h"

namespace hostnn {

// nullptr for an op type hostnn does not implement.
const OpDef* FindOp(const std::string& type);

}  // namespace hostnn
