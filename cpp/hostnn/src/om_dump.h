// HMS_HiAIOptions_SetOmOptions(HIAI_OM_TYPE_DUMP, dir): every RunSync of a compilation's executors writes the tensors
// the plan computed (plan.h, OpOutput) as <dir>/<model>/run<N>/index.json plus one raw float32 file per tensor, the
// host's form of the device's dump (cpp/hostnn/README.md, "Tensor dump"). tools/models/layerdiff.py --engine ours reads
// it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "plan.h"

namespace hostnn {

// Bounds of one compilation's dump: a model left dumping in a loop must not fill the disk.
constexpr size_t kMaxDumpRuns = 1000;
constexpr uint64_t kMaxDumpBytes = uint64_t{1} << 30;

class OmDump {
 public:
  // dir: the SetOmOptions folder (checked to exist at Build); model: the file stem of the ONNX graph's name.
  OmDump(std::string dir, std::string model) : dir_(std::move(dir)), model_(std::move(model)) {}
  // Writes one run as the next run<N> folder. false with *error set (the run's results stand) when a cap is reached,
  // the run folder already exists (a dump of an earlier load: never overwritten) or a file cannot be written.
  bool Write(const std::vector<OpOutput>& tensors, std::string* error);

 private:
  const std::string dir_, model_;
  std::mutex mutex_;  // the executors of one compilation share the dump
  size_t runs_ = 0;
  uint64_t bytes_ = 0;
};

}  // namespace hostnn
