// The NNRt NN Core + CANN Kit C API subset on the host: one CPU device (plus test devices), ONNX compilation,
// memfd-backed tensors, synchronous execution. Validation follows the device's NNRt core: setters record, Build
// applies and checks the options against the device's capability profile (README: "Conformance with the device").
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "CANNKit/hiai_helper.h"
#include "CANNKit/hiai_options.h"
#include "CANNKit/hiai_tensor.h"
#include "aipp.h"
#include "core/file_io.h"
#include "core/limits.h"
#include "hostnn/hostnn.h"
#include "model.h"
#include "neural_network_runtime/neural_network_core.h"
#include "om_dump.h"
#include "plan.h"

using hostnn::DType;
using hostnn::Error;

namespace {

thread_local std::string g_last_error;

// Records the failure text for HostNN_GetLastErrorMessage (and stderr when NPULENS_HOSTNN_LOG is set).
OH_NN_ReturnCode Fail(OH_NN_ReturnCode code, const std::string& msg) {
  g_last_error = msg;
  const char* log = std::getenv("NPULENS_HOSTNN_LOG");
  if (log && *log && std::strcmp(log, "0") != 0) std::fprintf(stderr, "[hostnn] %s\n", msg.c_str());
  return code;
}
template <typename T>
T* FailNull(const std::string& msg) {
  Fail(OH_NN_FAILED, msg);
  return nullptr;
}
void Clear() { g_last_error.clear(); }

constexpr size_t kAllocateLimit = size_t{1} << 30;  // like the device's ALLOCATE_BUFFER_LIMIT

// ---- devices ----
struct Device {
  size_t id;
  std::string name;
  OH_NN_DeviceType type;
  HostNN_TestDeviceProfile profile;
};
constexpr size_t kCpuDeviceId = 1;  // nonzero: callers use 0 as "none"; 0 still means "the first device"

constexpr HostNN_TestDeviceProfile kDefaultProfile{true, true, true, true, true, true, true, true, 0};
// The product's own device: the host kernels are fp32/int8 only, so no fp16 mode; ONNX comes as an offline model.
constexpr HostNN_TestDeviceProfile kCpuProfile{true, false, true, true, true, true, true, true, 0};

// Held only to read or change the list, never across a Build: listing devices must not wait for a Build.
std::mutex g_devices_mutex;
// A deque: registering a test device must not move the names GetName already handed out.
std::deque<Device>& Devices() {
  static std::deque<Device> devices{{kCpuDeviceId, HOSTNN_CPU_DEVICE_NAME, OH_NN_CPU, kCpuProfile}};
  return devices;
}
// What GetAllDevicesID hands out: rebuilt only when the list changes, so concurrent callers share one stable array
// (on the device it is the backend manager's list, also stable).
std::vector<size_t>& DeviceIds() {
  static std::vector<size_t> ids{kCpuDeviceId};
  return ids;
}
void RebuildDeviceIds() {
  DeviceIds().clear();
  for (const Device& dev : Devices()) DeviceIds().push_back(dev.id);
}
bool FindDevice(size_t id, Device* out) {
  std::lock_guard<std::mutex> lock(g_devices_mutex);
  auto& d = Devices();
  if (id == 0) {
    *out = d.front();
    return true;
  }
  for (const Device& dev : d)
    if (dev.id == id) {
      *out = dev;
      return true;
    }
  return false;
}

std::atomic<int> g_thread_count{0};    // set from any thread (the addon's JS thread), read at Build
std::atomic<bool> g_profiling{false};  // HostNN_SetProfiling, read at Build
// HostNN_SetSystemApiLevel (0: the newest), read by HostNN_LookupCannSymbol
std::atomic<int> g_system_api_level{0};

struct ThreadSetting {
  int count;
  bool explicitly;  // asked for through HostNN_SetThreadCount or NPULENS_THREADS
};

ThreadSetting ResolveThreads() {
  if (g_thread_count > 0) return {g_thread_count, true};
  if (const char* env = std::getenv("NPULENS_THREADS")) {
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && v > 0 && v <= npulens::kHostThreadsMax) return {static_cast<int>(v), true};
  }
  unsigned hw = std::thread::hardware_concurrency();
  return {hw == 0 ? 1 : static_cast<int>(hw), false};
}

size_t DataTypeSize(OH_NN_DataType t) {
  switch (t) {
    case OH_NN_BOOL:
    case OH_NN_INT8:
    case OH_NN_UINT8: return 1;
    case OH_NN_INT16:
    case OH_NN_UINT16:
    case OH_NN_FLOAT16: return 2;
    case OH_NN_INT32:
    case OH_NN_UINT32:
    case OH_NN_FLOAT32: return 4;
    case OH_NN_INT64:
    case OH_NN_UINT64:
    case OH_NN_FLOAT64: return 8;
    default: return 0;
  }
}

bool IsWritableDir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && access(path.c_str(), R_OK | W_OK) == 0;
}

// HMS_HiAIOptions_SetOmOptions(HIAI_OM_TYPE_PROFILING, dir): where the executors of one compilation write their
// profile, as the device's runtime writes <model>_model.csv and <model>_op.csv into the folder. The model name is the
// ONNX graph's, reduced to letters, digits and underscores (the guide's rule for names and paths), "model" if empty.
struct OmProfileSink {
  std::string dir;
  std::string model;
};

std::string FileStem(const std::string& graphName) {
  std::string stem;
  for (char ch : graphName) stem += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return stem.empty() ? "model" : stem;
}

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char ch : text) quoted += ch == '"' ? std::string("\"\"") : std::string(1, ch);
  return quoted + "\"";
}

std::string Ms(double ms) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4f", ms);
  return text;
}

// Writes the plan's accumulated per-op times (every RunSync of its executors since Build) as <model>_op.csv, one row
// per op in plan order, and <model>_model.csv, one row for the model. Returns false (last error set) when a file
// cannot be written: OH_NNExecutor_Destroy has no return code, so that shows only in the last-error text.
bool WriteOmProfile(const hostnn::Plan& plan, const OmProfileSink& sink) {
  std::vector<hostnn::OpProfile> ops;
  size_t runs = 0;
  if (!plan.Profile(&ops, &runs)) return false;
  const std::string base = sink.dir + "/" + sink.model;
  std::ofstream op(base + "_op.csv", std::ios::trunc);
  op << "index,op,type,name,backend,output_shape,macs,calls,total_ms,avg_ms,min_ms\n";
  double totalMs = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    const hostnn::OpProfile& p = ops[i];
    // label: "<type> '<node name>'[ + <fused op>]"
    const size_t open = p.label.find('\''), close = p.label.rfind('\'');
    const std::string type = p.label.substr(0, p.label.find(' '));
    const std::string name =
        open != std::string::npos && close > open ? p.label.substr(open + 1, close - open - 1) : "";
    op << i << ',' << CsvField(p.label) << ',' << CsvField(type) << ',' << CsvField(name) << ',' << CsvField(p.backend)
       << ',' << p.outputShape << ',' << p.macs << ',' << runs << ',' << Ms(p.totalMs) << ','
       << Ms(runs ? p.totalMs / static_cast<double>(runs) : 0) << ',' << Ms(p.minMs) << '\n';
    totalMs += p.totalMs;
  }
  std::ofstream model(base + "_model.csv", std::ios::trunc);
  model << "model,ops,runs,total_ms,avg_ms\n"
        << CsvField(sink.model) << ',' << ops.size() << ',' << runs << ',' << Ms(totalMs) << ','
        << Ms(runs ? totalMs / static_cast<double>(runs) : 0) << '\n';
  op.flush();
  model.flush();
  if (!op || !model) {
    Fail(OH_NN_FAILED, "Executor_Destroy: could not write the profile " + base + "_op.csv / _model.csv " +
                           "(HMS_HiAIOptions_SetOmOptions)");
    return false;
  }
  return true;
}

}  // namespace

// One shape gear of a model: its tensors, and its plan once made (from its imported graph, kept until then).
struct Gear {
  std::vector<hostnn::TensorSpec> inputs, outputs;
  std::shared_ptr<hostnn::Plan> plan;
  std::unique_ptr<hostnn::Graph> graph;
};

// What Build made of a model: its shape gears (hiai.dynamic_dims; one for a model without gears) and the inputs/
// outputs as the executor describes them: -1 in each dim the gears differ in, as a dynamic-batch .om. Build plans the
// first gear; another is planned when a RunSync first uses it (planning all four gears of the bench models at Build
// took 3-20x the load time of one), under `mutex`: the executors of a compilation share the gears.
struct Gears {
  std::vector<Gear> gears;
  std::vector<hostnn::TensorSpec> inputs, outputs;
  ThreadSetting threads{1, false};
  bool profiling = false;
  std::mutex mutex;
};

struct NN_TensorDesc {
  std::string name;
  OH_NN_DataType dtype = OH_NN_UNKNOWN;
  std::vector<int32_t> shape;
  bool hasShape = false;
  OH_NN_Format format = OH_NN_FORMAT_NONE;
};

