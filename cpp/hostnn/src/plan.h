// Execution plan of the host NN runtime: a model lowered to XNNPACK subgraph runs (fp32 and int8 QDQ
// patterns) and our own kernels for what that XNNPACK snapshot lacks, with NHWC activations inside.
#pragma once

#include <cstddef>
#include <cstdint>
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

// One op of a profiled plan (BuildPlan with profiling): what it is, where it runs, its time over the runs.
struct OpProfile {
  std::string label;        // "Conv 'c1' + Relu"
  std::string backend;      // "xnnpack int8", "kernel int8 (AVX2)"
  std::string outputShape;  // ONNX order, "1x32x112x112"
  int64_t macs = 0;         // Op::Macs()
  double totalMs = 0;
  double minMs = 0;  // fastest run (0 before the first)
};

// One tensor of a run as the plan computed it (HMS_HiAIOptions_SetOmOptions DUMP): a graph input or an op's output. An
// op that fused others (Conv + Relu, an int8 DQ -> Conv -> Relu -> Q pattern) gives the tensor it really wrote: the
// last fused node's output (for int8, the QuantizeLinear output, int8 with its scale and zero point).
struct OpOutput {
  std::string label;   // "Conv 'c1' + Relu", "input" for a graph input
  std::string tensor;  // the ONNX tensor name
  DType dtype = DType::F32;
  Shape shape;  // ONNX order
  bool quantized = false;
  float scale = 1.f;
  int32_t zeroPoint = 0;
  std::vector<uint8_t> bytes;  // ONNX (row-major, NCHW for 4-D) element order
};

class Plan {
 public:
  virtual ~Plan() = default;
  virtual const std::vector<TensorSpec>& Inputs() const = 0;
  virtual const std::vector<TensorSpec>& Outputs() const = 0;
  // Reads inputs from / writes outputs to the given buffers (sizes already checked by the caller).
  // Serialized per plan: executors of one compilation share its buffers.
  virtual void Run(const std::vector<const void*>& inputs, const std::vector<void*>& outputs) = 0;
  // Run, and under the same lock a copy of the run's graph inputs and every op's output into *tensors, in plan order.
  // Only a plan built with profiling holds each op's output in its own buffer (otherwise XNNPACK keeps the tensors
  // inside a run): false, nothing run, for any other.
  virtual bool RunCapturing(const std::vector<const void*>& inputs, const std::vector<void*>& outputs,
                            std::vector<OpOutput>* tensors) = 0;
  // One line per step: which backend runs which ONNX nodes (e.g. "xnnpack int8: Conv 'c1', ...").
  virtual const std::string& Describe() const = 0;
  // Threads its steps run on: the pool's size, 1 without a pool (the calling thread only).
  virtual int Threads() const = 0;
  // Per-op times and the runs they sum; false when the plan was built without profiling.
  virtual bool Profile(std::vector<OpProfile>* ops, size_t* runs) const = 0;
  virtual bool ResetProfile() = 0;
};

// Lowers an imported graph; throws Error (OH_NN_UNSUPPORTED / OH_NN_FAILED ...) naming the node on failure.
// threads: worker threads (1 = the calling thread only). threadsExplicit: the count was asked for (API or
// NPULENS_THREADS); a default count is not used for models too small to gain from threads. profiling: one step per
// op (no XNNPACK run spans two ops), each timed per run (HostNN_SetProfiling).
std::unique_ptr<Plan> BuildPlan(const Graph& graph, int threads, bool threadsExplicit, bool profiling = false);

}  // namespace hostnn
