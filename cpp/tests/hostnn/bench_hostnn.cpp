// hostnn_bench <model.onnx> [--threads N] [--iterations N] [--warmup N] [--plan] [--input raw] [--output raw]
// Prints build time and RunSync latency (min/p50/mean) of one model on the host NN runtime.
// --input fills input 0 from a raw file (default: seeded random data); --output writes output 0 after the runs
// (used to compare against onnxruntime-node on the same bytes). The model may be "synthetic:mobilenetv2" or
// "synthetic:mobilenetv2-int8" (generated in C++, see synthetic_models.h); --save writes its ONNX bytes.
// A benchmark: it reports figures, it asserts nothing about speed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "hostnn/hostnn.h"
#include "neural_network_runtime/neural_network_core.h"
#include "synthetic_models.h"

namespace {

struct CompilationDeleter { void operator()(OH_NNCompilation* c) const { OH_NNCompilation_Destroy(&c); } };
struct ExecutorDeleter { void operator()(OH_NNExecutor* e) const { OH_NNExecutor_Destroy(&e); } };
struct DescDeleter { void operator()(NN_TensorDesc* d) const { OH_NNTensorDesc_Destroy(&d); } };
struct TensorDeleter { void operator()(NN_Tensor* t) const { OH_NNTensor_Destroy(&t); } };

double Ms(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

int Usage() {
  std::fprintf(stderr,
               "usage: hostnn_bench <model.onnx> [--threads N] [--iterations N] [--warmup N] [--plan] [--input raw] "
               "[--output raw] [--save model.onnx]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  std::string path = argv[1];
  int threads = 1, iterations = 50, warmup = 5;
  bool plan = false;
  std::string input_file, output_file, save_file;
  for (int i = 2; i < argc; ++i) {
    std::string a = argv[i];
    if ((a == "--input" || a == "--output" || a == "--save") && i + 1 < argc) {
      (a == "--input" ? input_file : a == "--output" ? output_file : save_file) = argv[++i];
      continue;
    }
    auto next = [&](int* v) {
      if (i + 1 >= argc) return false;
      *v = std::atoi(argv[++i]);
      return *v > 0 || (a == "--warmup" && *v == 0);
    };
    if (a == "--threads" ? !next(&threads) : a == "--iterations" ? !next(&iterations) : a == "--warmup" ? !next(&warmup)
        : a == "--plan" ? !(plan = true) : true)
      return Usage();
  }
  std::vector<char> bytes;
  if (path == "synthetic:mobilenetv2" || path == "synthetic:mobilenetv2-int8") {
    std::string m = hostnn_test::MobileNetV2Onnx(path == "synthetic:mobilenetv2-int8");
    bytes.assign(m.begin(), m.end());
  } else {
    std::ifstream f(path, std::ios::binary);
    if (!f) {
      std::fprintf(stderr, "error: cannot open %s\n", path.c_str());
      return 1;
    }
    bytes.assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  }
  if (!save_file.empty()) std::ofstream(save_file, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  HostNN_SetThreadCount(threads);

  auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<OH_NNCompilation, CompilationDeleter> c(
      OH_NNCompilation_ConstructWithOfflineModelBuffer(bytes.data(), bytes.size()));
  OH_NN_ReturnCode rc = c ? OH_NNCompilation_Build(c.get()) : OH_NN_FAILED;
  if (rc != OH_NN_SUCCESS) {
    std::fprintf(stderr, "error: compile.build: code %d: %s\n", rc, HostNN_GetLastErrorMessage());
    return 1;
  }
  std::unique_ptr<OH_NNExecutor, ExecutorDeleter> e(OH_NNExecutor_Construct(c.get()));
  auto t1 = std::chrono::steady_clock::now();
  c.reset();
  if (plan) std::printf("%s", HostNN_DescribeExecutor(e.get()));

  size_t ni = 0, no = 0;
  OH_NNExecutor_GetInputCount(e.get(), &ni);
  OH_NNExecutor_GetOutputCount(e.get(), &no);
  std::vector<std::unique_ptr<NN_Tensor, TensorDeleter>> ins, outs;
  std::mt19937 rng(1);
  for (size_t i = 0; i < ni; ++i) {
    std::unique_ptr<NN_TensorDesc, DescDeleter> d(OH_NNExecutor_CreateInputTensorDesc(e.get(), i));
    ins.emplace_back(OH_NNTensor_Create(0, d.get()));
    OH_NN_DataType t;
    OH_NNTensorDesc_GetDataType(d.get(), &t);
    size_t size = 0;
    OH_NNTensor_GetSize(ins.back().get(), &size);
    auto* p = static_cast<unsigned char*>(OH_NNTensor_GetDataBuffer(ins.back().get()));
    if (i == 0 && !input_file.empty()) {
      std::ifstream in(input_file, std::ios::binary);
      std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (raw.size() != size) {
        std::fprintf(stderr, "error: %s has %zu bytes, input 0 needs %zu\n", input_file.c_str(), raw.size(), size);
        return 1;
      }
      std::memcpy(p, raw.data(), size);
    } else if (t == OH_NN_FLOAT32) {
      std::uniform_real_distribution<float> dist(-1.f, 1.f);
      for (size_t k = 0; k < size / 4; ++k) reinterpret_cast<float*>(p)[k] = dist(rng);
    } else {
      for (size_t k = 0; k < size; ++k) p[k] = static_cast<unsigned char>(rng());
    }
  }
  for (size_t i = 0; i < no; ++i) {
    std::unique_ptr<NN_TensorDesc, DescDeleter> d(OH_NNExecutor_CreateOutputTensorDesc(e.get(), i));
    outs.emplace_back(OH_NNTensor_Create(0, d.get()));
  }
  std::vector<NN_Tensor*> in_ptrs, out_ptrs;
  for (auto& t : ins) in_ptrs.push_back(t.get());
  for (auto& t : outs) out_ptrs.push_back(t.get());

  std::vector<double> lat;
  for (int i = 0; i < warmup + iterations; ++i) {
    auto a = std::chrono::steady_clock::now();
    rc = OH_NNExecutor_RunSync(e.get(), in_ptrs.data(), ni, out_ptrs.data(), no);
    auto b = std::chrono::steady_clock::now();
    if (rc != OH_NN_SUCCESS) {
      std::fprintf(stderr, "error: run: code %d: %s\n", rc, HostNN_GetLastErrorMessage());
      return 1;
    }
    if (i >= warmup) lat.push_back(Ms(a, b));
  }
  if (!output_file.empty()) {
    size_t size = 0;
    OH_NNTensor_GetSize(outs[0].get(), &size);
    std::ofstream(output_file, std::ios::binary)
        .write(static_cast<const char*>(OH_NNTensor_GetDataBuffer(outs[0].get())), static_cast<std::streamsize>(size));
  }
  std::sort(lat.begin(), lat.end());
  double mean = std::accumulate(lat.begin(), lat.end(), 0.0) / lat.size();
  std::printf("model %s threads %d iterations %d warmup %d\n", path.c_str(), threads, iterations, warmup);
  std::printf("build_ms %.1f latency_ms min %.3f p50 %.3f mean %.3f\n", Ms(t0, t1), lat.front(), lat[lat.size() / 2], mean);
  return 0;
}