// Options are only recorded by the setters and applied (checked against the device) by Build, as in the NNRt core.
struct OH_NNCompilation {
  const void* buffer = nullptr;  // caller-owned (ConstructWithOfflineModelBuffer keeps the pointer)
  size_t bufferSize = 0;
  std::string modelPath;  // ConstructWithOfflineModelFile: read at Build
  bool forCache = false;
  size_t deviceId = 0;
  // The caller's strings, read at Build: the NNRt core keeps SetCache's pointer, so a string that died before Build
  // is a use after free here too (ASan). CANN is closed source: its paths are assumed borrowed the same way.
  const char* cachePath = nullptr;
  uint32_t cacheVersion = 0;
  bool enableFp16 = false;
  OH_NN_PerformanceMode performance = OH_NN_PERFORMANCE_NONE;
  OH_NN_Priority priority = OH_NN_PRIORITY_NONE;
  std::map<std::string, std::vector<char>> extensionConfigs;  // no effect on the host backend
  HiAI_TuningMode tuningMode = HIAI_TUNING_MODE_UNSET;
  const char* tuningCacheDir = nullptr;
  HiAI_BandMode bandMode = HIAI_BANDMODE_UNSET;
  std::vector<HiAI_ExecuteDevice> deviceOrder;
  std::vector<hostnn::Shape> inputShapes;  // HMS_HiAIOptions_SetInputTensorShapes
  HiAI_OmType omType = HIAI_OM_TYPE_OFF;
  const char* omDir = nullptr;
  std::shared_ptr<const OmProfileSink> omProfile;  // Build with HIAI_OM_TYPE_PROFILING: the dir, copied at load
  std::shared_ptr<hostnn::OmDump> omDump;          // Build with HIAI_OM_TYPE_DUMP: shared by its executors
  // Build got a compiler from the device (the core sets it before applying options): every later Build is refused,
  // even after a failed one, and SetPerformanceMode/SetPriority go straight to it.
  bool hasCompiler = false;
  HostNN_TestDeviceProfile profile{};  // of the device the compiler belongs to
  std::string deviceName;
  bool built = false;
  std::shared_ptr<hostnn::Plan> plan;  // the first gear's
  std::shared_ptr<Gears> gears;
  std::shared_ptr<const hostnn::ModelAipp> aipp;  // the model's dynamic-AIPP declaration and inputs (RunSync)
};

struct OH_NNExecutor {
  // The gear of the last RunSync (the first before any): shared with the compilation.
  std::shared_ptr<hostnn::Plan> plan;
  std::shared_ptr<Gears> gears;  // shared with (and outliving) the compilation
  std::shared_ptr<const hostnn::ModelAipp> aipp;
  std::shared_ptr<const OmProfileSink> omProfile;  // SetOmOptions(PROFILING): the profile is written at Destroy
  std::shared_ptr<hostnn::OmDump> omDump;          // SetOmOptions(DUMP): every RunSync's tensors are written
  // HostNN_GetExecutorProfile's last answer: the copy its pointers point into.
  std::vector<hostnn::OpProfile> profile;
  std::vector<HostNN_OpProfile> profileView;
  std::vector<size_t> dimMin, dimMax;
  std::vector<int32_t> outputShape;
  bool ran = false;  // a RunSync got as far as running a gear
};

struct NN_Tensor {
  NN_TensorDesc desc;
  size_t deviceId = 0;
  int fd = -1;
  bool ownsFd = false;
  void* mapping = nullptr;
  size_t size = 0;                    // Create: byte size; CreateWithSize / CreateWithFd: the size argument
  size_t offset = 0;                  // CreateWithFd offset
  std::vector<hostnn::AippRef> aipp;  // HMS_HiAITensor_SetAippParams: the caller's params, read at RunSync
  ~NN_Tensor() {
    if (mapping) munmap(mapping, size);
    if (ownsFd && fd >= 0) close(fd);
  }
};

namespace {

// A model file that cannot be read: a path that names nothing is an invalid path; anything else that is there but
// not a readable model (a FIFO, a device, a directory, a file over the cap) is an invalid file.
OH_NN_ReturnCode ReadFailureCode(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) != 0 ? OH_NN_INVALID_PATH : OH_NN_INVALID_FILE;
}

OH_NN_ReturnCode DescByteSize(const NN_TensorDesc* d, size_t* count, size_t* bytes) {
  if (!d->hasShape) return Fail(OH_NN_INVALID_PARAMETER, "tensor desc has no shape");
  size_t n = 1;
  for (int32_t v : d->shape) {
    if (v < 0) return Fail(OH_NN_DYNAMIC_SHAPE, "tensor desc has a dynamic dimension");
    if (v != 0 && n > (SIZE_MAX / 8) / static_cast<size_t>(v))
      return Fail(OH_NN_INVALID_PARAMETER, "tensor desc shape overflows");
    n *= static_cast<size_t>(v);
  }
  if (count) *count = n;
  if (bytes) {
    size_t es = DataTypeSize(d->dtype);
    if (es == 0) return Fail(OH_NN_INVALID_PARAMETER, "tensor desc has no valid data type");
    *bytes = n * es;
  }
  return OH_NN_SUCCESS;
}

std::string ShapeText(const std::vector<int32_t>& s) {
  std::string r = "[";
  for (size_t i = 0; i < s.size(); ++i) r += (i ? "," : "") + std::to_string(s[i]);
  return r + "]";
}

NN_TensorDesc* DescFromSpec(const hostnn::TensorSpec& spec) {
  auto* d = new NN_TensorDesc;
  d->name = spec.name;
  d->dtype = hostnn::ToNNDataType(spec.dtype);
  for (int64_t v : spec.shape) d->shape.push_back(static_cast<int32_t>(v));
  d->hasShape = true;
  d->format = spec.shape.size() == 4 ? OH_NN_FORMAT_NCHW : OH_NN_FORMAT_ND;
  return d;
}

// A graph's input and output tensors, as its plan will give them.
void SpecsOf(const hostnn::Graph& graph, Gear* gear) {
  for (const std::string& name : graph.inputs)
    gear->inputs.push_back({name, graph.values.at(name).dtype, graph.values.at(name).shape});
  for (const std::string& name : graph.outputs)
    gear->outputs.push_back({name, graph.values.at(name).dtype, graph.values.at(name).shape});
}

// The executor's view of the gears: the first gear's specs, with -1 in the dims the model declares dynamic (inputs) or
// that differ between gears (outputs).
void DescribeGears(const std::vector<hostnn::Shape>& declaredInputs, Gears* gears) {
  gears->inputs = gears->gears[0].inputs;
  gears->outputs = gears->gears[0].outputs;
  if (gears->gears.size() == 1) return;
  for (size_t i = 0; i < gears->inputs.size(); ++i) gears->inputs[i].shape = declaredInputs[i];
  for (const Gear& gear : gears->gears)
    for (size_t o = 0; o < gears->outputs.size(); ++o)
      for (size_t d = 0; d < gears->outputs[o].shape.size(); ++d)
        if (gear.outputs[o].shape[d] != gears->outputs[o].shape[d]) gears->outputs[o].shape[d] = -1;
}

// RunSync's gear: the one whose input shapes the input tensors have, as a dynamic-batch .om picks the gear of each
// inference from its input (the guide: one load, a different batch per inference). NULL (last error set) when the
// model has gears and the tensors match none of them; a model without gears always gets its one gear (RunSync then
// checks the shapes as usual).
Gear* SelectGear(Gears& gears, NN_Tensor* const inputs[], size_t count) {
  if (gears.gears.size() == 1) return &gears.gears[0];
  if (count != gears.inputs.size()) {
    Fail(OH_NN_INVALID_PARAMETER,
         "RunSync: the model has " + std::to_string(gears.inputs.size()) + " input(s), got " + std::to_string(count));
    return nullptr;
  }
  for (Gear& gear : gears.gears) {
    bool match = true;
    for (size_t i = 0; i < count && match; ++i) {
      const auto& want = gear.inputs[i].shape;
      match =
          inputs[i] && std::equal(want.begin(), want.end(), inputs[i]->desc.shape.begin(), inputs[i]->desc.shape.end());
    }
    if (match) return &gear;
  }
  std::string list;
  for (const Gear& gear : gears.gears) {
    std::vector<int32_t> shape(gear.inputs[0].shape.begin(), gear.inputs[0].shape.end());
    list += (list.empty() ? "" : ", ") + ShapeText(shape);
  }
  Fail(OH_NN_INVALID_PARAMETER, "RunSync: the input tensors' shapes (input 0: " +
                                    (inputs[0] ? ShapeText(inputs[0]->desc.shape) : std::string("NULL")) +
                                    ") are not one of the model's gears (hiai.dynamic_dims; input 0: " + list + ")");
  return nullptr;
}

