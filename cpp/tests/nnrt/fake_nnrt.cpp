// Recording fake of the NNRt + CANN Kit C API (see fake_nnrt.h). Tensors live in memfd shared memory so that
// GetFd / CreateWithFd behave like the device (a borrowing tensor maps its owner's fd).
#include "fake_nnrt.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <set>

#include "CANNKit/hiai_aipp_param.h"
#include "CANNKit/hiai_helper.h"
#include "CANNKit/hiai_options.h"
#include "CANNKit/hiai_tensor.h"
#include "hostnn/hostnn.h"
#include "neural_network_runtime/neural_network_core.h"

struct OH_NNCompilation {
  std::string id;
  const void* buffer;
  size_t size;
  uint64_t checksum;
  bool deviceSet = false;
  bool built = false;
  std::vector<std::string> recorded;  // setters called with a non-default value, in call order
  const char* cachePath = nullptr;    // borrowed, as the device does: read at Build
};
struct OH_NNExecutor {
  std::string id;
};
struct NN_TensorDesc {
  std::string id;
  fake_nnrt::TensorSpec spec;
};
struct HiAI_AippParam {
  std::string id;
};
struct NN_Tensor {
  std::string id;
  NN_TensorDesc desc;
  int fd = -1;
  bool ownsFd = false;
  void* data = nullptr;
  size_t size = 0;
  const HiAI_AippParam* aipp = nullptr;  // HMS_HiAITensor_SetAippParams: a pointer, as on the device
};

