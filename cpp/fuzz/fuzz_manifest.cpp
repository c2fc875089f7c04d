// libFuzzer target: manifest JSON text → ParseManifest (and each model's labels path resolution). Errors are
// Results; anything thrown, a crash or a sanitizer report is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto m = npulens::ParseManifest(text, "fuzz/manifest.json");
  if (!m.ok()) return 0;
  for (const auto& e : m.value().models) {
    if (!e.labels.empty()) npulens::ResolveManifestPath(m.value(), e.labels);
    for (const auto& t : e.targets) {
      npulens::ResolveManifestPath(m.value(), t.second.file);
      (void)npulens::ValidateInputSpec(t.second.input, "target");
      (void)npulens::ValidateOutputSpec(t.second.output, "target");
    }
  }
  // Labels text goes through the same kind of parser; reuse the input.
  (void)npulens::ParseLabels(text, "fuzz/labels.txt", 0);
  return 0;
}
