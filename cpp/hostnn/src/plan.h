// Execution plan of the host NN runtime: a model lowered to XNNPACK subgraph runs (fp32 and int8 QDQ
// patterns) and our own kernels for what that XNNPACK snapshot lacks, with NHWC activations inside.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model.h"

namespace hostnn {

struct TensorSpec {
  std::string name;
  DType dtype;
  Shape shape;  // ONNX (NCHW for 4-D) shape
  size_t ByteSize() const { return static_cast<size_t>(NumElements(shape)) * ElementSize(dtype); }
};

class Plan {
 public:
  virtual ~Plan() = default;
  virtual const std::vector<TensorSpec>& Inputs() const = 0;
  virtual const std::vector<TensorSpec>& Outputs() const = 0;
  // Reads inputs from / writes outputs to the given buffers (sizes already checked by the caller).
  // Serialized per plan: executors of one compilation share its buffers.
  virtual void Run(const std::vector<const void*>& inputs, const std::vector<void*>& outputs) = 0;
  // One line per step: which backend runs which ONNX nodes (e.g. "xnnpack int8: Conv 'c1', ...").
  virtual const std::string& Describe() const = 0;
};

// Lowers an imported graph; throws Error (OH_NN_UNSUPPORTED / OH_NN_FAILED ...) naming the node on failure.
// threads: worker threads (1 = the calling thread only). threadsExplicit: the count was asked for (API or
// NPULENS_THREADS); a default count is not used for models too small to gain from threads.
std::unique_ptr<Plan> BuildPlan(const Graph& graph, int threads, bool threadsExplicit);

}  // namespace hostnn