namespace fake_nnrt {
namespace {

struct FailRule {
  OH_NN_ReturnCode rc;
  std::string message;
  int times;
};

struct State {
  std::vector<Device> devices;
  std::vector<size_t> deviceIds;
  std::vector<TensorSpec> inputs, outputs;
  std::map<std::string, FailRule> failures;
  std::map<std::string, FailRule> refusals;  // setter → Build's failure when the compilation recorded it
  std::vector<uint8_t> outputBytes;
  std::vector<int32_t> runOutputShape;  // OH_NNExecutor_GetOutputShape's answer; empty: OPERATION_FORBIDDEN
  std::vector<std::string> calls;
  std::vector<std::string> violations;
  std::set<const void*> live;
  std::map<int, int> fdBorrowers;          // owner fd → live borrowing tensors
  std::vector<int> wrappedFds;             // every fd given to CreateWithFd
  std::set<const NN_Tensor*> aippTensors;  // live tensors given AIPP params
  std::vector<uint8_t> lastInput;
  std::string lastError;
  int counter = 0;
};

State& S() {
  static State state;
  return state;
}

void Log(const std::string& entry) { S().calls.push_back(entry); }
void Violation(const std::string& text) { S().violations.push_back(text); }

// Returns the scripted failure for `function` (OH_NN_SUCCESS if none) and sets the last error message.
OH_NN_ReturnCode Scripted(const std::string& function) {
  State& s = S();
  s.lastError.clear();
  auto it = s.failures.find(function);
  if (it == s.failures.end() || it->second.times == 0) return OH_NN_SUCCESS;
  if (it->second.times > 0) --it->second.times;
  s.lastError = it->second.message;
  return it->second.rc;
}

std::string NextId(const char* prefix) { return prefix + std::to_string(++S().counter); }

uint64_t Checksum(const void* data, size_t size) {
  uint64_t h = 1469598103934665603ull;
  const uint8_t* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < size; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

bool Live(const void* p) { return p != nullptr && S().live.count(p) != 0; }

size_t ByteSize(const TensorSpec& spec) {
  size_t n = 1;
  for (int32_t d : spec.shape) n *= static_cast<size_t>(d);
  switch (spec.dtype) {
    case OH_NN_FLOAT32: return n * 4;
    case OH_NN_FLOAT16: return n * 2;
    default: return n;
  }
}

void CheckCompilation(const OH_NNCompilation* c, const char* function) {
  if (!Live(c)) {
    Violation(std::string(function) + " on a dead compilation");
    return;
  }
  if (Checksum(c->buffer, c->size) != c->checksum) Violation(std::string(function) + ": model buffer changed");
}

std::string Dev(size_t id) { return std::to_string(id); }

}  // namespace

void Reset() {
  State& s = S();
  s = State();
  s.devices = {{1, "HIAI_F", OH_NN_ACCELERATOR}};
  s.inputs = {{"input", OH_NN_FLOAT32, {1, 3, 4, 4}, OH_NN_FORMAT_NCHW}};
  s.outputs = {{"logits", OH_NN_FLOAT32, {1, 5}, OH_NN_FORMAT_ND}};
}
void SetDevices(const std::vector<Device>& devices) { S().devices = devices; }
void SetModel(const std::vector<TensorSpec>& inputs, const std::vector<TensorSpec>& outputs) {
  S().inputs = inputs;
  S().outputs = outputs;
}
void Fail(const std::string& function, OH_NN_ReturnCode rc, const std::string& message, int times) {
  S().failures[function] = {rc, message, times};
}
void RefuseAtBuild(const std::string& setter, OH_NN_ReturnCode rc, const std::string& message) {
  S().refusals[setter] = {rc, message, -1};
}
void SetOutputBytes(const std::vector<uint8_t>& bytes) { S().outputBytes = bytes; }
void SetRunOutputShape(const std::vector<int32_t>& shape) { S().runOutputShape = shape; }
const std::vector<std::string>& Calls() { return S().calls; }
int IndexOf(const std::string& prefix, int from) {
  const auto& c = S().calls;
  for (size_t i = static_cast<size_t>(from); i < c.size(); ++i) {
    if (c[i].compare(0, prefix.size(), prefix) == 0) return static_cast<int>(i);
  }
  return -1;
}
int CountOf(const std::string& prefix) {
  int n = 0;
  for (const auto& c : S().calls) n += c.compare(0, prefix.size(), prefix) == 0;
  return n;
}
const std::vector<std::string>& Violations() { return S().violations; }
int LiveHandles() { return static_cast<int>(S().live.size()); }
const std::vector<uint8_t>& LastRunInput() { return S().lastInput; }
const std::vector<int>& WrappedFds() { return S().wrappedFds; }

npulens::SessionConfig MatchingConfig() {
  npulens::SessionConfig c;
  c.modelId = "fake";
  c.input.width = 4, c.input.height = 4;
  c.input.mean[0] = c.input.mean[1] = c.input.mean[2] = 100;
  c.input.std[0] = c.input.std[1] = c.input.std[2] = 50;
  c.output.classes = 5;
  c.labels = {"a", "b", "c", "d", "e"};
  c.devicePolicy = npulens::DevicePolicy::kNpu;
  return c;
}

}  // namespace fake_nnrt

using namespace fake_nnrt;  // NOLINT: the C API below is implemented in terms of the fake's state

extern "C" {

const char* HostNN_GetLastErrorMessage(void) { return S().lastError.c_str(); }

// The host diagnostics seam asks for the executor's thread count; the fake runs on the calling thread.
int HostNN_GetExecutorThreadCount(const OH_NNExecutor* executor) { return executor != nullptr ? 1 : 0; }

OH_NN_ReturnCode OH_NNDevice_GetAllDevicesID(const size_t** allDevicesID, uint32_t* deviceCount) {
  Log("OH_NNDevice_GetAllDevicesID()");
  if (allDevicesID == nullptr || *allDevicesID != nullptr || deviceCount == nullptr) {
    Violation("GetAllDevicesID: *allDevicesID must be NULL on input");
    return OH_NN_INVALID_PARAMETER;
  }
  if (OH_NN_ReturnCode rc = Scripted("OH_NNDevice_GetAllDevicesID")) return rc;
  State& s = S();
  s.deviceIds.clear();
  for (const Device& d : s.devices) s.deviceIds.push_back(d.id);
  *allDevicesID = s.deviceIds.empty() ? nullptr : s.deviceIds.data();
  *deviceCount = static_cast<uint32_t>(s.deviceIds.size());
  return OH_NN_SUCCESS;
}

OH_NN_ReturnCode OH_NNDevice_GetName(size_t deviceID, const char** name) {
  Log("OH_NNDevice_GetName(" + Dev(deviceID) + ")");
  if (name == nullptr || *name != nullptr) Violation("GetName: *name must be NULL on input");
  if (OH_NN_ReturnCode rc = Scripted("OH_NNDevice_GetName")) return rc;
  for (const Device& d : S().devices) {
    if (d.id == deviceID) {
      *name = d.name.c_str();
      return OH_NN_SUCCESS;
    }
  }
  return OH_NN_INVALID_PARAMETER;
}

OH_NN_ReturnCode OH_NNDevice_GetType(size_t deviceID, OH_NN_DeviceType* deviceType) {
  Log("OH_NNDevice_GetType(" + Dev(deviceID) + ")");
  if (OH_NN_ReturnCode rc = Scripted("OH_NNDevice_GetType")) return rc;
  for (const Device& d : S().devices) {
    if (d.id == deviceID) {
      *deviceType = d.type;
      return OH_NN_SUCCESS;
    }
  }
  return OH_NN_INVALID_PARAMETER;
}

OH_NNCompilation* OH_NNCompilation_ConstructWithOfflineModelFile(const char*) { return nullptr; }
OH_NNCompilation* OH_NNCompilation_ConstructForCache(void) { return nullptr; }
OH_NN_ReturnCode OH_NNCompilation_AddExtensionConfig(OH_NNCompilation*, const char*, const void*, const size_t) {
  return OH_NN_UNSUPPORTED;
}

OH_NNCompilation* OH_NNCompilation_ConstructWithOfflineModelBuffer(const void* modelBuffer, size_t modelSize) {
  if (Scripted("OH_NNCompilation_ConstructWithOfflineModelBuffer")) {
    Log("OH_NNCompilation_ConstructWithOfflineModelBuffer(" + std::to_string(modelSize) + ") = NULL");
    return nullptr;
  }
  auto* c = new OH_NNCompilation{};
  c->id = NextId("c");
  c->buffer = modelBuffer;
  c->size = modelSize;
  c->checksum = Checksum(modelBuffer, modelSize);
  S().live.insert(c);
  Log("OH_NNCompilation_ConstructWithOfflineModelBuffer(" + std::to_string(modelSize) + ") = " + c->id);
  return c;
}

OH_NN_ReturnCode OH_NNCompilation_SetDevice(OH_NNCompilation* c, size_t deviceID) {
  CheckCompilation(c, "SetDevice");
  Log("OH_NNCompilation_SetDevice(" + c->id + ", " + Dev(deviceID) + ")");
  if (OH_NN_ReturnCode rc = Scripted("OH_NNCompilation_SetDevice")) return rc;
  c->deviceSet = true;
  return OH_NN_SUCCESS;
}

namespace {
// Like the device: a setter records the value (failing only when scripted to); Build applies it.
OH_NN_ReturnCode Option(OH_NNCompilation* c, const std::string& function, const std::string& args,
                        bool nonDefault = true) {
  CheckCompilation(c, function.c_str());
  Log(function + "(" + c->id + ", " + args + ")");
  if (c->built) {
    Violation(function + " after Build");
    return OH_NN_OPERATION_FORBIDDEN;
  }
  if (!c->deviceSet) Violation(function + " before SetDevice");
  OH_NN_ReturnCode rc = Scripted(function);
  if (rc == OH_NN_SUCCESS && nonDefault) c->recorded.push_back(function);
  return rc;
}

// The device applies recorded options inside Build in a fixed order (cache, fp16, performance mode, priority,
// then extension configs such as the CANN options) and fails Build at the first one it does not support.
OH_NN_ReturnCode ApplyRecordedOptions(OH_NNCompilation* c) {
  State& s = S();
  static const char* const kCoreOrder[] = {"OH_NNCompilation_SetCache", "OH_NNCompilation_EnableFloat16",
                                           "OH_NNCompilation_SetPerformanceMode", "OH_NNCompilation_SetPriority"};
  std::vector<std::string> order(std::begin(kCoreOrder), std::end(kCoreOrder));
  for (const std::string& f : c->recorded) {
    if (f.compare(0, 4, "HMS_") == 0) order.push_back(f);
  }
  for (const std::string& f : order) {
    if (std::find(c->recorded.begin(), c->recorded.end(), f) == c->recorded.end()) continue;
    if (f == "OH_NNCompilation_SetCache") Log("Build reads the cache path " + std::string(c->cachePath));
    auto it = s.refusals.find(f);
    if (it != s.refusals.end()) {
      s.lastError = it->second.message;
      return it->second.rc;
    }
  }
  return OH_NN_SUCCESS;
}
}  // namespace

OH_NN_ReturnCode OH_NNCompilation_SetCache(OH_NNCompilation* c, const char* cachePath, uint32_t version) {
  OH_NN_ReturnCode rc = Option(c, "OH_NNCompilation_SetCache", std::string(cachePath) + ", " + std::to_string(version),
                               cachePath[0] != '\0');
  if (rc == OH_NN_SUCCESS && Live(c)) c->cachePath = cachePath;
  return rc;
}
OH_NN_ReturnCode OH_NNCompilation_SetPerformanceMode(OH_NNCompilation* c, OH_NN_PerformanceMode mode) {
  return Option(c, "OH_NNCompilation_SetPerformanceMode", std::to_string(mode), mode != OH_NN_PERFORMANCE_NONE);
}
OH_NN_ReturnCode OH_NNCompilation_SetPriority(OH_NNCompilation* c, OH_NN_Priority priority) {
  return Option(c, "OH_NNCompilation_SetPriority", std::to_string(priority), priority != OH_NN_PRIORITY_NONE);
}
OH_NN_ReturnCode OH_NNCompilation_EnableFloat16(OH_NNCompilation* c, bool enable) {
  return Option(c, "OH_NNCompilation_EnableFloat16", enable ? "true" : "false", enable);
}
OH_NN_ReturnCode HMS_HiAIOptions_SetTuningMode(OH_NNCompilation* c, HiAI_TuningMode mode) {
  return Option(c, "HMS_HiAIOptions_SetTuningMode", std::to_string(mode));
}
OH_NN_ReturnCode HMS_HiAIOptions_SetTuningCacheDir(OH_NNCompilation* c, const char* dir) {
  return Option(c, "HMS_HiAIOptions_SetTuningCacheDir", dir);
}
OH_NN_ReturnCode HMS_HiAIOptions_SetBandMode(OH_NNCompilation* c, HiAI_BandMode mode) {
  return Option(c, "HMS_HiAIOptions_SetBandMode", std::to_string(mode));
}
OH_NN_ReturnCode HMS_HiAIOptions_SetOmOptions(OH_NNCompilation* c, HiAI_OmType type, const char* dir) {
  return Option(c, "HMS_HiAIOptions_SetOmOptions", std::to_string(type) + ", " + dir, type != HIAI_OM_TYPE_OFF);
}

// The host seam's run-time lookup (cpp/nnrt/src/cann_symbols.h): Fail("HostNN_LookupCannSymbol", ...) plays a
// system without the function.
void* HostNN_LookupCannSymbol(const char* name) {
  Log(std::string("HostNN_LookupCannSymbol(") + name + ")");
  if (Scripted("HostNN_LookupCannSymbol") != OH_NN_SUCCESS) return nullptr;
  return std::string(name) == "HMS_HiAIOptions_SetOmOptions" ? reinterpret_cast<void*>(&HMS_HiAIOptions_SetOmOptions)
                                                             : nullptr;
}

HiAI_Compatibility HMS_HiAICompatibility_CheckFromBuffer(const void* data, size_t size) {
  Log("HMS_HiAICompatibility_CheckFromBuffer(" + std::to_string(size) + ")");
  return Scripted("HMS_HiAICompatibility_CheckFromBuffer") ? HIAI_COMPATIBILITY_INCOMPATIBLE
                                                           : HIAI_COMPATIBILITY_COMPATIBLE;
}

OH_NN_ReturnCode OH_NNCompilation_Build(OH_NNCompilation* c) {
  CheckCompilation(c, "Build");
  Log("OH_NNCompilation_Build(" + c->id + ")");
  if (!c->deviceSet) Violation("Build before SetDevice");
  if (c->built) return OH_NN_INVALID_PARAMETER;  // the device refuses a second Build
  if (OH_NN_ReturnCode rc = Scripted("OH_NNCompilation_Build")) return rc;
  if (OH_NN_ReturnCode rc = ApplyRecordedOptions(c)) return rc;
  c->built = true;
  return OH_NN_SUCCESS;
}

void OH_NNCompilation_Destroy(OH_NNCompilation** c) {
  if (c == nullptr || !Live(*c)) {
    Violation("OH_NNCompilation_Destroy of a dead handle");
    return;
  }
  CheckCompilation(*c, "Destroy");  // reads the model buffer: ASan reports it if it was freed already
  Log("OH_NNCompilation_Destroy(" + (*c)->id + ")");
  S().live.erase(*c);
  delete *c;
  *c = nullptr;
}

OH_NNExecutor* OH_NNExecutor_Construct(OH_NNCompilation* c) {
  CheckCompilation(c, "Executor_Construct");
  if (!c->built) Violation("Executor_Construct before Build");
  if (Scripted("OH_NNExecutor_Construct")) {
    Log("OH_NNExecutor_Construct(" + c->id + ") = NULL");
    return nullptr;
  }
  auto* e = new OH_NNExecutor{NextId("e")};
  S().live.insert(e);
  Log("OH_NNExecutor_Construct(" + c->id + ") = " + e->id);
  return e;
}

void OH_NNExecutor_Destroy(OH_NNExecutor** e) {
  if (e == nullptr || !Live(*e)) {
    Violation("OH_NNExecutor_Destroy of a dead handle");
    return;
  }
  Log("OH_NNExecutor_Destroy(" + (*e)->id + ")");
  S().live.erase(*e);
  delete *e;
  *e = nullptr;
}

OH_NN_ReturnCode OH_NNExecutor_GetInputCount(const OH_NNExecutor* e, size_t* n) {
  if (!Live(e)) Violation("GetInputCount on a dead executor");
  Log("OH_NNExecutor_GetInputCount(" + e->id + ")");
  if (OH_NN_ReturnCode rc = Scripted("OH_NNExecutor_GetInputCount")) return rc;
  *n = S().inputs.size();
  return OH_NN_SUCCESS;
}

OH_NN_ReturnCode OH_NNExecutor_GetOutputCount(const OH_NNExecutor* e, size_t* n) {
  if (!Live(e)) Violation("GetOutputCount on a dead executor");
  Log("OH_NNExecutor_GetOutputCount(" + e->id + ")");
  if (OH_NN_ReturnCode rc = Scripted("OH_NNExecutor_GetOutputCount")) return rc;
  *n = S().outputs.size();
  return OH_NN_SUCCESS;
}

namespace {
NN_TensorDesc* MakeDesc(const OH_NNExecutor* e, const char* function, const std::vector<TensorSpec>& specs,
                        size_t index) {
  if (!Live(e)) Violation(std::string(function) + " on a dead executor");
  if (Scripted(function) || index >= specs.size()) {
    Log(std::string(function) + "(" + e->id + ", " + std::to_string(index) + ") = NULL");
    return nullptr;
  }
  auto* d = new NN_TensorDesc{NextId("d"), specs[index]};
  S().live.insert(d);
  Log(std::string(function) + "(" + e->id + ", " + std::to_string(index) + ") = " + d->id);
  return d;
}
}  // namespace

NN_TensorDesc* OH_NNExecutor_CreateInputTensorDesc(const OH_NNExecutor* e, size_t index) {
  return MakeDesc(e, "OH_NNExecutor_CreateInputTensorDesc", S().inputs, index);
}
NN_TensorDesc* OH_NNExecutor_CreateOutputTensorDesc(const OH_NNExecutor* e, size_t index) {
  return MakeDesc(e, "OH_NNExecutor_CreateOutputTensorDesc", S().outputs, index);
}
OH_NN_ReturnCode OH_NNExecutor_GetInputDimRange(const OH_NNExecutor*, size_t, size_t**, size_t**, size_t*) {
  return OH_NN_OPERATION_FORBIDDEN;
}
OH_NN_ReturnCode OH_NNExecutor_GetOutputShape(OH_NNExecutor* e, uint32_t index, int32_t** shape, uint32_t* length) {
  State& s = S();
  if (s.runOutputShape.empty()) return OH_NN_OPERATION_FORBIDDEN;  // a backend that does not answer
  if (!Live(e)) Violation("GetOutputShape on a dead executor");
  if (*shape != nullptr) Violation("GetOutputShape: *shape must be NULL on input");
  Log("OH_NNExecutor_GetOutputShape(" + std::to_string(index) + ")");
  if (OH_NN_ReturnCode rc = Scripted("OH_NNExecutor_GetOutputShape")) return rc;
  *shape = s.runOutputShape.data();
  *length = static_cast<uint32_t>(s.runOutputShape.size());
  return OH_NN_SUCCESS;
}

NN_TensorDesc* OH_NNTensorDesc_Create(void) {
  if (Scripted("OH_NNTensorDesc_Create")) {
    Log("OH_NNTensorDesc_Create() = NULL");
    return nullptr;
  }
  auto* d = new NN_TensorDesc{NextId("d"), {"", OH_NN_FLOAT32, {}, OH_NN_FORMAT_NONE}};
  S().live.insert(d);
  Log("OH_NNTensorDesc_Create() = " + d->id);
  return d;
}
OH_NN_ReturnCode OH_NNTensorDesc_Destroy(NN_TensorDesc** d) {
  if (d == nullptr || !Live(*d)) {
    Violation("OH_NNTensorDesc_Destroy of a dead or foreign desc");
    return OH_NN_INVALID_PARAMETER;
  }
  Log("OH_NNTensorDesc_Destroy(" + (*d)->id + ")");
  S().live.erase(*d);
  delete *d;
  *d = nullptr;
  return OH_NN_SUCCESS;
}
OH_NN_ReturnCode OH_NNTensorDesc_SetName(NN_TensorDesc*, const char*) { return OH_NN_UNSUPPORTED; }
OH_NN_ReturnCode OH_NNTensorDesc_GetName(const NN_TensorDesc* d, const char** name) {
  if (!Live(d)) Violation("GetName on a dead desc");
  if (*name != nullptr) Violation("TensorDesc_GetName: *name must be NULL on input");
  *name = d->spec.name.c_str();
  return OH_NN_SUCCESS;
}
OH_NN_ReturnCode OH_NNTensorDesc_SetDataType(NN_TensorDesc* d, OH_NN_DataType t) {
  if (!Live(d)) Violation("SetDataType on a dead desc");
  Log("OH_NNTensorDesc_SetDataType(" + d->id + ", " + std::to_string(t) + ")");
  if (OH_NN_ReturnCode rc = Scripted("OH_NNTensorDesc_SetDataType")) return rc;
  d->spec.dtype = t;
  return OH_NN_SUCCESS;
}
OH_NN_ReturnCode OH_NNTensorDesc_GetDataType(const NN_TensorDesc* d, OH_NN_DataType* t) {
  *t = d->spec.dtype;
  return OH_NN_SUCCESS;
}
OH_NN_ReturnCode OH_NNTensorDesc_SetShape(NN_TensorDesc* d, const int32_t* shape, size_t n) {
  if (!Live(d)) Violation("SetShape on a dead desc");
  d->spec.shape.assign(shape, shape + n);
  std::string text;
  for (int32_t v : d->spec.shape) text += (text.empty() ? "" : ",") + std::to_string(v);
  Log("OH_NNTensorDesc_SetShape(" + d->id + ", [" + text + "])");
  return Scripted("OH_NNTensorDesc_SetShape");
}
OH_NN_ReturnCode OH_NNTensorDesc_GetShape(const NN_TensorDesc* d, int32_t** shape, size_t* n) {
  if (*shape != nullptr) Violation("TensorDesc_GetShape: *shape must be NULL on input");
  *shape = const_cast<int32_t*>(d->spec.shape.data());
  *n = d->spec.shape.size();
  return OH_NN_SUCCESS;
}
OH_NN_ReturnCode OH_NNTensorDesc_SetFormat(NN_TensorDesc* d, OH_NN_Format f) {
  if (!Live(d)) Violation("SetFormat on a dead desc");
  Log("OH_NNTensorDesc_SetFormat(" + d->id + ", " + std::to_string(f) + ")");
  d->spec.format = f;
  return Scripted("OH_NNTensorDesc_SetFormat");
}
OH_NN_ReturnCode OH_NNTensorDesc_GetFormat(const NN_TensorDesc* d, OH_NN_Format* f) {
  *f = d->spec.format;
  return OH_NN_SUCCESS;
}
OH_NN_ReturnCode OH_NNTensorDesc_GetElementCount(const NN_TensorDesc* d, size_t* n) {
  *n = 1;
  for (int32_t v : d->spec.shape) *n *= v;
  return OH_NN_SUCCESS;
}
OH_NN_ReturnCode OH_NNTensorDesc_GetByteSize(const NN_TensorDesc* d, size_t* n) {
  for (int32_t v : d->spec.shape) {
    if (v < 0) {  // as the NNRt core: success with 0 for a dynamic shape
      *n = 0;
      return OH_NN_SUCCESS;
    }
  }
  *n = ByteSize(d->spec);
  return OH_NN_SUCCESS;
}

namespace {
// A tensor owning `size` bytes of memfd shared memory (Create: the desc's byte size; CreateWithSize: the argument).
NN_Tensor* OwnerTensor(const char* function, const std::string& args, NN_TensorDesc* d, size_t size) {
  if (!Live(d)) Violation(std::string(function) + " with a dead desc");
  if (Scripted(function) || size == 0 || size < ByteSize(d->spec)) {  // as NNRt: size below the byte size fails
    Log(std::string(function) + "(" + args + ") = NULL");
    return nullptr;
  }
  auto* t = new NN_Tensor{NextId("t"), *d};
  t->size = size;
  t->fd = memfd_create("fake_nnrt_tensor", 0);
  t->ownsFd = true;
  if (t->fd < 0 || ftruncate(t->fd, static_cast<off_t>(t->size)) != 0) Violation("memfd failed");
  t->data = mmap(nullptr, t->size, PROT_READ | PROT_WRITE, MAP_SHARED, t->fd, 0);
  S().live.insert(t);
  Log(std::string(function) + "(" + args + ") = " + t->id);
  return t;
}
}  // namespace

NN_Tensor* OH_NNTensor_Create(size_t deviceID, NN_TensorDesc* d) {
  return OwnerTensor("OH_NNTensor_Create", Dev(deviceID) + ", " + d->id, d, ByteSize(d->spec));
}
NN_Tensor* OH_NNTensor_CreateWithSize(size_t deviceID, NN_TensorDesc* d, size_t size) {
  return OwnerTensor("OH_NNTensor_CreateWithSize", Dev(deviceID) + ", " + d->id + ", " + std::to_string(size), d, size);
}

NN_Tensor* OH_NNTensor_CreateWithFd(size_t deviceID, NN_TensorDesc* d, int fd, size_t size, size_t offset) {
  const std::string args =
      Dev(deviceID) + ", " + d->id + ", fd, " + std::to_string(size) + ", " + std::to_string(offset);
  if (!Live(d)) Violation("Tensor_CreateWithFd with a dead desc");
  if (Scripted("OH_NNTensor_CreateWithFd") || fd < 0 || size == 0 || size < offset ||
      size - offset < ByteSize(d->spec)) {
    Log("OH_NNTensor_CreateWithFd(" + args + ") = NULL");
    return nullptr;
  }
  void* data = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, static_cast<off_t>(offset));
  if (data == MAP_FAILED) {
    Log("OH_NNTensor_CreateWithFd(" + args + ") = NULL (mmap failed)");
    return nullptr;
  }
  auto* t = new NN_Tensor{NextId("t"), *d};
  t->fd = fd;
  t->data = data;
  t->size = size;
  S().live.insert(t);
  ++S().fdBorrowers[fd];
  S().wrappedFds.push_back(fd);
  Log("OH_NNTensor_CreateWithFd(" + args + ") = " + t->id);
  return t;
}

OH_NN_ReturnCode OH_NNTensor_Destroy(NN_Tensor** t) {
  if (t == nullptr || !Live(*t)) {
    Violation("OH_NNTensor_Destroy of a dead handle");
    return OH_NN_INVALID_PARAMETER;
  }
  NN_Tensor* tensor = *t;
  Log("OH_NNTensor_Destroy(" + tensor->id + ")");
  munmap(tensor->data, tensor->size);
  if (tensor->ownsFd) {
    if (S().fdBorrowers[tensor->fd] > 0)
      Violation("owner tensor " + tensor->id + " destroyed while its fd is borrowed");
    close(tensor->fd);
  } else {
    --S().fdBorrowers[tensor->fd];
    // The owner of borrowed memory (the caller, or the engine's fd memory) closes it only after the tensor is gone.
    if (fcntl(tensor->fd, F_GETFD) == -1) Violation("fd of tensor " + tensor->id + " closed before its destroy");
  }
  S().live.erase(tensor);
  S().aippTensors.erase(tensor);
  delete tensor;
  *t = nullptr;
  return OH_NN_SUCCESS;
}

NN_TensorDesc* OH_NNTensor_GetTensorDesc(const NN_Tensor* t) { return const_cast<NN_TensorDesc*>(&t->desc); }
void* OH_NNTensor_GetDataBuffer(const NN_Tensor* t) {
  if (!Live(t)) Violation("GetDataBuffer on a dead tensor");
  return t->data;
}
OH_NN_ReturnCode OH_NNTensor_GetFd(const NN_Tensor* t, int* fd) {
  Log("OH_NNTensor_GetFd(" + t->id + ")");
  *fd = t->fd;
  return OH_NN_SUCCESS;
}
OH_NN_ReturnCode OH_NNTensor_GetSize(const NN_Tensor* t, size_t* size) {
  *size = t->size;
  return OH_NN_SUCCESS;
}
OH_NN_ReturnCode OH_NNTensor_GetOffset(const NN_Tensor*, size_t* offset) {
  *offset = 0;
  return OH_NN_SUCCESS;
}

OH_NN_ReturnCode OH_NNExecutor_RunSync(OH_NNExecutor* e, NN_Tensor* in[], size_t inCount, NN_Tensor* out[],
                                       size_t outCount) {
  if (!Live(e)) Violation("RunSync on a dead executor");
  std::string args = e->id;
  for (size_t i = 0; i < inCount; ++i) args += ", in=" + in[i]->id;
  for (size_t i = 0; i < outCount; ++i) args += ", out=" + out[i]->id;
  Log("OH_NNExecutor_RunSync(" + args + ")");
  if (inCount != S().inputs.size() || outCount != S().outputs.size()) Violation("RunSync with wrong tensor counts");
  for (size_t i = 0; i < inCount; ++i) {
    if (!Live(in[i])) Violation("RunSync with a dead input tensor");
    if (in[i]->aipp != nullptr && !Live(in[i]->aipp)) Violation("RunSync with AIPP params destroyed");
  }
  for (size_t i = 0; i < outCount; ++i) {
    if (!Live(out[i])) Violation("RunSync with a dead output tensor");
  }
  if (OH_NN_ReturnCode rc = Scripted("OH_NNExecutor_RunSync")) return rc;
  const uint8_t* p = static_cast<const uint8_t*>(in[0]->data);
  // An AIPP input holds the raw frame (all its bytes); any other input the desc's byte size.
  S().lastInput.assign(p, p + (in[0]->aipp != nullptr ? in[0]->size : ByteSize(in[0]->desc.spec)));
  std::vector<uint8_t> bytes = S().outputBytes;
  bytes.resize(ByteSize(out[0]->desc.spec), 0);
  std::memcpy(out[0]->data, bytes.data(), bytes.size());
  return OH_NN_SUCCESS;
}

}  // extern "C"

