#include "nnrt/session_benchmark.h"

#include <cstdint>
#include <utility>
#include <vector>

#include "core/preprocess.h"

namespace npulens {

Result<BenchmarkResult> BenchmarkSession(InferenceSession& session, const InputSpec& input,
                                         const BenchmarkParams& params, IoMode mode, BenchmarkListener* listener,
                                         BenchmarkClock clock) {
  // Bad parameters are reported before the input is touched.
  Status st = CheckBenchmarkParams(params);
  if (!st.ok()) return st;
  const size_t rowBytes = static_cast<size_t>(input.width) * 3;
  std::vector<uint8_t> grey(rowBytes * static_cast<size_t>(input.height), 128);
  const ImageView image{grey.data(), grey.size(), input.width, input.height, rowBytes, PixelFormat::kRGB8};
  st = session.SetInput(image);
  if (!st.ok()) return st;
  const BenchmarkStep step = [&session, mode]() -> Result<double> {
    Result<StageTimings> t = session.Run(mode);
    if (!t.ok()) return t.status();
    return t.value().copyInMs + t.value().inferenceMs + t.value().copyOutMs;
  };
  return RunBenchmark(params, step, listener, std::move(clock));
}

}  // namespace npulens
