// libFuzzer target: bytes → ImportOnnx → BuildPlan (the host runtime's OH_NNCompilation_Build without the API
// shell). Any sanitizer report, crash, leak or exception other than hostnn::Error / std::bad_alloc is a finding.
// Models whose declared tensors add up to more than kFuzzTensorBytes are imported but not planned: planning
// allocates every tensor (up to the runtime's 2 GiB cap, by design), which the fuzzer's RSS limit would report.
#include <cstddef>
#include <cstdint>
#include <new>

#include "model.h"
#include "plan.h"

namespace {
constexpr size_t kFuzzTensorBytes = size_t{64} << 20;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    hostnn::Graph g = hostnn::ImportOnnx(data, size);
    size_t bytes = 0;
    for (const auto& v : g.values)
      bytes += static_cast<size_t>(hostnn::NumElements(v.second.shape)) * hostnn::ElementSize(v.second.dtype);
    if (bytes > kFuzzTensorBytes) return 0;
    hostnn::BuildPlan(g, 1, true);
  } catch (const hostnn::Error&) {
  } catch (const std::bad_alloc&) {
  }
  return 0;
}
