// The benchmark runner (core/benchmark_runner.h) over an InferenceSession: the one way a model is timed, by the
// bindings (Classifier.benchmark) and the host benchmark tool alike.
// The input is a fixed mid-grey image of the model's own size, pre-processed once before the first run:
// benchmarks measure the model, not the resize. Each run is InferenceSession::Run(mode) (one RunSync), timed as
// copy-in + inference + copy-out (the copies are 0 in zero-copy mode), not the session's lock or bookkeeping.
#pragma once

#include "core/benchmark_runner.h"
#include "core/manifest.h"
#include "core/status.h"
#include "nnrt/inference_session.h"

namespace npulens {

// `input` is the spec the session was loaded with (its width and height size the grey image). Errors: the
// runner's (bad params), SetInput's, and the first failing run's (e.g. "run.sync", "run" after Release()).
Result<BenchmarkResult> BenchmarkSession(InferenceSession& session, const InputSpec& input,
                                         const BenchmarkParams& params, IoMode mode, BenchmarkListener* listener,
                                         BenchmarkClock clock = SteadyClockMs);

}  // namespace npulens
