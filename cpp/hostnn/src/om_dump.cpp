#include "om_dump.h"

#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "kernels.h"

namespace hostnn {
namespace {

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

// A tensor name as a file name: letters, digits and underscores only (the CANN guide's rule for paths).
std::string FileStem(const std::string& name) {
  std::string stem;
  for (char ch : name) stem += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return stem.substr(0, 80);
}

// The values as float32: float as is, int8/uint8 dequantized with the tensor's params ((q - zero point) * scale; 1 and
// 0 for an unquantized one), int32/int64 converted.
std::vector<float> AsFloat(const OpOutput& t) {
  const size_t n = static_cast<size_t>(NumElements(t.shape));
  std::vector<float> f(n);
  switch (t.dtype) {
    case DType::F32: std::memcpy(f.data(), t.bytes.data(), n * sizeof(float)); break;
    case DType::I8:
    case DType::U8:
      kernels::Dequantize(t.bytes.data(), t.dtype, f.data(), n, t.quantized ? t.scale : 1.f,
                          t.quantized ? t.zeroPoint : 0);
      break;
    case DType::I32:
      for (size_t i = 0; i < n; ++i) f[i] = static_cast<float>(reinterpret_cast<const int32_t*>(t.bytes.data())[i]);
      break;
    case DType::I64:
      for (size_t i = 0; i < n; ++i) f[i] = static_cast<float>(reinterpret_cast<const int64_t*>(t.bytes.data())[i]);
      break;
  }
  return f;
}

// "Conv 'c1' + Relu" → op type "Conv", node "c1", fused ["Relu"]; "input" → "input", "", [].
void ParseLabel(const std::string& label, std::string* op, std::string* node, std::vector<std::string>* fused) {
  *op = label.substr(0, label.find(' '));
  const size_t open = label.find('\''), close = label.rfind('\'');
  if (open == std::string::npos || close <= open) return;
  *node = label.substr(open + 1, close - open - 1);
  for (size_t at = label.find(" + ", close); at != std::string::npos; at = label.find(" + ", at + 3)) {
    const size_t end = label.find(' ', at + 3);
    fused->push_back(label.substr(at + 3, end == std::string::npos ? std::string::npos : end - at - 3));
  }
}

bool MakeDir(const std::string& path, std::string* error) {
  if (mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return true;
  *error = "cannot create " + path + ": " + std::strerror(errno);
  return false;
}

}  // namespace

bool OmDump::Write(const std::vector<OpOutput>& tensors, std::string* error) {
  std::lock_guard<std::mutex> lock(mutex_);
  uint64_t runBytes = 0;
  for (const OpOutput& t : tensors) runBytes += static_cast<uint64_t>(NumElements(t.shape)) * sizeof(float);
  if (runs_ >= kMaxDumpRuns || bytes_ + runBytes > kMaxDumpBytes) {
    *error = "the dump holds " + std::to_string(runs_) + " runs (" + std::to_string(bytes_ >> 20) +
             " MiB); its caps are " + std::to_string(kMaxDumpRuns) + " runs and " +
             std::to_string(kMaxDumpBytes >> 20) + " MiB per compilation: run " + std::to_string(runs_) + " not dumped";
    return false;
  }
  const size_t run = runs_;
  const std::string modelDir = dir_ + "/" + model_, runDir = modelDir + "/run" + std::to_string(run);
  if (!MakeDir(modelDir, error)) return false;
  if (mkdir(runDir.c_str(), 0755) != 0) {
    *error = errno == EEXIST ? runDir + " already exists (a dump of an earlier load): give an empty folder"
                             : "cannot create " + runDir + ": " + std::strerror(errno);
    return false;
  }
  ++runs_;  // the folder is this run's, complete or not: the next run takes the next number
  bytes_ += runBytes;
  std::ostringstream index;
  index << "{\n  \"model\": " << JsonString(model_) << ",\n  \"run\": " << run << ",\n  \"tensors\": [";
  for (size_t i = 0; i < tensors.size(); ++i) {
    const OpOutput& t = tensors[i];
    char prefix[24];
    std::snprintf(prefix, sizeof prefix, "%04zu_", i);
    const std::string file = prefix + FileStem(t.tensor) + ".f32";
    const std::vector<float> values = AsFloat(t);
    std::ofstream out(runDir + "/" + file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(values.data()),
              static_cast<std::streamsize>(values.size() * sizeof(float)));
    out.flush();
    if (!out) {
      *error = "cannot write " + runDir + "/" + file;
      return false;
    }
    std::string op, node;
    std::vector<std::string> fused;
    ParseLabel(t.label, &op, &node, &fused);
    index << (i ? ",\n" : "\n") << "    {\"tensor\": " << JsonString(t.tensor) << ", \"op\": " << JsonString(op)
          << ", \"node\": " << JsonString(node) << ", \"fused\": [";
    for (size_t f = 0; f < fused.size(); ++f) index << (f ? ", " : "") << JsonString(fused[f]);
    index << "], \"label\": " << JsonString(t.label) << ", \"dtype\": \"" << DTypeName(t.dtype) << "\", \"shape\": [";
    for (size_t d = 0; d < t.shape.size(); ++d) index << (d ? ", " : "") << t.shape[d];
    index << "], \"file\": " << JsonString(file) << ", \"written\": \"float32\"";
    if (t.quantized) {
      char params[64];
      std::snprintf(params, sizeof params, "%.9g", static_cast<double>(t.scale));
      index << ", \"scale\": " << params << ", \"zeroPoint\": " << t.zeroPoint << ", \"dequantized\": true";
    }
    index << "}";
  }
  index << "\n  ]\n}\n";
  // index.json last: its presence says the run's files are complete.
  std::ofstream out(runDir + "/index.json", std::ios::trunc);
  out << index.str();
  out.flush();
  if (!out) {
    *error = "cannot write " + runDir + "/index.json";
    return false;
  }
  return true;
}

}  // namespace hostnn