namespace {
OH_NN_ReturnCode AippSetter(HiAI_AippParam* a, const std::string& function, const std::string& args) {
  if (!Live(a)) Violation(function + " on dead params");
  Log(function + "(" + (Live(a) ? a->id : std::string("?")) + (args.empty() ? "" : ", " + args) + ")");
  return Scripted(function);
}
std::string U(uint32_t v) { return std::to_string(v); }
std::string F(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", static_cast<double>(v));
  return buf;
}
}  // namespace

extern "C" {

// CANN Kit AIPP: params record their setters (logged with their values); scripted failures per function name.
HiAI_AippParam* HMS_HiAIAippParam_Create(uint32_t batchNum) {
  if (Scripted("HMS_HiAIAippParam_Create") || batchNum == 0) {
    Log("HMS_HiAIAippParam_Create(" + std::to_string(batchNum) + ") = NULL");
    return nullptr;
  }
  auto* a = new HiAI_AippParam{NextId("p")};
  S().live.insert(a);
  Log("HMS_HiAIAippParam_Create(" + std::to_string(batchNum) + ") = " + a->id);
  return a;
}
void HMS_HiAIAippParam_Destroy(HiAI_AippParam** a) {
  if (a == nullptr || !Live(*a)) {
    Violation("HMS_HiAIAippParam_Destroy of a dead handle");
    return;
  }
  for (const NN_Tensor* t : S().aippTensors) {
    if (t->aipp == *a) Violation("AIPP params " + (*a)->id + " destroyed while tensor " + t->id + " uses them");
  }
  Log("HMS_HiAIAippParam_Destroy(" + (*a)->id + ")");
  S().live.erase(*a);
  delete *a;
  *a = nullptr;
}

OH_NN_ReturnCode HMS_HiAIAippParam_SetInputIndex(HiAI_AippParam* a, uint32_t index) {
  return AippSetter(a, "HMS_HiAIAippParam_SetInputIndex", U(index));
}
OH_NN_ReturnCode HMS_HiAIAippParam_SetInputFormat(HiAI_AippParam* a, HiAI_ImageFormat f) {
  return AippSetter(a, "HMS_HiAIAippParam_SetInputFormat", U(f));
}
OH_NN_ReturnCode HMS_HiAIAippParam_SetInputShape(HiAI_AippParam* a, uint32_t w, uint32_t h) {
  return AippSetter(a, "HMS_HiAIAippParam_SetInputShape", U(w) + ", " + U(h));
}
OH_NN_ReturnCode HMS_HiAIAippParam_SetCscConfig(HiAI_AippParam* a, HiAI_ImageFormat in, HiAI_ImageFormat out,
                                                HiAI_ImageColorSpace space) {
  return AippSetter(a, "HMS_HiAIAippParam_SetCscConfig", U(in) + ", " + U(out) + ", " + U(space));
}
OH_NN_ReturnCode HMS_HiAIAippParam_SetChannelSwapConfig(HiAI_AippParam* a, bool rbuv, bool ax) {
  return AippSetter(a, "HMS_HiAIAippParam_SetChannelSwapConfig",
                    std::string(rbuv ? "true" : "false") + ", " + (ax ? "true" : "false"));
}
OH_NN_ReturnCode HMS_HiAIAippParam_SetCropConfig(HiAI_AippParam* a, uint32_t batch, uint32_t x, uint32_t y, uint32_t w,
                                                 uint32_t h) {
  return AippSetter(a, "HMS_HiAIAippParam_SetCropConfig",
                    U(batch) + ", " + U(x) + ", " + U(y) + ", " + U(w) + ", " + U(h));
}
OH_NN_ReturnCode HMS_HiAIAippParam_SetResizeConfig(HiAI_AippParam* a, uint32_t batch, uint32_t w, uint32_t h) {
  return AippSetter(a, "HMS_HiAIAippParam_SetResizeConfig", U(batch) + ", " + U(w) + ", " + U(h));
}
OH_NN_ReturnCode HMS_HiAIAippParam_SetDtcMeanPixel(HiAI_AippParam* a, uint32_t batch, uint32_t mean[], uint32_t n) {
  std::string v;
  for (uint32_t i = 0; i < n; ++i) v += ", " + U(mean[i]);
  return AippSetter(a, "HMS_HiAIAippParam_SetDtcMeanPixel", U(batch) + v);
}
OH_NN_ReturnCode HMS_HiAIAippParam_SetDtcMinPixel(HiAI_AippParam* a, uint32_t batch, float min[], uint32_t n) {
  std::string v;
  for (uint32_t i = 0; i < n; ++i) v += ", " + F(min[i]);
  return AippSetter(a, "HMS_HiAIAippParam_SetDtcMinPixel", U(batch) + v);
}
OH_NN_ReturnCode HMS_HiAIAippParam_SetDtcVarReciPixel(HiAI_AippParam* a, uint32_t batch, float varReci[], uint32_t n) {
  std::string v;
  for (uint32_t i = 0; i < n; ++i) v += ", " + F(varReci[i]);
  return AippSetter(a, "HMS_HiAIAippParam_SetDtcVarReciPixel", U(batch) + v);
}

// Sizes as the CANN Kit defines them for the formats the engine uses; [N, C, H, W] unless the desc says NHWC.
size_t HMS_HiAITensor_GetSizeWithImageFormat(NN_TensorDesc* d, HiAI_ImageFormat format) {
  if (!Live(d)) Violation("GetSizeWithImageFormat with a dead desc");
  const std::vector<int32_t>& s = d->spec.shape;
  size_t bytes = 0;
  if (s.size() == 4 && !Scripted("HMS_HiAITensor_GetSizeWithImageFormat")) {
    const bool nhwc = d->spec.format == OH_NN_FORMAT_NHWC;
    const size_t n = static_cast<size_t>(s[0]), h = static_cast<size_t>(nhwc ? s[1] : s[2]),
                 w = static_cast<size_t>(nhwc ? s[2] : s[3]);
    switch (format) {
      case HIAI_YUV420SP_U8: bytes = n * h * w * 3 / 2; break;
      case HIAI_XRGB8888_U8:
      case HIAI_ARGB8888_U8: bytes = n * h * w * 4; break;
      case HIAI_RGB888_U8:
      case HIAI_BGR888_U8: bytes = n * h * w * 3; break;
      default: bytes = 0;
    }
  }
  Log("HMS_HiAITensor_GetSizeWithImageFormat(" + d->id + ", " + U(format) + ") = " + std::to_string(bytes));
  return bytes;
}

OH_NN_ReturnCode HMS_HiAITensor_SetAippParams(NN_Tensor* t, HiAI_AippParam* params[], size_t n) {
  if (!Live(t)) Violation("SetAippParams on a dead tensor");
  if (n != 1 || !Live(params[0])) Violation("SetAippParams without one live param");
  Log("HMS_HiAITensor_SetAippParams(" + t->id + ", " + params[0]->id + ")");
  if (OH_NN_ReturnCode rc = Scripted("HMS_HiAITensor_SetAippParams")) return rc;
  t->aipp = params[0];
  S().aippTensors.insert(t);
  return OH_NN_SUCCESS;
}

}  // extern "C"