// The gear's plan into *plan, made at its first use; planning's error otherwise.
OH_NN_ReturnCode PlanOf(Gears& gears, Gear& gear, std::shared_ptr<hostnn::Plan>* plan) {
  std::lock_guard<std::mutex> lock(gears.mutex);
  if (!gear.plan) {
    try {
      gear.plan = hostnn::BuildPlan(*gear.graph, gears.threads.count, gears.threads.explicitly, gears.profiling);
    } catch (const Error& err) {
      return Fail(err.code, std::string("RunSync: planning a gear: ") + err.what());
    } catch (const std::bad_alloc&) {
      return Fail(OH_NN_MEMORY_ERROR, "RunSync: planning a gear: out of memory");
    }
    gear.graph.reset();
  }
  *plan = gear.plan;
  return OH_NN_SUCCESS;
}

NN_Tensor* MapTensor(size_t device, const NN_TensorDesc* desc, int fd, bool owns, size_t size, size_t offset) {
  void* m = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, static_cast<off_t>(offset));
  if (m == MAP_FAILED) {
    Fail(OH_NN_MEMORY_ERROR, std::string("mmap of the tensor memory failed: ") + std::strerror(errno));
    if (owns) close(fd);
    return nullptr;
  }
  auto* t = new NN_Tensor;
  t->desc = *desc;
  t->deviceId = device;
  t->fd = fd;
  t->ownsFd = owns;
  t->mapping = m;
  t->size = size;
  t->offset = offset;
  return t;
}

NN_Tensor* AllocateTensor(size_t deviceId, NN_TensorDesc* desc, size_t size, const char* fn) {
  Device dev;
  if (!FindDevice(deviceId, &dev))
    return FailNull<NN_Tensor>(std::string(fn) + ": no device with ID " + std::to_string(deviceId));
  if (size == 0) return FailNull<NN_Tensor>(std::string(fn) + ": the tensor has 0 bytes");
  if (size > kAllocateLimit)
    return FailNull<NN_Tensor>(std::string(fn) + ": " + std::to_string(size) +
                               " bytes exceed the 1 GiB allocation limit");
  int fd = memfd_create("npulens_tensor", MFD_CLOEXEC);
  if (fd < 0) return FailNull<NN_Tensor>(std::string(fn) + ": memfd_create failed: " + std::strerror(errno));
  if (ftruncate(fd, static_cast<off_t>(size)) != 0) {
    close(fd);
    return FailNull<NN_Tensor>(std::string(fn) + ": ftruncate failed: " + std::strerror(errno));
  }
  return MapTensor(deviceId, desc, fd, true, size, 0);
}

#define CHECK_COMPILATION(c)                                                                         \
  do {                                                                                               \
    if (!(c)) return Fail(OH_NN_INVALID_PARAMETER, std::string(__func__) + ": compilation is NULL"); \
  } while (0)

// Each check below is the one the device makes when Build applies the option (NNCompiler::SetCacheDir,
// SetEnableFp16, SetPerformance, SetPriority): an unsupported option with a non-default value is refused with
// OH_NN_OPERATION_FORBIDDEN before its value is range-checked (OH_NN_INVALID_PARAMETER).
std::string Refusal(const OH_NNCompilation& c, const std::string& what, const std::string& setter) {
  return "device '" + c.deviceName + "' does not support " + what + " (" + setter + ")";
}

OH_NN_ReturnCode CheckPerformance(const OH_NNCompilation& c, const std::string& where) {
  const std::string setter = "OH_NNCompilation_SetPerformanceMode(" + std::to_string(c.performance) + ")";
  if (!c.profile.performanceMode && c.performance != OH_NN_PERFORMANCE_NONE)
    return Fail(OH_NN_OPERATION_FORBIDDEN, where + Refusal(c, "performance modes", setter));
  if (c.performance < OH_NN_PERFORMANCE_NONE || c.performance > OH_NN_PERFORMANCE_EXTREME)
    return Fail(OH_NN_INVALID_PARAMETER, where + setter + ": invalid performance mode");
  return OH_NN_SUCCESS;
}

OH_NN_ReturnCode CheckPriority(const OH_NNCompilation& c, const std::string& where) {
  const std::string setter = "OH_NNCompilation_SetPriority(" + std::to_string(c.priority) + ")";
  if (!c.profile.priority && c.priority != OH_NN_PRIORITY_NONE)
    return Fail(OH_NN_OPERATION_FORBIDDEN, where + Refusal(c, "priorities", setter));
  if (c.priority < OH_NN_PRIORITY_NONE || c.priority > OH_NN_PRIORITY_HIGH)
    return Fail(OH_NN_INVALID_PARAMETER, where + setter + ": invalid priority");
  return OH_NN_SUCCESS;
}

// The CANN options, applied where the core applies extension configs. HIAI_F's compiler is closed source: the
// host plays one that refuses each option its profile does not support, in the strictest way (FORBIDDEN).
OH_NN_ReturnCode ApplyCannOptions(const OH_NNCompilation& c) {
  const bool tuningDir = c.tuningCacheDir && *c.tuningCacheDir;
  if (!c.profile.tuning && (c.tuningMode != HIAI_TUNING_MODE_UNSET || tuningDir))
    return Fail(OH_NN_OPERATION_FORBIDDEN, "Build: " + Refusal(c, "CANN tuning",
                                                               "HMS_HiAIOptions_SetTuningMode/"
                                                               "HMS_HiAIOptions_SetTuningCacheDir"));
  if (c.tuningMode < HIAI_TUNING_MODE_UNSET || c.tuningMode > HIAI_TUNING_MODE_HETER)
    return Fail(OH_NN_INVALID_PARAMETER,
                "Build: HMS_HiAIOptions_SetTuningMode(" + std::to_string(c.tuningMode) + "): invalid tuning mode");
  if (c.tuningMode != HIAI_TUNING_MODE_UNSET) {
    if (!c.tuningCacheDir)
      return Fail(OH_NN_INVALID_PARAMETER, "Build: CANN tuning mode " + std::to_string(c.tuningMode) +
                                               " needs HMS_HiAIOptions_SetTuningCacheDir before Build");
    if (!IsWritableDir(c.tuningCacheDir))
      return Fail(OH_NN_INVALID_PARAMETER, std::string("Build: tuning cache dir '") + c.tuningCacheDir +
                                               "' (HMS_HiAIOptions_SetTuningCacheDir) is not a readable and writable "
                                               "directory");
  }
  if (!c.profile.bandMode && c.bandMode != HIAI_BANDMODE_UNSET)
    return Fail(
        OH_NN_OPERATION_FORBIDDEN,
        "Build: " + Refusal(c, "band modes", "HMS_HiAIOptions_SetBandMode(" + std::to_string(c.bandMode) + ")"));
  if (c.bandMode < HIAI_BANDMODE_UNSET || c.bandMode > HIAI_BANDMODE_HIGH)
    return Fail(OH_NN_INVALID_PARAMETER,
                "Build: HMS_HiAIOptions_SetBandMode(" + std::to_string(c.bandMode) + "): invalid band mode");
  for (HiAI_ExecuteDevice d : c.deviceOrder)
    if (d < HIAI_EXECUTE_DEVICE_NPU || d > HIAI_EXECUTE_DEVICE_GPU)
      return Fail(OH_NN_INVALID_PARAMETER,
                  "Build: HMS_HiAIOptions_SetModelDeviceOrder: invalid device " + std::to_string(d));
  if (!c.profile.omOptions && c.omType != HIAI_OM_TYPE_OFF)
    return Fail(OH_NN_OPERATION_FORBIDDEN,
                "Build: " + Refusal(c, "OM profiling/dump options",
                                    "HMS_HiAIOptions_SetOmOptions(" + std::to_string(c.omType) + ")"));
  if (c.omType < HIAI_OM_TYPE_OFF || c.omType > HIAI_OM_TYPE_DUMP)
    return Fail(OH_NN_INVALID_PARAMETER,
                "Build: HMS_HiAIOptions_SetOmOptions(" + std::to_string(c.omType) + "): invalid type");
  if (c.omType != HIAI_OM_TYPE_OFF && (!c.omDir || !IsWritableDir(c.omDir)))
    return Fail(OH_NN_INVALID_PARAMETER, std::string("Build: OM options output dir '") +
                                             (c.omDir ? c.omDir : "(NULL)") +
                                             "' (HMS_HiAIOptions_SetOmOptions) is not a writable directory");
  return OH_NN_SUCCESS;  // the host records the CANN options; they have no effect on host execution
}

// The core's SetCompilationOptions order: cache dir (only if set) -> fp16 -> performance mode -> priority ->
// extension configs. fp16/performance/priority are applied on every Build, with their defaults when never set.
// The first failure is Build's result.
OH_NN_ReturnCode ApplyOptions(const OH_NNCompilation& c) {
  if (c.cachePath) {
    const std::string path = c.cachePath;  // the caller's string is read here, not at SetCache
    if (!path.empty() && !c.profile.cache)
      return Fail(OH_NN_OPERATION_FORBIDDEN, "Build: " + Refusal(c, "the model cache", "OH_NNCompilation_SetCache"));
    if (!path.empty() && !IsWritableDir(path))  // the host writes no cache, but a path that could not hold one fails
      return Fail(OH_NN_INVALID_PATH,
                  "Build: cache dir '" + path + "' (OH_NNCompilation_SetCache) is not a writable directory");
  }
  if (c.enableFp16 && !c.profile.float16)
    return Fail(OH_NN_OPERATION_FORBIDDEN,
                "Build: " + Refusal(c, "float16 precision", "OH_NNCompilation_EnableFloat16(true)"));
  if (OH_NN_ReturnCode rc = CheckPerformance(c, "Build: ")) return rc;
  if (OH_NN_ReturnCode rc = CheckPriority(c, "Build: ")) return rc;
  return ApplyCannOptions(c);
}

}  // namespace

// aipp.cpp reports through the same last-error text.
OH_NN_ReturnCode hostnn::SetLastError(OH_NN_ReturnCode code, const std::string& message) { return Fail(code, message); }
void hostnn::ClearLastError() { Clear(); }

extern "C" {

// ================================ host extensions ================================
void HostNN_SetThreadCount(int threadCount) { g_thread_count = threadCount > 0 ? threadCount : 0; }
int HostNN_GetThreadCount(void) { return ResolveThreads().count; }
const char* HostNN_GetLastErrorMessage(void) { return g_last_error.c_str(); }

HostNN_TestDeviceProfile HostNN_DefaultTestDeviceProfile(void) { return kDefaultProfile; }

size_t HostNN_RegisterTestDeviceWithProfile(const char* name, OH_NN_DeviceType type,
                                            const HostNN_TestDeviceProfile* profile) {
  std::lock_guard<std::mutex> lock(g_devices_mutex);
  auto& d = Devices();
  size_t id = d.back().id + 1;
  d.push_back(Device{id, name ? name : "", type, profile ? *profile : kDefaultProfile});
  RebuildDeviceIds();
  return id;
}

size_t HostNN_RegisterTestDevice(const char* name, OH_NN_DeviceType type) {
  return HostNN_RegisterTestDeviceWithProfile(name, type, nullptr);
}

void HostNN_ResetTestDevices(void) {
  std::lock_guard<std::mutex> lock(g_devices_mutex);
  Devices().resize(1);
  RebuildDeviceIds();
}

void HostNN_SetSystemApiLevel(int apiLevel) { g_system_api_level = apiLevel > 0 ? apiLevel : 0; }

void* HostNN_LookupCannSymbol(const char* name) {
  // The CANN Kit functions after API 11 that the engine looks up; every other one is linked directly.
  struct Entry {
    const char* name;
    int since;
    void* function;
  };
  static const Entry kNewer[] = {
      {"HMS_HiAIOptions_SetOmOptions", 18, reinterpret_cast<void*>(&HMS_HiAIOptions_SetOmOptions)},
  };
  if (!name) return nullptr;
  const int level = g_system_api_level;
  for (const Entry& e : kNewer)
    if (std::strcmp(e.name, name) == 0) return level == 0 || level >= e.since ? e.function : nullptr;
  return nullptr;
}

const char* HostNN_DescribeExecutor(const OH_NNExecutor* executor) {
  return executor ? executor->plan->Describe().c_str() : nullptr;
}

int HostNN_GetExecutorThreadCount(const OH_NNExecutor* executor) { return executor ? executor->plan->Threads() : 0; }

void HostNN_SetProfiling(bool enabled) { g_profiling = enabled; }

OH_NN_ReturnCode HostNN_GetExecutorProfile(OH_NNExecutor* executor, const HostNN_OpProfile** ops, size_t* opCount,
                                           size_t* runCount) {
  Clear();
  if (!executor || !ops || !opCount || !runCount)
    return Fail(OH_NN_INVALID_PARAMETER, "GetExecutorProfile: NULL argument");
  std::vector<hostnn::OpProfile> profile;
  size_t runs = 0;
  if (!executor->plan->Profile(&profile, &runs))
    return Fail(
        OH_NN_OPERATION_FORBIDDEN,
        "GetExecutorProfile: the executor was built without profiling (HostNN_SetProfiling(true) before Build)");
  executor->profile = std::move(profile);
  executor->profileView.clear();
  for (const hostnn::OpProfile& p : executor->profile)
    executor->profileView.push_back(HostNN_OpProfile{p.label.c_str(), p.backend.c_str(), p.outputShape.c_str(),
                                                     static_cast<long long>(p.macs), p.totalMs, p.minMs});
  *ops = executor->profileView.data();
  *opCount = executor->profileView.size();
  *runCount = runs;
  return OH_NN_SUCCESS;
}

OH_NN_ReturnCode HostNN_ResetExecutorProfile(OH_NNExecutor* executor) {
  Clear();
  if (!executor) return Fail(OH_NN_INVALID_PARAMETER, "ResetExecutorProfile: executor is NULL");
  if (!executor->plan->ResetProfile())
    return Fail(OH_NN_OPERATION_FORBIDDEN,
                "ResetExecutorProfile: the executor was built without profiling (HostNN_SetProfiling(true) before "
                "Build)");
  return OH_NN_SUCCESS;
}

// ================================ devices ================================
OH_NN_ReturnCode OH_NNDevice_GetAllDevicesID(const size_t** allDevicesID, uint32_t* deviceCount) {
  Clear();
  if (!allDevicesID || !deviceCount) return Fail(OH_NN_INVALID_PARAMETER, "GetAllDevicesID: NULL argument");
  if (*allDevicesID) return Fail(OH_NN_INVALID_PARAMETER, "GetAllDevicesID: *allDevicesID must be NULL");
  std::lock_guard<std::mutex> lock(g_devices_mutex);
  *allDevicesID = DeviceIds().data();  // valid until a test device is registered or reset
  *deviceCount = static_cast<uint32_t>(DeviceIds().size());
  return OH_NN_SUCCESS;
}

OH_NN_ReturnCode OH_NNDevice_GetName(size_t deviceID, const char** name) {
  Clear();
  if (!name) return Fail(OH_NN_INVALID_PARAMETER, "GetName: name is NULL");
  if (*name) return Fail(OH_NN_INVALID_PARAMETER, "GetName: *name must be NULL");
  std::lock_guard<std::mutex> lock(g_devices_mutex);
  auto& d = Devices();
  for (const Device& dev : d)
    if (dev.id == deviceID || (deviceID == 0 && &dev == &d.front())) {
      *name = dev.name.c_str();  // stable until HostNN_ResetTestDevices removes a test device
      return OH_NN_SUCCESS;
    }
  return Fail(OH_NN_FAILED, "GetName: no device with ID " + std::to_string(deviceID));  // as the core: no name found
}

OH_NN_ReturnCode OH_NNDevice_GetType(size_t deviceID, OH_NN_DeviceType* deviceType) {
  Clear();
  if (!deviceType) return Fail(OH_NN_INVALID_PARAMETER, "GetType: deviceType is NULL");
  Device dev;
  if (!FindDevice(deviceID, &dev))
    return Fail(OH_NN_INVALID_PARAMETER, "GetType: no device with ID " + std::to_string(deviceID));
  *deviceType = dev.type;
  return OH_NN_SUCCESS;
}

// ================================ compilation ================================
OH_NNCompilation* OH_NNCompilation_ConstructWithOfflineModelFile(const char* modelPath) {
  Clear();
  if (!modelPath || !*modelPath)
    return FailNull<OH_NNCompilation>("ConstructWithOfflineModelFile: modelPath is NULL or empty");
  auto* c = new OH_NNCompilation;
  c->modelPath = modelPath;
  return c;
}

OH_NNCompilation* OH_NNCompilation_ConstructWithOfflineModelBuffer(const void* modelBuffer, size_t modelSize) {
  Clear();
  if (!modelBuffer || modelSize == 0)
    return FailNull<OH_NNCompilation>("ConstructWithOfflineModelBuffer: modelBuffer is NULL or modelSize is 0");
  auto* c = new OH_NNCompilation;
  c->buffer = modelBuffer;
  c->bufferSize = modelSize;
  return c;
}

OH_NNCompilation* OH_NNCompilation_ConstructForCache(void) {
  Clear();
  auto* c = new OH_NNCompilation;
  c->forCache = true;
  return c;
}

OH_NN_ReturnCode OH_NNCompilation_AddExtensionConfig(OH_NNCompilation* compilation, const char* configName,
                                                     const void* configValue, const size_t configValueSize) {
  Clear();
  CHECK_COMPILATION(compilation);
  if (!configName || !*configName || !configValue || configValueSize == 0)
    return Fail(OH_NN_INVALID_PARAMETER, "AddExtensionConfig: NULL/empty name or value");
  const char* v = static_cast<const char*>(configValue);
  if (!compilation->extensionConfigs.emplace(configName, std::vector<char>(v, v + configValueSize)).second)
    return Fail(OH_NN_FAILED, std::string("AddExtensionConfig: config '") + configName + "' was already added");
  return OH_NN_SUCCESS;
}

// The setters only record (the device checks nothing but NULLs here): values are checked against the device by
// Build. A bad device ID, too, surfaces at Build.
OH_NN_ReturnCode OH_NNCompilation_SetDevice(OH_NNCompilation* compilation, size_t deviceID) {
  Clear();
  CHECK_COMPILATION(compilation);
  compilation->deviceId = deviceID;
  return OH_NN_SUCCESS;
}

OH_NN_ReturnCode OH_NNCompilation_SetCache(OH_NNCompilation* compilation, const char* cachePath, uint32_t version) {
  Clear();
  CHECK_COMPILATION(compilation);
  if (!cachePath) return Fail(OH_NN_INVALID_PARAMETER, "SetCache: cachePath is NULL");
  compilation->cachePath = cachePath;  // borrowed, read at Build; the host compiles in memory and writes no cache
  compilation->cacheVersion = version;
  return OH_NN_SUCCESS;
}

// After Build got a compiler, the core hands performance mode and priority straight to it (checked at once).
OH_NN_ReturnCode OH_NNCompilation_SetPerformanceMode(OH_NNCompilation* compilation,
                                                     OH_NN_PerformanceMode performanceMode) {
  Clear();
  CHECK_COMPILATION(compilation);
  compilation->performance = performanceMode;
  return compilation->hasCompiler ? CheckPerformance(*compilation, "SetPerformanceMode: ") : OH_NN_SUCCESS;
}

OH_NN_ReturnCode OH_NNCompilation_SetPriority(OH_NNCompilation* compilation, OH_NN_Priority priority) {
  Clear();
  CHECK_COMPILATION(compilation);
  compilation->priority = priority;
  return compilation->hasCompiler ? CheckPriority(*compilation, "SetPriority: ") : OH_NN_SUCCESS;
}

OH_NN_ReturnCode OH_NNCompilation_EnableFloat16(OH_NNCompilation* compilation, bool enableFloat16) {
  Clear();
  CHECK_COMPILATION(compilation);
  compilation->enableFp16 = enableFloat16;
  return OH_NN_SUCCESS;
}

OH_NN_ReturnCode OH_NNCompilation_Build(OH_NNCompilation* compilation) {
  Clear();
  CHECK_COMPILATION(compilation);
  if (compilation->hasCompiler)
    return Fail(OH_NN_INVALID_PARAMETER, compilation->built
                                             ? "Build: the compilation is already built; construct a new one"
                                             : "Build: a Build of this compilation already failed after creating its "
                                               "compiler; construct a new compilation to build again");
  Device dev;
  if (!FindDevice(compilation->deviceId, &dev))  // the core's CreateCompiler: no such backend
    return Fail(OH_NN_FAILED,
                "Build: no device with ID " + std::to_string(compilation->deviceId) + " (OH_NNCompilation_SetDevice)");
  if (dev.profile.buildDelayMs)  // no lock is held: listing devices meanwhile must not wait
    std::this_thread::sleep_for(std::chrono::milliseconds(dev.profile.buildDelayMs));
  if (!dev.profile.offlineModels && (compilation->buffer || !compilation->modelPath.empty()))
    return Fail(OH_NN_FAILED, "Build: device '" + dev.name +
                                  "' builds no offline model (buffer or file): "
                                  "only support build NN model and NN model cache");
  compilation->hasCompiler = true;
  compilation->profile = dev.profile;
  compilation->deviceName = dev.name;
  if (OH_NN_ReturnCode rc = ApplyOptions(*compilation)) return rc;
  if (compilation->forCache)
    return Fail(OH_NN_UNSUPPORTED, "Build: the host runtime keeps no compiled-model cache; construct from the model");
  try {
    std::vector<uint8_t> file;
    const void* data = compilation->buffer;
    size_t size = compilation->bufferSize;
    if (!compilation->modelPath.empty()) {
      npulens::Result<std::vector<uint8_t>> read = npulens::ReadFileBytes(compilation->modelPath);
      if (!read.ok()) return Fail(ReadFailureCode(compilation->modelPath), "Build: " + read.status().message());
      file = std::move(read).value();
      data = file.data();
      size = file.size();
    }
    hostnn::GearedModel model = hostnn::ImportOnnxGears(  // copies weights: the buffer may go after Destroy
        data, size, compilation->inputShapes.empty() ? nullptr : &compilation->inputShapes);
    const hostnn::Graph& graph = model.graphs[0];
    const ThreadSetting threads = ResolveThreads();
    const bool omProfiling = compilation->omType == HIAI_OM_TYPE_PROFILING;
    // DUMP: a plan of one step per op, as profiling builds it, so that every op's output has its own buffer.
    const bool omDump = compilation->omType == HIAI_OM_TYPE_DUMP;
    compilation->plan =
        hostnn::BuildPlan(graph, threads.count, threads.explicitly, g_profiling || omProfiling || omDump);
    if (omProfiling)  // the load phase takes the dir: the caller's string may go after Build
      compilation->omProfile =
          std::make_shared<const OmProfileSink>(OmProfileSink{compilation->omDir, FileStem(graph.name)});
    if (omDump) compilation->omDump = std::make_shared<hostnn::OmDump>(compilation->omDir, FileStem(graph.name));
    auto gears = std::make_shared<Gears>();
    gears->threads = threads;
    gears->profiling = g_profiling || omProfiling || omDump;
    gears->gears.resize(model.graphs.size());
    gears->gears[0].inputs = compilation->plan->Inputs();
    gears->gears[0].outputs = compilation->plan->Outputs();
    gears->gears[0].plan = compilation->plan;
    for (size_t g = 1; g < model.graphs.size(); ++g) {  // planned at first use (PlanOf)
      SpecsOf(model.graphs[g], &gears->gears[g]);
      gears->gears[g].graph = std::make_unique<hostnn::Graph>(std::move(model.graphs[g]));
    }
    DescribeGears(model.declaredInputs, gears.get());
    compilation->gears = std::move(gears);
    compilation->aipp = std::make_shared<const hostnn::ModelAipp>(hostnn::DescribeModelAipp(graph));
  } catch (const Error& e) {
    return Fail(e.code, e.what());
  } catch (const std::bad_alloc&) {
    return Fail(OH_NN_MEMORY_ERROR, "Build: out of memory");
  } catch (const std::exception& e) {
    return Fail(OH_NN_FAILED, std::string("Build: ") + e.what());
  }
  compilation->built = true;
  return OH_NN_SUCCESS;
}

void OH_NNCompilation_Destroy(OH_NNCompilation** compilation) {
  if (!compilation || !*compilation) return;
  delete *compilation;
  *compilation = nullptr;
}

// ================================ tensor descs ================================
NN_TensorDesc* OH_NNTensorDesc_Create(void) {
  Clear();
  return new NN_TensorDesc;
}

OH_NN_ReturnCode OH_NNTensorDesc_Destroy(NN_TensorDesc** tensorDesc) {
  Clear();
  if (!tensorDesc || !*tensorDesc) return Fail(OH_NN_INVALID_PARAMETER, "TensorDesc_Destroy: NULL desc");
  delete *tensorDesc;
  *tensorDesc = nullptr;
  return OH_NN_SUCCESS;
}

OH_NN_ReturnCode OH_NNTensorDesc_SetName(NN_TensorDesc* d, const char* name) {
  Clear();
  if (!d || !name) return Fail(OH_NN_INVALID_PARAMETER, "TensorDesc_SetName: NULL argument");
  d->name = name;
  return OH_NN_SUCCESS;
}

OH_NN_ReturnCode OH_NNTensorDesc_GetName(const NN_TensorDesc* d, const char** name) {
  Clear();
  if (!d || !name) return Fail(OH_NN_INVALID_PARAMETER, "TensorDesc_GetName: NULL argument");
  if (*name) return Fail(OH_NN_INVALID_PARAMETER, "TensorDesc_GetName: *name must be NULL");
  *name = d->name.c_str();
  return OH_NN_SUCCESS;
}

OH_NN_ReturnCode OH_NNTensorDesc_SetDataType(NN_TensorDesc* d, OH_NN_DataType dataType) {
  Clear();
  if (!d) return Fail(OH_NN_INVALID_PARAMETER, "TensorDesc_SetDataType: NULL desc");
  if (dataType < OH_NN_UNKNOWN || dataType > OH_NN_FLOAT64)
    return Fail(OH_NN_INVALID_PARAMETER, "TensorDesc_SetDataType: invalid data type " + std::to_string(dataType));
  d->dtype = dataType;
  return OH_NN_SUCCESS;
}

OH_NN_ReturnCode OH_NNTensorDesc_GetDataType(const NN_TensorDesc* d, OH_NN_DataType* dataType) {
  Clear();
  if (!d || !dataType) return Fail(OH_NN_INVALID_PARAMETER, "TensorDesc_GetDataType: NULL argument");
  *dataType = d->dtype;
  return OH_NN_SUCCESS;
}

OH_NN_ReturnCode OH_NNTensorDesc_SetShape(NN_TensorDesc* d, const int32_t* shape, size_t shapeLength) {
  Clear();
  if (!d || !shape || shapeLength == 0)
    return Fail(OH_NN_INVALID_PARAMETER, "TensorDesc_SetShape: NULL shape or length 0");
  d->shape.assign(shape, shape + shapeLength);
  d->hasShape = true;
  return OH_NN_SUCCESS;
}

OH_NN_ReturnCode OH_NNTensorDesc_GetShape(const NN_TensorDesc* d, int32_t** shape, size_t* shapeLength) {
  Clear();
  if (!d || !shape || !shapeLength) return Fail(OH_NN_INVALID_PARAMETER, "TensorDesc_GetShape: NULL argument");
  if (*shape) return Fail(OH_NN_INVALID_PARAMETER, "TensorDesc_GetShape: *shape must be NULL");
  *shape = const_cast<int32_t*>(d->shape.data());  // owned by the desc
  *shapeLength = d->shape.size();
  return OH_NN_SUCCESS;
}

OH_NN_ReturnCode OH_NNTensorDesc_SetFormat(NN_TensorDesc* d, OH_NN_Format format) {
  Clear();
  if (!d) return Fail(OH_NN_INVALID_PARAMETER, "TensorDesc_SetFormat: NULL desc");
  if (format < OH_NN_FORMAT_NONE || format > OH_NN_FORMAT_ND)
    return Fail(OH_NN_INVALID_PARAMETER, "TensorDesc_SetFormat: invalid format " + std::to_string(format));
  d->format = format;
  return OH_NN_SUCCESS;
}

OH_NN_ReturnCode OH_NNTensorDesc_GetFormat(const NN_TensorDesc* d, OH_NN_Format* format) {
  Clear();
  if (!d || !format) return Fail(OH_NN_INVALID_PARAMETER, "TensorDesc_GetFormat: NULL argument");
  *format = d->format;
  return OH_NN_SUCCESS;
}

// As the device's TensorDesc::GetElementNum: a dim <= 0 is dynamic, giving 0 and OH_NN_DYNAMIC_SHAPE.
OH_NN_ReturnCode OH_NNTensorDesc_GetElementCount(const NN_TensorDesc* d, size_t* elementCount) {
  Clear();
  if (!d || !elementCount) return Fail(OH_NN_INVALID_PARAMETER, "TensorDesc_GetElementCount: NULL argument");
  *elementCount = 0;
  OH_NN_ReturnCode rc = DescByteSize(d, elementCount, nullptr);
  if (rc == OH_NN_SUCCESS && *elementCount == 0) return Fail(OH_NN_DYNAMIC_SHAPE, "tensor desc has a dimension of 0");
  if (rc == OH_NN_DYNAMIC_SHAPE) *elementCount = 0;
  return rc;
}

// As the device's TensorDesc::GetByteSize: a dynamic shape is not an error there, the byte size is 0.
OH_NN_ReturnCode OH_NNTensorDesc_GetByteSize(const NN_TensorDesc* d, size_t* byteSize) {
  Clear();
  if (!d || !byteSize) return Fail(OH_NN_INVALID_PARAMETER, "TensorDesc_GetByteSize: NULL argument");
  *byteSize = 0;
  OH_NN_ReturnCode rc = DescByteSize(d, nullptr, byteSize);
  if (rc != OH_NN_DYNAMIC_SHAPE) return rc;
  *byteSize = 0;
  Clear();
  return OH_NN_SUCCESS;
}

// ================================ tensors ================================
NN_Tensor* OH_NNTensor_Create(size_t deviceID, NN_TensorDesc* tensorDesc) {
  Clear();
  if (!tensorDesc) return FailNull<NN_Tensor>("Tensor_Create: tensorDesc is NULL");
  size_t bytes = 0;
  if (DescByteSize(tensorDesc, nullptr, &bytes) != OH_NN_SUCCESS) return nullptr;
  return AllocateTensor(deviceID, tensorDesc, bytes, "Tensor_Create");
}

NN_Tensor* OH_NNTensor_CreateWithSize(size_t deviceID, NN_TensorDesc* tensorDesc, size_t size) {
  Clear();
  if (!tensorDesc) return FailNull<NN_Tensor>("Tensor_CreateWithSize: tensorDesc is NULL");
  size_t bytes = 0;
  OH_NN_ReturnCode rc = DescByteSize(tensorDesc, nullptr, &bytes);
  if (rc == OH_NN_SUCCESS && size < bytes)
    return FailNull<NN_Tensor>("Tensor_CreateWithSize: size " + std::to_string(size) + " is below the byte size " +
                               std::to_string(bytes));
  if (rc != OH_NN_SUCCESS && rc != OH_NN_DYNAMIC_SHAPE) return nullptr;
  Clear();
  return AllocateTensor(deviceID, tensorDesc, size, "Tensor_CreateWithSize");
}

NN_Tensor* OH_NNTensor_CreateWithFd(size_t deviceID, NN_TensorDesc* tensorDesc, int fd, size_t size, size_t offset) {
  Clear();
  if (!tensorDesc) return FailNull<NN_Tensor>("Tensor_CreateWithFd: tensorDesc is NULL");
  if (fd < 0) return FailNull<NN_Tensor>("Tensor_CreateWithFd: fd is negative");
  if (size == 0) return FailNull<NN_Tensor>("Tensor_CreateWithFd: size is 0");
  if (size < offset) return FailNull<NN_Tensor>("Tensor_CreateWithFd: size is below offset");
  size_t bytes = 0;
  if (DescByteSize(tensorDesc, nullptr, &bytes) != OH_NN_SUCCESS) return nullptr;
  if (size - offset < bytes)
    return FailNull<NN_Tensor>("Tensor_CreateWithFd: size - offset = " + std::to_string(size - offset) +
                               " is below the byte size " + std::to_string(bytes));
  long page = sysconf(_SC_PAGESIZE);
  if (offset % static_cast<size_t>(page) != 0)
    return FailNull<NN_Tensor>("Tensor_CreateWithFd: offset " + std::to_string(offset) +
                               " is not a multiple of the page size");
  Device dev;
  if (!FindDevice(deviceID, &dev))
    return FailNull<NN_Tensor>("Tensor_CreateWithFd: no device with ID " + std::to_string(deviceID));
  struct stat st;
  if (fstat(fd, &st) != 0) return FailNull<NN_Tensor>("Tensor_CreateWithFd: fd " + std::to_string(fd) + " is not open");
  // Mapping past the end of the file would fault on access (SIGBUS): reject it up front.
  if (S_ISREG(st.st_mode) && static_cast<size_t>(st.st_size) < offset + size)
    return FailNull<NN_Tensor>("Tensor_CreateWithFd: the fd holds " + std::to_string(st.st_size) +
                               " bytes, below offset + size = " + std::to_string(offset + size));
  return MapTensor(deviceID, tensorDesc, fd, false, size, offset);
}

OH_NN_ReturnCode OH_NNTensor_Destroy(NN_Tensor** tensor) {
  Clear();
  if (!tensor || !*tensor) return Fail(OH_NN_INVALID_PARAMETER, "Tensor_Destroy: NULL tensor");
  delete *tensor;  // unmaps; closes the fd only when the tensor allocated it
  *tensor = nullptr;
  return OH_NN_SUCCESS;
}

NN_TensorDesc* OH_NNTensor_GetTensorDesc(const NN_Tensor* tensor) {
  Clear();
  return tensor ? const_cast<NN_TensorDesc*>(&tensor->desc) : nullptr;
}

void* OH_NNTensor_GetDataBuffer(const NN_Tensor* tensor) {
  Clear();
  return tensor ? tensor->mapping : nullptr;
}

OH_NN_ReturnCode OH_NNTensor_GetFd(const NN_Tensor* tensor, int* fd) {
  Clear();
  if (!tensor || !fd) return Fail(OH_NN_INVALID_PARAMETER, "Tensor_GetFd: NULL argument");
  *fd = tensor->fd;
  return OH_NN_SUCCESS;
}

OH_NN_ReturnCode OH_NNTensor_GetSize(const NN_Tensor* tensor, size_t* size) {
  Clear();
  if (!tensor || !size) return Fail(OH_NN_INVALID_PARAMETER, "Tensor_GetSize: NULL argument");
  *size = tensor->size;
  return OH_NN_SUCCESS;
}

OH_NN_ReturnCode OH_NNTensor_GetOffset(const NN_Tensor* tensor, size_t* offset) {
  Clear();
  if (!tensor || !offset) return Fail(OH_NN_INVALID_PARAMETER, "Tensor_GetOffset: NULL argument");
  *offset = tensor->offset;
  return OH_NN_SUCCESS;
}

// ================================ executor ================================
OH_NNExecutor* OH_NNExecutor_Construct(OH_NNCompilation* compilation) {
  Clear();
  if (!compilation) return FailNull<OH_NNExecutor>("Executor_Construct: compilation is NULL");
  if (!compilation->built) return FailNull<OH_NNExecutor>("Executor_Construct: the compilation is not built");
  auto* e = new OH_NNExecutor;
  e->plan = compilation->plan;
  e->gears = compilation->gears;
  e->aipp = compilation->aipp;
  e->omProfile = compilation->omProfile;
  e->omDump = compilation->omDump;
  return e;
}

void OH_NNExecutor_Destroy(OH_NNExecutor** executor) {
  if (!executor || !*executor) return;
  // A model with batch gears: the profile of the gear the executor ran last.
  if ((*executor)->omProfile) WriteOmProfile(*(*executor)->plan, *(*executor)->omProfile);
  delete *executor;
  *executor = nullptr;
}

OH_NN_ReturnCode OH_NNExecutor_GetInputCount(const OH_NNExecutor* e, size_t* inputCount) {
  Clear();
  if (!e || !inputCount) return Fail(OH_NN_INVALID_PARAMETER, "Executor_GetInputCount: NULL argument");
  *inputCount = e->gears->inputs.size();
  return OH_NN_SUCCESS;
}

OH_NN_ReturnCode OH_NNExecutor_GetOutputCount(const OH_NNExecutor* e, size_t* outputCount) {
  Clear();
  if (!e || !outputCount) return Fail(OH_NN_INVALID_PARAMETER, "Executor_GetOutputCount: NULL argument");
  *outputCount = e->gears->outputs.size();
  return OH_NN_SUCCESS;
}

NN_TensorDesc* OH_NNExecutor_CreateInputTensorDesc(const OH_NNExecutor* e, size_t index) {
  Clear();
  if (!e) return FailNull<NN_TensorDesc>("Executor_CreateInputTensorDesc: executor is NULL");
  if (index >= e->gears->inputs.size())
    return FailNull<NN_TensorDesc>("Executor_CreateInputTensorDesc: index " + std::to_string(index) + " out of range");
  return DescFromSpec(e->gears->inputs[index]);
}

NN_TensorDesc* OH_NNExecutor_CreateOutputTensorDesc(const OH_NNExecutor* e, size_t index) {
  Clear();
  if (!e) return FailNull<NN_TensorDesc>("Executor_CreateOutputTensorDesc: executor is NULL");
  if (index >= e->gears->outputs.size())
    return FailNull<NN_TensorDesc>("Executor_CreateOutputTensorDesc: index " + std::to_string(index) + " out of range");
  return DescFromSpec(e->gears->outputs[index]);
}

OH_NN_ReturnCode OH_NNExecutor_GetInputDimRange(const OH_NNExecutor* e, size_t index, size_t** minInputDims,
                                                size_t** maxInputDims, size_t* shapeLength) {
  Clear();
  if (!e || !minInputDims || !maxInputDims || !shapeLength)
    return Fail(OH_NN_INVALID_PARAMETER, "Executor_GetInputDimRange: NULL argument");
  if (*minInputDims || *maxInputDims)
    return Fail(OH_NN_INVALID_PARAMETER, "Executor_GetInputDimRange: *min/*max must be NULL");
  if (index >= e->gears->inputs.size())
    return Fail(OH_NN_INVALID_PARAMETER, "Executor_GetInputDimRange: index out of range");
  auto* me = const_cast<OH_NNExecutor*>(e);  // the executor owns the returned arrays
  const auto& first = e->gears->gears[0].inputs[index].shape;
  me->dimMin.assign(first.begin(), first.end());  // over the gears (one for a static model: min == max)
  me->dimMax.assign(first.begin(), first.end());
  for (const Gear& gear : e->gears->gears) {
    const auto& s = gear.inputs[index].shape;
    for (size_t d = 0; d < s.size(); ++d) {
      me->dimMin[d] = std::min(me->dimMin[d], static_cast<size_t>(s[d]));
      me->dimMax[d] = std::max(me->dimMax[d], static_cast<size_t>(s[d]));
    }
  }
  *minInputDims = me->dimMin.data();
  *maxInputDims = me->dimMax.data();
  *shapeLength = first.size();
  return OH_NN_SUCCESS;
}

OH_NN_ReturnCode OH_NNExecutor_GetOutputShape(OH_NNExecutor* e, uint32_t outputIndex, int32_t** shape,
                                              uint32_t* shapeLength) {
  Clear();
  if (!e || !shape || !shapeLength) return Fail(OH_NN_INVALID_PARAMETER, "Executor_GetOutputShape: NULL argument");
  // As the SDK declares it (neural_network_core.h): *shape must be NULL on input; the executor owns the array.
  if (*shape) return Fail(OH_NN_INVALID_PARAMETER, "Executor_GetOutputShape: *shape must be NULL");
  if (outputIndex >= e->gears->outputs.size())
    return Fail(OH_NN_INVALID_PARAMETER, "Executor_GetOutputShape: index out of range");
  // The shape the last RunSync wrote (its gear's); before any run the shape as declared (-1 where gears differ).
  const auto& s = e->ran ? e->plan->Outputs()[outputIndex].shape : e->gears->outputs[outputIndex].shape;
  e->outputShape.assign(s.begin(), s.end());
  *shape = e->outputShape.data();
  *shapeLength = static_cast<uint32_t>(s.size());
  return OH_NN_SUCCESS;
}

OH_NN_ReturnCode OH_NNExecutor_RunSync(OH_NNExecutor* e, NN_Tensor* inputTensor[], size_t inputCount,
                                       NN_Tensor* outputTensor[], size_t outputCount) {
  Clear();
  if (!e || !inputTensor || !outputTensor || inputCount == 0 || outputCount == 0)
    return Fail(OH_NN_INVALID_PARAMETER, "RunSync: NULL executor/tensor array or a count of 0");
  Gear* gear = SelectGear(*e->gears, inputTensor, inputCount);
  if (!gear) return OH_NN_INVALID_PARAMETER;
  const auto& ins = gear->inputs;
  const auto& outs = gear->outputs;
  if (inputCount != ins.size() || outputCount != outs.size())
    return Fail(OH_NN_INVALID_PARAMETER, "RunSync: the model has " + std::to_string(ins.size()) + " input(s) and " +
                                             std::to_string(outs.size()) + " output(s), got " +
                                             std::to_string(inputCount) + " and " + std::to_string(outputCount));
  auto check = [](NN_Tensor* t, const hostnn::TensorSpec& spec, const char* kind, size_t i) -> OH_NN_ReturnCode {
    std::string where = std::string("RunSync: ") + kind + " " + std::to_string(i) + " ('" + spec.name + "')";
    if (!t || !t->mapping) return Fail(OH_NN_INVALID_PARAMETER, where + " is NULL");
    OH_NN_DataType want = hostnn::ToNNDataType(spec.dtype);
    if (t->desc.dtype != want)
      return Fail(OH_NN_INVALID_PARAMETER, where + " has data type " + std::to_string(t->desc.dtype) +
                                               ", the model needs " + std::to_string(want));
    size_t bytes = 0;
    if (DescByteSize(&t->desc, nullptr, &bytes) != OH_NN_SUCCESS)
      return Fail(OH_NN_INVALID_PARAMETER, where + ": " + g_last_error);
    std::vector<int32_t> shape(spec.shape.begin(), spec.shape.end());
    if (bytes != spec.ByteSize() || t->desc.shape != shape)
      return Fail(OH_NN_INVALID_PARAMETER, where + " has shape " + ShapeText(t->desc.shape) + " (" +
                                               std::to_string(bytes) + " bytes), the model needs " + ShapeText(shape) +
                                               " (" + std::to_string(spec.ByteSize()) + " bytes)");
    if (t->size - t->offset < bytes)
      return Fail(OH_NN_INVALID_PARAMETER, where + " memory holds " + std::to_string(t->size - t->offset) +
                                               " bytes, below " + std::to_string(bytes));
    return OH_NN_SUCCESS;
  };
  std::vector<const void*> inPtrs(ins.size());
  std::vector<void*> outPtrs(outs.size());
  std::vector<std::vector<uint8_t>> aippOut(ins.size());  // the model inputs AIPP makes from raw images
  for (size_t i = 0; i < ins.size(); ++i) {
    NN_Tensor* t = inputTensor[i];
    if (t && t->mapping && !t->aipp.empty()) {  // raw image bytes: AIPP makes the model input (aipp.h)
      aippOut[i].resize(ins[i].ByteSize());
      const auto* src = static_cast<const uint8_t*>(t->mapping);
      if (OH_NN_ReturnCode rc = hostnn::RunAipp(*e->aipp, i, t->aipp, src, t->size - t->offset, aippOut[i].data()))
        return rc;
      inPtrs[i] = aippOut[i].data();
      continue;
    }
    if (OH_NN_ReturnCode rc = check(t, ins[i], "input", i)) return rc;
    inPtrs[i] = t->mapping;
  }
  for (size_t i = 0; i < outs.size(); ++i) {
    if (OH_NN_ReturnCode rc = check(outputTensor[i], outs[i], "output", i)) return rc;
    outPtrs[i] = outputTensor[i]->mapping;
  }
  std::shared_ptr<hostnn::Plan> plan;
  if (OH_NN_ReturnCode rc = PlanOf(*e->gears, *gear, &plan)) return rc;
  try {
    e->plan = std::move(plan);
    e->ran = true;
    std::vector<hostnn::OpOutput> tensors;
    if (!e->omDump || !e->plan->RunCapturing(inPtrs, outPtrs, &tensors)) e->plan->Run(inPtrs, outPtrs);
    std::string dumpError;
    // A dump that cannot be written (a cap reached, a full disk) does not fail the inference: its outputs stand, the
    // reason stays in the last error (as a profile that cannot be written at Destroy).
    if (e->omDump && !e->omDump->Write(tensors, &dumpError))
      g_last_error = "RunSync: HMS_HiAIOptions_SetOmOptions(DUMP): " + dumpError;
  } catch (const Error& err) {
    return Fail(err.code, std::string("RunSync: ") + err.what());
  } catch (const std::exception& err) {
    return Fail(OH_NN_FAILED, std::string("RunSync: ") + err.what());
  }
  return OH_NN_SUCCESS;
}

// ================================ CANN Kit options ================================
OH_NN_ReturnCode HMS_HiAIOptions_SetInputTensorShapes(OH_NNCompilation* compilation, NN_TensorDesc* inputTensorDescs[],
                                                      size_t shapeCount) {
  Clear();
  CHECK_COMPILATION(compilation);
  if (!inputTensorDescs || shapeCount == 0)
    return Fail(OH_NN_INVALID_PARAMETER, "SetInputTensorShapes: NULL descs or count 0");
  std::vector<hostnn::Shape> shapes;
  for (size_t i = 0; i < shapeCount; ++i) {
    const NN_TensorDesc* d = inputTensorDescs[i];
    if (!d || !d->hasShape)
      return Fail(OH_NN_INVALID_PARAMETER, "SetInputTensorShapes: desc " + std::to_string(i) + " has no shape");
    shapes.emplace_back(d->shape.begin(), d->shape.end());
  }
  compilation->inputShapes = std::move(shapes);  // checked against the model at Build
  return OH_NN_SUCCESS;
}

// The CANN setters record like the NNRt ones; Build checks the values (ApplyCannOptions).
OH_NN_ReturnCode HMS_HiAIOptions_SetTuningMode(OH_NNCompilation* compilation, HiAI_TuningMode tuningMode) {
  Clear();
  CHECK_COMPILATION(compilation);
  compilation->tuningMode = tuningMode;
  return OH_NN_SUCCESS;
}

HiAI_TuningMode HMS_HiAIOptions_GetTuningMode(const OH_NNCompilation* compilation) {
  return compilation ? compilation->tuningMode : HIAI_TUNING_MODE_UNSET;
}

OH_NN_ReturnCode HMS_HiAIOptions_SetTuningCacheDir(OH_NNCompilation* compilation, const char* cacheDir) {
  Clear();
  CHECK_COMPILATION(compilation);
  if (!cacheDir) return Fail(OH_NN_INVALID_PARAMETER, "SetTuningCacheDir: cacheDir is NULL");
  compilation->tuningCacheDir = cacheDir;  // borrowed, read at Build
  return OH_NN_SUCCESS;
}

const char* HMS_HiAIOptions_GetTuningCacheDir(const OH_NNCompilation* compilation) {
  return compilation ? compilation->tuningCacheDir : nullptr;
}

OH_NN_ReturnCode HMS_HiAIOptions_SetBandMode(OH_NNCompilation* compilation, HiAI_BandMode bandMode) {
  Clear();
  CHECK_COMPILATION(compilation);
  compilation->bandMode = bandMode;
  return OH_NN_SUCCESS;
}

HiAI_BandMode HMS_HiAIOptions_GetBandMode(const OH_NNCompilation* compilation) {
  return compilation ? compilation->bandMode : HIAI_BANDMODE_UNSET;
}

OH_NN_ReturnCode HMS_HiAIOptions_SetModelDeviceOrder(OH_NNCompilation* compilation, HiAI_ExecuteDevice* executeDevices,
                                                     size_t deviceCount) {
  Clear();
  CHECK_COMPILATION(compilation);
  // The array is copied now, so its length is checked now (reading past a short array is not an option to defer).
  if (!executeDevices || deviceCount == 0 || deviceCount > 3)
    return Fail(OH_NN_INVALID_PARAMETER, "SetModelDeviceOrder: NULL devices or a count outside 1..3");
  compilation->deviceOrder.assign(executeDevices, executeDevices + deviceCount);  // values checked at Build
  return OH_NN_SUCCESS;
}

size_t HMS_HiAIOptions_GetModelDeviceCount(const OH_NNCompilation* compilation) {
  return compilation ? compilation->deviceOrder.size() : 0;
}

HiAI_ExecuteDevice* HMS_HiAIOptions_GetModelDeviceOrder(const OH_NNCompilation* compilation) {
  if (!compilation || compilation->deviceOrder.empty()) return nullptr;
  return const_cast<HiAI_ExecuteDevice*>(compilation->deviceOrder.data());
}

OH_NN_ReturnCode HMS_HiAIOptions_SetOmOptions(OH_NNCompilation* compilation, HiAI_OmType type, const char* outputDir) {
  Clear();
  CHECK_COMPILATION(compilation);
  // Recorded; checked and taken at Build (the load phase). PROFILING: the executors time every op of each RunSync and
  // write <model>_op.csv and <model>_model.csv into outputDir at Destroy. DUMP: every RunSync writes the tensors it
  // computed into outputDir/<model>/run<N>/ (om_dump.h).
  compilation->omType = type;
  compilation->omDir = outputDir;  // borrowed, read at Build (NULL is fine with HIAI_OM_TYPE_OFF)
  return OH_NN_SUCCESS;
}

// ================================ CANN Kit AIPP tensors ================================
// Bytes for the images a desc describes: its N, H and W ([N, C, H, W], or [N, H, W, C] with OH_NN_FORMAT_NHWC;
// C and the data type do not count) in `format`.
size_t HMS_HiAITensor_GetSizeWithImageFormat(NN_TensorDesc* desc, HiAI_ImageFormat format) {
  Clear();
  auto none = [](const std::string& why) {
    Fail(OH_NN_INVALID_PARAMETER, "GetSizeWithImageFormat: " + why);
    return size_t{0};
  };
  if (!desc) return none("desc is NULL");
  const std::vector<int32_t>& s = desc->shape;
  if (!desc->hasShape || s.size() != 4 || s[0] <= 0 || s[1] <= 0 || s[2] <= 0 || s[3] <= 0)
    return none("the desc's shape " + ShapeText(s) + " is not a static 4-D [N, C, H, W] or [N, H, W, C]");
  const bool nhwc = desc->format == OH_NN_FORMAT_NHWC;
  const int32_t height = nhwc ? s[1] : s[2], width = nhwc ? s[2] : s[3];
  if (height > 4096 || width > 4096)  // AIPP's source limit (HMS_HiAIAippParam_SetInputShape); keeps this exact
    return none("the image " + std::to_string(width) + "x" + std::to_string(height) + " is over AIPP's 4096x4096");
  uint64_t bytes = 0;
  std::string why;
  if (!hostnn::AippImageBytes(format, static_cast<uint64_t>(width), static_cast<uint64_t>(height), &bytes, &why))
    return none(why);
  return static_cast<size_t>(bytes * static_cast<uint64_t>(s[0]));
}

// Links params to the tensor: pointers, as on the device (destroy them only after the tensor's last run).
OH_NN_ReturnCode HMS_HiAITensor_SetAippParams(NN_Tensor* tensor, HiAI_AippParam* aippParams[], size_t aippNum) {
  Clear();
  if (!tensor || !aippParams || aippNum == 0)
    return Fail(OH_NN_INVALID_PARAMETER, "SetAippParams: NULL tensor or params, or aippNum 0");
  std::vector<hostnn::AippRef> refs(aippNum);
  for (size_t i = 0; i < aippNum; ++i)
    if (!hostnn::RefAippParam(aippParams[i], &refs[i]))
      return Fail(OH_NN_INVALID_PARAMETER,
                  "SetAippParams: aippParams[" + std::to_string(i) + "] is not a live HiAI_AippParam");
  tensor->aipp = std::move(refs);
  return OH_NN_SUCCESS;
}

// ================================ CANN Kit helpers ================================
const char* HMS_HiAI_GetVersion(void) {
  // "A1A2A3.X1X2X3.Y1Y2Y3.Z1Z2Z3": X1 == 0 means no NPU. The host has none and says so.
  return "000.000.000.000";
}

HiAI_Compatibility HMS_HiAICompatibility_CheckFromBuffer(const void* data, size_t size) {
  // Host semantics: compatible with the host CPU device = an ONNX model our importer accepts. An .om always
  // needs the NPU, so it is INCOMPATIBLE here.
  Clear();
  try {
    hostnn::ImportOnnx(data, size);
    return HIAI_COMPATIBILITY_COMPATIBLE;
  } catch (const std::exception& e) {
    g_last_error = e.what();
    return HIAI_COMPATIBILITY_INCOMPATIBLE;
  }
}

HiAI_Compatibility HMS_HiAICompatibility_CheckFromFile(const char* file) {
  Clear();
  if (!file) return HIAI_COMPATIBILITY_INCOMPATIBLE;
  npulens::Result<std::vector<uint8_t>> read = npulens::ReadFileBytes(file);
  if (!read.ok()) {
    g_last_error = read.status().message();
    return HIAI_COMPATIBILITY_INCOMPATIBLE;
  }
  return HMS_HiAICompatibility_CheckFromBuffer(read.value().data(), read.value().size());
}

}  // extern "C"
