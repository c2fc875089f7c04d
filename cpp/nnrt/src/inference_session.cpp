#include "nnrt/inference_session.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>

#include "CANNKit/hiai_helper.h"
#include "CANNKit/hiai_options.h"
#include "aipp_source.h"
#include "cann_symbols.h"
#include "device_memory.h"
#include "neural_network_runtime/neural_network_core.h"
#include "nnrt_call_lock.h"
#include "nnrt_diagnostics.h"
#include "nnrt_handles.h"
#include "nnrt_status.h"

namespace npulens {
namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

static_assert(static_cast<int>(TuningMode::kAuto) == HIAI_TUNING_MODE_AUTO, "HiAI_TuningMode");
static_assert(static_cast<int>(TuningMode::kHeter) == HIAI_TUNING_MODE_HETER, "HiAI_TuningMode");
static_assert(static_cast<int>(BandMode::kHigh) == HIAI_BANDMODE_HIGH, "HiAI_BandMode");
static_assert(static_cast<int>(PerformanceMode::kExtreme) == OH_NN_PERFORMANCE_EXTREME, "OH_NN_PerformanceMode");
static_assert(static_cast<int>(Priority::kHigh) == OH_NN_PRIORITY_HIGH, "OH_NN_Priority");

// One input or output tensor, created once per executor; `data`/`size` are cached at creation.
struct IoTensor {
  TensorInfo info;
  TensorHandle tensor;
  void* data = nullptr;
  size_t size = 0;
};

const char* FormatName(OH_NN_Format f) {
  switch (f) {
    case OH_NN_FORMAT_NONE: return "NONE";
    case OH_NN_FORMAT_NCHW: return "NCHW";
    case OH_NN_FORMAT_NHWC: return "NHWC";
    case OH_NN_FORMAT_ND: return "ND";
  }
  return "UNKNOWN";
}

bool ToDType(int nnType, DType* out) {
  switch (nnType) {
    case OH_NN_FLOAT32: *out = DType::kFloat32; return true;
    case OH_NN_FLOAT16: *out = DType::kFloat16; return true;
    case OH_NN_INT8: *out = DType::kInt8; return true;
    case OH_NN_UINT8: *out = DType::kUint8; return true;
    default: return false;
  }
}

std::string NnDTypeName(int nnType) {
  DType d;
  return ToDType(nnType, &d) ? DTypeName(d) : "OH_NN_DataType(" + std::to_string(nnType) + ")";
}

std::string ShapeText(const std::vector<int32_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

// Reads name, dtype, shape, format and byte size of a desc. Call under the NNRt lock.
Status DescribeTensor(const NN_TensorDesc* desc, TensorInfo* info) {
  const char* name = nullptr;
  OH_NN_ReturnCode rc = OH_NNTensorDesc_GetName(desc, &name);
  if (rc != OH_NN_SUCCESS) return NnStatus("tensor.desc", rc, "OH_NNTensorDesc_GetName failed");
  info->name = name != nullptr ? name : "";
  OH_NN_DataType type = OH_NN_UNKNOWN;
  rc = OH_NNTensorDesc_GetDataType(desc, &type);
  if (rc != OH_NN_SUCCESS) return NnStatus("tensor.desc", rc, "OH_NNTensorDesc_GetDataType failed");
  info->dataType = type;
  info->dtypeName = NnDTypeName(type);
  int32_t* shape = nullptr;  // owned by the desc: not freed here
  size_t rank = 0;
  rc = OH_NNTensorDesc_GetShape(desc, &shape, &rank);
  if (rc != OH_NN_SUCCESS) return NnStatus("tensor.desc", rc, "OH_NNTensorDesc_GetShape failed");
  info->shape.assign(shape, shape + (shape != nullptr ? rank : 0));
  OH_NN_Format format = OH_NN_FORMAT_NONE;
  rc = OH_NNTensorDesc_GetFormat(desc, &format);
  if (rc != OH_NN_SUCCESS) return NnStatus("tensor.desc", rc, "OH_NNTensorDesc_GetFormat failed");
  info->formatName = FormatName(format);
  rc = OH_NNTensorDesc_GetByteSize(desc, &info->byteSize);
  if (rc != OH_NN_SUCCESS) {
    return NnStatus("tensor.desc", rc, "OH_NNTensorDesc_GetByteSize failed for " + ShapeText(info->shape));
  }
  return Status::Ok();
}

}  // namespace

const char* IoModeName(IoMode mode) { return mode == IoMode::kZeroCopy ? "zero-copy" : "copy"; }

const char* PreprocessingName(Preprocessing p) {
  switch (p) {
    case Preprocessing::kAuto: return "auto";
    case Preprocessing::kCpu: return "cpu";
    case Preprocessing::kAipp: return "aipp";
  }
  return "?";
}

const char* AippFeedName(AippFeed feed) {
  switch (feed) {
    case AippFeed::kNone: return "none";
    case AippFeed::kFrame: return "frame";
    case AippFeed::kCpuResized: return "cpu-resized";
  }
  return "?";
}

namespace {

// Resolves SessionConfig::preprocessing against the target's AIPP (info.preprocessing and its reason).
Status ResolvePreprocessing(const SessionConfig& config, SessionInfo* info) {
  const AippSpec& a = config.aipp;
  const bool dynamic = a.mode == AippMode::kDynamic;
  std::string what;
  if (dynamic) {
    std::string formats;
    for (const std::string& f : a.formats) formats += (formats.empty() ? "" : ", ") + f;
    what = "the target declares dynamic AIPP (formats " + formats + "; sources up to " +
           std::to_string(a.maxSrcImageSize) + " bytes)";
  } else {
    what = std::string("the target's AIPP is \"") + AippModeName(a.mode) + "\"" +
           (a.mode == AippMode::kStatic ? " (fixed at conversion; the engine configures dynamic AIPP only)" : "");
  }
  switch (config.preprocessing) {
    case Preprocessing::kCpu:
      info->preprocessing = Preprocessing::kCpu;
      info->preprocessingReason = "cpu requested; " + what;
      return Status::Ok();
    case Preprocessing::kAipp:
      if (!dynamic) {
        return Status("session.config", code::kUnsupported,
                      "preprocessing \"aipp\" needs a target with dynamic AIPP; " + what);
      }
      info->preprocessing = Preprocessing::kAipp;
      info->preprocessingReason = "aipp requested; " + what;
      break;
    case Preprocessing::kAuto:
      info->preprocessing = dynamic ? Preprocessing::kAipp : Preprocessing::kCpu;
      info->preprocessingReason = "auto: " + what;
      break;
  }
  if (info->preprocessing != Preprocessing::kAipp) return Status::Ok();
  const InputSpec& in = config.input;
  if (a.formats.empty() || a.maxSrcImageSize == 0) {
    return Status("session.config", code::kInvalidArgument,
                  "dynamic AIPP needs aipp.formats and aipp.maxSrcImageSize (the manifest requires both)");
  }
  if (in.width < kAippResizeMin || in.width > kAippResizeMax || in.height < kAippResizeMin ||
      in.height > kAippResizeMax) {
    return Status("session.config", code::kOutOfRange,
                  "AIPP resizes to " + std::to_string(kAippResizeMin) + ".." + std::to_string(kAippResizeMax) +
                      " per side; the model input is " + std::to_string(in.width) + "x" + std::to_string(in.height));
  }
  return Status::Ok();
}

// The AIPP fallback's CPU step: the spec's crop and resize to the model size, RGB888 uint8 HWC values as they are
// (mean 0, std 1, quantisation scale 1 zero 0), the layout of an RGB888 AIPP source.
InputSpec AippResizeSpec(const InputSpec& in) {
  InputSpec out;
  out.width = in.width;
  out.height = in.height;
  out.layout = Layout::kNHWC;
  out.dtype = DType::kUint8;
  out.colorOrder = ColorOrder::kRGB;  // RGB888 memory; AIPP swaps R/B for a BGR model (PlanAipp)
  out.quant = QuantParams{1.0f, 0};
  out.centerCrop = in.centerCrop;
  return out;
}

}  // namespace

// Member order encodes destroy order (reverse of declaration): the fd-borrowing input tensor goes first, then
// the executor's own tensors, then the executor, then the compilation (already gone after load), and the model
// bytes last — NNRt keeps a pointer to them for as long as the compilation lives.
struct InferenceSession::Impl {
  std::vector<uint8_t> modelBytes;
  SessionConfig config;
  Preprocessor pre;
  // AIPP path, target listing RGB: crops and resizes frames AIPP cannot take to the model size as RGB888 uint8 HWC
  // (identity normalisation: AIPP's DTC then normalises them like any RGB888 source of the model's size).
  std::optional<Preprocessor> aippResize;
  Postprocessor post;
  SessionInfo info;
  size_t deviceId = 0;
  std::vector<uint8_t> hostInput;  // copy mode buffers
  std::vector<uint8_t> hostOutput;
  std::vector<uint8_t> fdFrame;  // ClassifyFd: a frame read from an fd that is not wrapped
  CompilationHandle compilation;
  ExecutorHandle executor;
  std::vector<IoTensor> inputs;
  std::vector<IoTensor> outputs;           // OH_NNTensor_Create: copy mode reads these
  std::vector<DeviceMemory> outputMemory;  // fd-backed memory of fdOutputs: outlives the tensors over it
  std::vector<IoTensor> fdOutputs;         // CreateWithFd over outputMemory: zero-copy mode reads these
  std::unique_ptr<AippSource> aippSource;  // the AIPP path's current source: params, desc, copy tensor
  IoTensor externalInput;                  // OH_NNTensor_CreateWithFd over a caller's fd
  mutable std::mutex mutex;                // serializes this session's calls
  bool released = false;

  // One compile option: how to set it and how the report names it. Required options (the CANN tuning pair)
  // fail the load when refused; optional ones are left out and reported refused.
  struct PlannedOption {
    std::string option;
    std::string value;
    std::string call;  // e.g. HMS_HiAIOptions_SetTuningCacheDir("/files"), for errors
    bool required = false;
    std::function<OH_NN_ReturnCode(OH_NNCompilation*)> apply;
    // Non-empty: the system lacks the setter, why (the option is refused with OH_NN_UNSUPPORTED, never applied).
    std::string missing{};
  };
  struct BuildAttempt {
    Status status;  // a failure before Build: construct, set_device, a required option refused when set
    CompilationHandle compilation;
    std::vector<OH_NN_ReturnCode> setCode;  // per planned option
    std::vector<std::string> setDetail;
    OH_NN_ReturnCode buildCode = OH_NN_SUCCESS;
    std::string buildDetail;
  };

  Status Compile();
  std::vector<PlannedOption> PlanOptions() const;
  BuildAttempt TryBuild(const std::vector<PlannedOption>& plan, const std::vector<bool>& use);
  Status BuildWithOptions();
  Status CreateIoTensors();
  Status CreateFdOutput(const NN_TensorDesc* desc, const IoTensor& plain);
  Status CheckAgainstManifest() const;
  Status CheckTopK(size_t topK) const;
  // The CPU path's copy mode: the pre-processed host buffer into the input tensor.
  void CopyIn(StageTimings* t);
  Status RunLocked(NN_Tensor* input, IoMode mode, StageTimings* t);
  Result<Classification> ClassifyLocked(const ImageView& image, size_t topK, IoMode mode);
  Result<Classification> ClassifyFdLocked(int fd, size_t offset, size_t byteLength, const ImageView& layout,
                                          size_t topK, IoMode mode);
  // The CPU path's input: image i pre-processed into slot i (the host buffer in copy mode, then copied in), the
  // slots after the last image zeroed.
  Status PreprocessSlots(const ImageView* images, size_t count, IoMode mode, StageTimings* t);
  // Runs the model on `input` and post-processes; result.timings already holds the pre-processing figures.
  Result<Classification> Finish(NN_Tensor* input, size_t topK, IoMode mode, Classification result,
                                Clock::time_point start);
  // Finish for `count` images: slot i's output gives result i (each with the batch's timings).
  Result<std::vector<Classification>> FinishSlots(NN_Tensor* input, size_t count, size_t topK, IoMode mode,
                                                  Classification batch, Clock::time_point start);
  // OH_NNExecutor_GetOutputShape after a run: output 0 must hold batchSize x classes values.
  Status CheckOutputShape() const;
  // A dynamic batch dim (-1) of a desc set to the session's batch; `info` re-read from it.
  Status SetBatchDim(NN_TensorDesc* desc, TensorInfo* info) const;
  // returnOutput: the output tensor's bytes at `out` (one image's) dequantized into result->output.
  Status CopyOutput(const void* out, Classification* result) const;
  Status UseAippSource(const AippSourceKey& key);
  // The AIPP path's input: the frame's packed rows copied into the AIPP input tensor, or, when AIPP cannot take the
  // frame (AippTakes), the frame cropped and resized on the CPU (ResizeForAipp). Sets result's aippFeed and timings.
  Result<NN_Tensor*> CopyFrame(const ImageView& image, Classification* result);
  Result<NN_Tensor*> ResizeForAipp(const ImageView& image, const Status& refusal, Classification* result);
  IoTensor& ActiveInput() { return externalInput.tensor ? externalInput : inputs[0]; }
  Status ReleasedStatus(const char* step) const { return Status(step, code::kReleased, "the session was released"); }
  void ReleaseLocked() {
    externalInput.tensor.reset();
    aippSource.reset();
    fdOutputs.clear();
    outputMemory.clear();
    inputs.clear();
    outputs.clear();
    executor.reset();
    compilation.reset();
    modelBytes.clear();
    modelBytes.shrink_to_fit();
    released = true;
  }
};

std::vector<InferenceSession::Impl::PlannedOption> InferenceSession::Impl::PlanOptions() const {
  // The strings handed to NNRt (cache dirs) point into config, which outlives every compilation: the device only
  // records the pointer at Set time and reads it at Build.
  const CompileOptions& o = config.options;
  std::vector<PlannedOption> plan;
  if (o.tuningMode != TuningMode::kUnset) {  // the pair was validated in Load
    plan.push_back({"tuning_mode", TuningModeName(o.tuningMode),
                    std::string("HMS_HiAIOptions_SetTuningMode(") + TuningModeName(o.tuningMode) + ")", true,
                    [&o](OH_NNCompilation* c) {
                      return HMS_HiAIOptions_SetTuningMode(c, static_cast<HiAI_TuningMode>(o.tuningMode));
                    }});
    plan.push_back(
        {"tuning_cache_dir", o.tuningCacheDir, "HMS_HiAIOptions_SetTuningCacheDir(\"" + o.tuningCacheDir + "\")", true,
         [&o](OH_NNCompilation* c) { return HMS_HiAIOptions_SetTuningCacheDir(c, o.tuningCacheDir.c_str()); }});
  }
  if (o.bandMode != BandMode::kUnset) {
    plan.push_back({"band_mode", BandModeName(o.bandMode), "", false, [&o](OH_NNCompilation* c) {
                      return HMS_HiAIOptions_SetBandMode(c, static_cast<HiAI_BandMode>(o.bandMode));
                    }});
  }
  if (o.performanceMode) {
    plan.push_back({"performance_mode", PerformanceModeName(*o.performanceMode), "", false, [&o](OH_NNCompilation* c) {
                      return OH_NNCompilation_SetPerformanceMode(
                          c, static_cast<OH_NN_PerformanceMode>(*o.performanceMode));
                    }});
  }
  if (o.priority) {
    plan.push_back({"priority", PriorityName(*o.priority), "", false, [&o](OH_NNCompilation* c) {
                      return OH_NNCompilation_SetPriority(c, static_cast<OH_NN_Priority>(*o.priority));
                    }});
  }
  if (o.enableFloat16) {
    plan.push_back({"float16", *o.enableFloat16 ? "true" : "false", "", false,
                    [&o](OH_NNCompilation* c) { return OH_NNCompilation_EnableFloat16(c, *o.enableFloat16); }});
  }
  if (!o.cacheDir.empty()) {
    plan.push_back(
        {"cache", o.cacheDir + " (version " + std::to_string(o.cacheVersion) + ")", "", false,
         [&o](OH_NNCompilation* c) { return OH_NNCompilation_SetCache(c, o.cacheDir.c_str(), o.cacheVersion); }});
  }
  if (!o.profilingDir.empty() || !o.dumpDir.empty()) {  // Load refuses both at once
    const SetOmOptionsFn setOmOptions = CannSetOmOptions();
    const bool dump = !o.dumpDir.empty();
    const std::string& dir = dump ? o.dumpDir : o.profilingDir;
    plan.push_back({"om_options", (dump ? "DUMP:" : "PROFILING:") + dir, "", false,
                    [&dir, dump, setOmOptions](OH_NNCompilation* c) {
                      return setOmOptions(c, dump ? HIAI_OM_TYPE_DUMP : HIAI_OM_TYPE_PROFILING, dir.c_str());
                    },
                    setOmOptions != nullptr ? ""
                                            : "HMS_HiAIOptions_SetOmOptions is not on this system (CANN Kit "
                                              "5.1.0(18), API 18)"});
  }
  return plan;
}

// One Build on a fresh compilation with the required options and the optional ones in `use`. The device records
// options at Set time and applies them inside Build, which fails as a whole when one is not supported, so a
// refused option shows only as a failed Build.
InferenceSession::Impl::BuildAttempt InferenceSession::Impl::TryBuild(const std::vector<PlannedOption>& plan,
                                                                      const std::vector<bool>& use) {
  BuildAttempt a;
  a.setCode.assign(plan.size(), OH_NN_SUCCESS);
  a.setDetail.assign(plan.size(), "");
  a.compilation =
      CompilationHandle(OH_NNCompilation_ConstructWithOfflineModelBuffer(modelBytes.data(), modelBytes.size()));
  if (!a.compilation) {
    a.status = NnNullStatus("compile.construct", "OH_NNCompilation_ConstructWithOfflineModelBuffer");
    return a;
  }
  OH_NN_ReturnCode rc = OH_NNCompilation_SetDevice(a.compilation.get(), deviceId);
  if (rc != OH_NN_SUCCESS) {
    a.status =
        NnStatus("compile.set_device", rc,
                 "OH_NNCompilation_SetDevice(" + info.device.device.name + ", id " + std::to_string(deviceId) + ")");
    return a;
  }
  for (size_t i = 0; i < plan.size(); ++i) {
    if (!plan[i].required && !use[i]) continue;
    if (!plan[i].missing.empty()) {
      a.setCode[i] = OH_NN_UNSUPPORTED;
      a.setDetail[i] = plan[i].missing;
      continue;
    }
    a.setCode[i] = plan[i].apply(a.compilation.get());
    if (a.setCode[i] == OH_NN_SUCCESS) continue;
    a.setDetail[i] = NnrtLastErrorDetail();
    if (plan[i].required) {
      a.status = Status("compile.options." + plan[i].option, a.setCode[i], plan[i].call + " rejected")
                     .WithDetail(a.setDetail[i]);
      return a;
    }
  }
  a.buildCode = OH_NNCompilation_Build(a.compilation.get());
  if (a.buildCode != OH_NN_SUCCESS) a.buildDetail = NnrtLastErrorDetail();
  return a;
}

Status InferenceSession::Impl::BuildWithOptions() {
  const std::vector<PlannedOption> plan = PlanOptions();
  std::vector<bool> use(plan.size(), true);
  BuildAttempt attempt = TryBuild(plan, use);
  if (!attempt.status.ok()) return attempt.status;
  std::vector<OptionReport> reports(plan.size());
  for (size_t i = 0; i < plan.size(); ++i) {
    reports[i].option = plan[i].option;
    reports[i].value = plan[i].value;
    if (attempt.setCode[i] != OH_NN_SUCCESS) {  // refused when set: never part of a Build
      use[i] = false;
      reports[i].code = attempt.setCode[i];
      reports[i].detail = "refused when set" + (attempt.setDetail[i].empty() ? "" : ": " + attempt.setDetail[i]);
    }
  }
  std::vector<size_t> pending;  // optional options recorded without complaint: applied or refused at Build
  for (size_t i = 0; i < plan.size(); ++i) {
    if (!plan[i].required && use[i]) pending.push_back(i);
  }
  if (attempt.buildCode != OH_NN_SUCCESS && !pending.empty()) {
    // Which option did the device refuse? Build without any optional one: if that fails too, the failure is
    // not an option's. Otherwise add them back one at a time, keeping each that builds.
    const BuildAttempt failedWithAll = std::move(attempt);
    for (size_t i : pending) use[i] = false;
    attempt = TryBuild(plan, use);
    if (!attempt.status.ok()) return attempt.status;
    if (attempt.buildCode == OH_NN_SUCCESS) {
      for (size_t k = 0; k < pending.size(); ++k) {
        const size_t i = pending[k];
        OH_NN_ReturnCode code = failedWithAll.buildCode;
        std::string detail = failedWithAll.buildDetail;
        if (pending.size() > 1) {  // with one option the first Build already said it
          use[i] = true;
          BuildAttempt trial = TryBuild(plan, use);
          if (!trial.status.ok()) return trial.status;
          if (trial.buildCode == OH_NN_SUCCESS) {
            attempt = std::move(trial);
            continue;
          }
          use[i] = false;
          code = trial.buildCode;
          detail = trial.buildDetail;
        } else {
          use[i] = false;
        }
        reports[i].code = code;
        reports[i].detail = "OH_NNCompilation_Build failed with it" + (detail.empty() ? "" : ": " + detail);
      }
    } else {
      attempt.buildDetail +=
          (attempt.buildDetail.empty() ? "" : "; ") + std::string("it fails without the optional options too");
    }
  }
  if (attempt.buildCode != OH_NN_SUCCESS) {
    std::string message = "OH_NNCompilation_Build on " + info.device.device.name;
    if (info.compatibility == "incompatible") message += " (the compatibility check said incompatible)";
    return Status("compile.build", attempt.buildCode, message).WithDetail(attempt.buildDetail);
  }
  for (size_t i = 0; i < plan.size(); ++i) {
    reports[i].accepted = plan[i].required || use[i];
    if (reports[i].accepted) reports[i].code = OH_NN_SUCCESS;
    reports[i].codeName = CodeName(reports[i].code);
  }
  info.options = std::move(reports);
  compilation = std::move(attempt.compilation);
  return Status::Ok();
}

Status InferenceSession::Impl::Compile() {
  NnrtGuard guard(NnrtCallLock());
  if (config.options.checkCompatibility && info.device.device.name == kHiaiDeviceName) {
    const HiAI_Compatibility c = HMS_HiAICompatibility_CheckFromBuffer(modelBytes.data(), modelBytes.size());
    info.compatibility = c == HIAI_COMPATIBILITY_COMPATIBLE ? "compatible" : "incompatible";
  } else {
    info.compatibility = config.options.checkCompatibility ? "not checked (device is not HIAI_F)" : "not checked";
  }
  Status s = BuildWithOptions();
  if (!s.ok()) return s;
  executor = ExecutorHandle(OH_NNExecutor_Construct(compilation.get()));
  if (!executor) return NnNullStatus("executor.construct", "OH_NNExecutor_Construct");
  compilation.reset();  // the executor holds what it needs (official sample and guide do the same)
  info.threads = NnrtExecutorThreads(executor.get());
  return CreateIoTensors();
}

Status InferenceSession::Impl::CreateIoTensors() {
  size_t inputCount = 0, outputCount = 0;
  OH_NN_ReturnCode rc = OH_NNExecutor_GetInputCount(executor.get(), &inputCount);
  if (rc != OH_NN_SUCCESS) return NnStatus("executor.io", rc, "OH_NNExecutor_GetInputCount failed");
  rc = OH_NNExecutor_GetOutputCount(executor.get(), &outputCount);
  if (rc != OH_NN_SUCCESS) return NnStatus("executor.io", rc, "OH_NNExecutor_GetOutputCount failed");
  if (inputCount != 1 || outputCount < 1) {
    return Status("model.check", code::kModelMismatch,
                  "the model has " + std::to_string(inputCount) + " inputs and " + std::to_string(outputCount) +
                      " outputs; NpuLens models take one image input and give at least one output");
  }
  for (int pass = 0; pass < 2; ++pass) {
    const bool isInput = pass == 0;
    const size_t count = isInput ? inputCount : outputCount;
    std::vector<IoTensor>& list = isInput ? inputs : outputs;
    for (size_t i = 0; i < count; ++i) {
      TensorDescHandle desc(isInput ? OH_NNExecutor_CreateInputTensorDesc(executor.get(), i)
                                    : OH_NNExecutor_CreateOutputTensorDesc(executor.get(), i));
      if (!desc) {
        return NnNullStatus("tensor.desc",
                            isInput ? "OH_NNExecutor_CreateInputTensorDesc" : "OH_NNExecutor_CreateOutputTensorDesc");
      }
      IoTensor io;
      Status s = DescribeTensor(desc.get(), &io.info);
      if (!s.ok()) return s;
      s = SetBatchDim(desc.get(), &io.info);
      if (!s.ok()) return s;
      // NNRt reports a dynamic dimension as -1 and a byte size of 0 with success: a tensor cannot be made for it.
      for (int32_t d : io.info.shape) {
        if (d <= 0) {
          return Status("model.check", code::kModelMismatch,
                        std::string(isInput ? "input" : "output") + " \"" + io.info.name + "\" has the dynamic shape " +
                            ShapeText(io.info.shape) +
                            "; NpuLens needs a model converted with fixed shapes or a dynamic batch (-1 first)");
        }
      }
      io.tensor = TensorHandle(OH_NNTensor_Create(deviceId, desc.get()));  // copies the desc
      if (!io.tensor) {
        return NnNullStatus("tensor.create", "OH_NNTensor_Create")
            .WithDetail(std::string(isInput ? "input " : "output ") + std::to_string(i) + " " +
                        ShapeText(io.info.shape));
      }
      io.data = OH_NNTensor_GetDataBuffer(io.tensor.get());
      rc = OH_NNTensor_GetSize(io.tensor.get(), &io.size);
      if (rc != OH_NN_SUCCESS) return NnStatus("tensor.create", rc, "OH_NNTensor_GetSize failed");
      if (io.data == nullptr || io.size < io.info.byteSize) {
        return NnStatus("tensor.create", OH_NN_MEMORY_ERROR,
                        "tensor buffer is " + std::string(io.data ? "" : "NULL, ") + std::to_string(io.size) +
                            " bytes for " + std::to_string(io.info.byteSize) + " needed");
      }
      if (!isInput) {
        s = CreateFdOutput(desc.get(), io);
        if (!s.ok()) return s;
      }
      (isInput ? info.inputs : info.outputs).push_back(io.info);
      list.push_back(std::move(io));
    }
  }
  return Status::Ok();
}

// A dynamic-batch model (omg --input_shape "x:-1,..." --dynamic_dims "1;2;4") reports its batch dim as -1 (and 0
// bytes); the CANN Kit guide: one load, each inference picks its gear by the input's shape. The session's tensors
// are made for its batch, so every run uses that gear. Other dims stay as they are (a -1 elsewhere is refused).
Status InferenceSession::Impl::SetBatchDim(NN_TensorDesc* desc, TensorInfo* info) const {
  if (info->shape.empty() || info->shape[0] != -1) return Status::Ok();
  std::vector<int32_t> shape = info->shape;
  shape[0] = config.batchSize;
  const OH_NN_ReturnCode rc = OH_NNTensorDesc_SetShape(desc, shape.data(), shape.size());
  if (rc != OH_NN_SUCCESS) return NnStatus("tensor.desc", rc, "OH_NNTensorDesc_SetShape(" + ShapeText(shape) + ")");
  return DescribeTensor(desc, info);
}

Status InferenceSession::Impl::CheckOutputShape() const {
  int32_t* shape = nullptr;  // owned by the executor
  uint32_t rank = 0;
  const OH_NN_ReturnCode rc = OH_NNExecutor_GetOutputShape(executor.get(), 0, &shape, &rank);
  // A backend that does not answer the query (OPERATION_FORBIDDEN / UNSUPPORTED) leaves the tensor's own shape.
  if (rc == OH_NN_OPERATION_FORBIDDEN || rc == OH_NN_UNSUPPORTED) return Status::Ok();
  if (rc != OH_NN_SUCCESS) return NnStatus("run.output_shape", rc, "OH_NNExecutor_GetOutputShape(0) failed");
  const std::vector<int32_t> got(shape, shape + (shape != nullptr ? rank : 0));
  int64_t elements = got.empty() ? 0 : 1;
  for (int32_t d : got) elements *= d;
  if (elements != static_cast<int64_t>(config.batchSize) * config.output.classes) {
    return Status("run.output_shape", code::kModelMismatch,
                  "the run's output 0 has shape " + ShapeText(got) + "; batch " + std::to_string(config.batchSize) +
                      " x " + std::to_string(config.output.classes) + " classes expected");
  }
  return Status::Ok();
}

// A zero-copy output: device memory of the guide's recommended size wrapped with CreateWithFd.
Status InferenceSession::Impl::CreateFdOutput(const NN_TensorDesc* desc, const IoTensor& plain) {
  const size_t index = fdOutputs.size();
  const std::string what = "output " + std::to_string(index) + " " + ShapeText(plain.info.shape);
  Result<DeviceMemory> memory = DeviceMemory::Allocate(deviceId, const_cast<NN_TensorDesc*>(desc),
                                                       FdOutputAllocationBytes(plain.info.byteSize), "tensor.create");
  if (!memory.ok()) return memory.status().WithDetail(what);
  IoTensor io;
  io.info = plain.info;
  io.tensor = TensorHandle(
      OH_NNTensor_CreateWithFd(deviceId, const_cast<NN_TensorDesc*>(desc), memory->fd(), memory->size(), 0));
  if (!io.tensor) return NnNullStatus("tensor.create", "OH_NNTensor_CreateWithFd").WithDetail(what);
  io.data = OH_NNTensor_GetDataBuffer(io.tensor.get());
  io.size = memory->size();
  if (io.data == nullptr) return NnStatus("tensor.create", OH_NN_MEMORY_ERROR, "no data buffer for the fd " + what);
  outputMemory.push_back(std::move(memory.value()));
  fdOutputs.push_back(std::move(io));
  return Status::Ok();
}

Status InferenceSession::Impl::CheckAgainstManifest() const {
  auto mismatch = [](const std::string& text) { return Status("model.check", code::kModelMismatch, text); };
  const InputSpec& in = config.input;
  const TensorInfo& ti = inputs[0].info;
  if (!in.name.empty() && ti.name != in.name) {
    return mismatch("input tensor is named \"" + ti.name + "\", the manifest says \"" + in.name + "\"");
  }
  DType modelType;
  if (!ToDType(ti.dataType, &modelType) || modelType != in.dtype) {
    return mismatch("input \"" + ti.name + "\" is " + ti.dtypeName + ", the manifest says " + DTypeName(in.dtype));
  }
  const int32_t n = config.batchSize;
  const std::vector<int32_t> expected = in.layout == Layout::kNCHW ? std::vector<int32_t>{n, 3, in.height, in.width}
                                                                   : std::vector<int32_t>{n, in.height, in.width, 3};
  if (ti.shape != expected) {
    return mismatch("input \"" + ti.name + "\" has shape " + ShapeText(ti.shape) + ", the manifest says " +
                    LayoutName(in.layout) + " " + ShapeText(expected));
  }
  if ((ti.formatName == "NCHW" || ti.formatName == "NHWC") && ti.formatName != LayoutName(in.layout)) {
    return mismatch("input \"" + ti.name + "\" has format " + ti.formatName + ", the manifest says " +
                    LayoutName(in.layout));
  }
  if (ti.byteSize != n * pre.OutputBytes()) {
    return mismatch("input byte size " + std::to_string(ti.byteSize) + " differs from the " +
                    std::to_string(n * pre.OutputBytes()) + " the manifest implies");
  }
  const OutputSpec& out = config.output;
  const TensorInfo& to = outputs[0].info;
  if (!out.name.empty() && to.name != out.name) {
    return mismatch("output tensor is named \"" + to.name + "\", the manifest says \"" + out.name + "\"");
  }
  if (!ToDType(to.dataType, &modelType) || modelType != out.dtype) {
    return mismatch("output \"" + to.name + "\" is " + to.dtypeName + ", the manifest says " + DTypeName(out.dtype));
  }
  int64_t elements = 1;
  for (int32_t d : to.shape) elements *= d;
  if (elements != int64_t{n} * out.classes || to.byteSize != n * post.InputBytes()) {
    return mismatch("output \"" + to.name + "\" has shape " + ShapeText(to.shape) + " (" + std::to_string(elements) +
                    " values), the manifest says " + std::to_string(out.classes) + " classes" +
                    (n > 1 ? " x batch " + std::to_string(n) : ""));
  }
  return Status::Ok();
}

void InferenceSession::Impl::CopyIn(StageTimings* t) {
  const size_t inBytes = inputs[0].info.byteSize;
  const auto start = Clock::now();
  std::memcpy(ActiveInput().data, hostInput.data(), inBytes);
  t->copyInMs = MsSince(start);
  t->cpuBytesIn += 2 * inBytes;  // read and written
}

Status InferenceSession::Impl::RunLocked(NN_Tensor* input, IoMode mode, StageTimings* t) {
  std::vector<IoTensor>& outs = mode == IoMode::kCopy ? outputs : fdOutputs;
  const auto start = Clock::now();
  {
    NnrtGuard guard(NnrtCallLock());
    NN_Tensor* inTensors[1] = {input};
    std::vector<NN_Tensor*> outTensors;
    outTensors.reserve(outs.size());
    for (IoTensor& o : outs) outTensors.push_back(o.tensor.get());
    OH_NN_ReturnCode rc = OH_NNExecutor_RunSync(executor.get(), inTensors, 1, outTensors.data(), outTensors.size());
    if (rc != OH_NN_SUCCESS) return NnStatus("run.sync", rc, "OH_NNExecutor_RunSync on " + info.device.device.name);
  }
  t->inferenceMs = MsSince(start);
  {
    NnrtGuard guard(NnrtCallLock());
    Status shape = CheckOutputShape();
    if (!shape.ok()) return shape;
  }
  if (mode == IoMode::kCopy) {
    const auto copyStart = Clock::now();
    std::memcpy(hostOutput.data(), outputs[0].data, outputs[0].info.byteSize);
    t->copyOutMs = MsSince(copyStart);
  }
  return Status::Ok();
}

InferenceSession::InferenceSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

InferenceSession::~InferenceSession() { Release(); }

Result<std::unique_ptr<InferenceSession>> InferenceSession::Load(std::vector<uint8_t> modelBytes,
                                                                 SessionConfig config) {
  auto impl = std::make_unique<Impl>();
  if (modelBytes.empty()) return Status("session.config", code::kInvalidArgument, "the model is empty (0 bytes)");
  Result<Preprocessor> pre = Preprocessor::Create(config.input);
  if (!pre.ok()) return pre.status();
  Result<Postprocessor> post = Postprocessor::Create(config.output);
  if (!post.ok()) return post.status();
  if (!config.labels.empty() && config.labels.size() != static_cast<size_t>(config.output.classes)) {
    return Status("session.config", code::kInvalidArgument,
                  std::to_string(config.labels.size()) + " labels but the output has " +
                      std::to_string(config.output.classes) + " classes");
  }
  const CompileOptions& o = config.options;
  if (o.tuningMode != TuningMode::kUnset && o.tuningCacheDir.empty()) {
    return Status("compile.options.tuning_mode", code::kInvalidArgument,
                  std::string("tuning mode ") + TuningModeName(o.tuningMode) +
                      " needs a tuning cache dir (HMS_HiAIOptions_SetTuningCacheDir); none given");
  }
  if (o.tuningMode == TuningMode::kUnset && !o.tuningCacheDir.empty()) {
    return Status("compile.options.tuning_cache_dir", code::kInvalidArgument,
                  "a tuning cache dir was given without a tuning mode (AUTO or HETER)");
  }
  if (!o.profilingDir.empty() && !o.dumpDir.empty()) {
    return Status("compile.options.om_options", code::kInvalidArgument,
                  "profilingDir and dumpDir together: HMS_HiAIOptions_SetOmOptions takes one HiAI_OmType per "
                  "compilation (PROFILING or DUMP); load twice for both");
  }
  for (const auto& [what, path] : {std::pair<const char*, const std::string&>{"profiling", o.profilingDir},
                                   std::pair<const char*, const std::string&>{"dump", o.dumpDir}}) {
    struct stat dir {};
    if (!path.empty() && (stat(path.c_str(), &dir) != 0 || !S_ISDIR(dir.st_mode))) {
      return Status("compile.options.om_options", code::kInvalidArgument,
                    std::string("the ") + what + " dir \"" + path + "\" is not an existing directory");
    }
  }
  if (std::find(config.batchSizes.begin(), config.batchSizes.end(), config.batchSize) == config.batchSizes.end()) {
    std::string sizes;
    for (int b : config.batchSizes) sizes += (sizes.empty() ? "" : ", ") + std::to_string(b);
    return Status("session.config", code::kOutOfRange,
                  "batch size " + std::to_string(config.batchSize) + " is not one the model takes (" + sizes + ")");
  }
  Status resolved = ResolvePreprocessing(config, &impl->info);
  if (!resolved.ok()) return resolved;
  if (impl->info.preprocessing == Preprocessing::kAipp && config.batchSize > 1) {
    return Status("session.config", code::kUnsupported,
                  "batch size " + std::to_string(config.batchSize) +
                      " needs the CPU pre-processing: dynamic AIPP takes one frame per inference here (" +
                      impl->info.preprocessingReason + ")");
  }
  if (impl->info.preprocessing == Preprocessing::kAipp && config.aipp.Accepts("RGB")) {
    Result<Preprocessor> resize = Preprocessor::Create(AippResizeSpec(config.input));
    if (!resize.ok()) return resize.status();
    impl->aippResize = std::move(resize.value());
  }
  Result<DeviceDecision> decision =
      DeviceSelector::Select(config.devicePolicy, DetectModelKind(modelBytes.data(), modelBytes.size()));
  if (!decision.ok()) return decision.status();

  Impl& im = *impl;
  im.modelBytes = std::move(modelBytes);
  im.config = std::move(config);
  im.pre = std::move(pre.value());
  im.post = std::move(post.value());
  im.deviceId = decision->device.id;
  im.info.modelId = im.config.modelId;
  im.info.precision = im.config.precision;
  im.info.device = decision.value();
  im.info.loadMs = im.config.loadMs;
  im.info.labels = im.config.labels;
  im.info.outputKind = im.config.output.kind;
  im.info.aipp = im.config.aipp;
  im.info.batchSizes = im.config.batchSizes;
  im.info.batchSize = im.config.batchSize;

  const auto start = Clock::now();
  Status s = im.Compile();
  if (!s.ok()) return s;  // `impl` unwinds in member order: tensors, executor, compilation, then the bytes
  im.info.compileMs = MsSince(start);
  s = im.CheckAgainstManifest();
  if (!s.ok()) return s;
  im.hostInput.assign(im.inputs[0].info.byteSize, 0);
  im.hostOutput.assign(im.outputs[0].info.byteSize, 0);
  im.info.fdOutputs = !im.fdOutputs.empty();
  return std::unique_ptr<InferenceSession>(new InferenceSession(std::move(impl)));
}

Result<Classification> InferenceSession::Classify(const ImageView& image, size_t topK, IoMode mode) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->ClassifyLocked(image, topK, mode);
}

Status InferenceSession::Impl::CheckTopK(size_t topK) const {
  if (topK < 1 || topK > static_cast<size_t>(config.output.classes)) {
    return Status(
        "classify", code::kOutOfRange,
        "topK must be in [1, " + std::to_string(config.output.classes) + "] (got " + std::to_string(topK) + ")");
  }
  return Status::Ok();
}

Result<Classification> InferenceSession::Impl::ClassifyLocked(const ImageView& image, size_t topK, IoMode mode) {
  if (released) return ReleasedStatus("classify");
  const auto start = Clock::now();
  Status s = CheckTopK(topK);
  if (!s.ok()) return s;
  Classification result;
  StageTimings& t = result.timings;
  if (info.preprocessing == Preprocessing::kAipp) {
    Result<NN_Tensor*> input = CopyFrame(image, &result);
    if (!input.ok()) return input.status();
    return Finish(input.value(), topK, mode, std::move(result), start);
  }
  s = PreprocessSlots(&image, 1, mode, &t);
  if (!s.ok()) return s;
  return Finish(ActiveInput().tensor.get(), topK, mode, std::move(result), start);
}

Status InferenceSession::Impl::PreprocessSlots(const ImageView* images, size_t count, IoMode mode, StageTimings* t) {
  const size_t slot = pre.OutputBytes();
  const size_t inBytes = inputs[0].info.byteSize;  // batchSize slots
  auto* dst = static_cast<uint8_t*>(mode == IoMode::kCopy ? hostInput.data() : ActiveInput().data);
  const auto stage = Clock::now();
  for (size_t i = 0; i < count; ++i) {
    Status s = pre.Run(images[i], dst + i * slot, slot);
    if (!s.ok()) return count > 1 ? Status(s.step(), s.code(), "image " + std::to_string(i) + ": " + s.message()) : s;
    // What the pre-processing read (the frame) and wrote (the tensor).
    Result<size_t> frameBytes =
        ImageByteLength(images[i].format, images[i].width, images[i].height, images[i].rowStride);
    t->cpuBytesIn += (frameBytes.ok() ? frameBytes.value() : 0) + slot;
  }
  if (count * slot < inBytes) {  // a batch of fewer images: the other slots hold zeros, never a previous image
    std::memset(dst + count * slot, 0, inBytes - count * slot);
    t->cpuBytesIn += inBytes - count * slot;
  }
  t->preprocessMs = MsSince(stage);
  if (mode == IoMode::kCopy) CopyIn(t);
  return Status::Ok();
}

Result<std::vector<Classification>> InferenceSession::ClassifyBatch(const std::vector<ImageView>& images, size_t topK,
                                                                    IoMode mode) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  Impl& im = *impl_;
  if (im.released) return im.ReleasedStatus("classify");
  if (images.empty() || images.size() > static_cast<size_t>(im.config.batchSize)) {
    return Status("classify.batch", code::kOutOfRange,
                  "a batch takes 1 to " + std::to_string(im.config.batchSize) +
                      " images (the batch size loaded); got " + std::to_string(images.size()));
  }
  if (im.info.preprocessing == Preprocessing::kAipp) {  // batch size 1 (Load refuses more on this path)
    Result<Classification> one = im.ClassifyLocked(images[0], topK, mode);
    if (!one.ok()) return one.status();
    return std::vector<Classification>{std::move(one.value())};
  }
  const auto start = Clock::now();
  Status s = im.CheckTopK(topK);
  if (!s.ok()) return s;
  Classification batch;
  s = im.PreprocessSlots(images.data(), images.size(), mode, &batch.timings);
  if (!s.ok()) return s;
  return im.FinishSlots(im.ActiveInput().tensor.get(), images.size(), topK, mode, std::move(batch), start);
}

Result<Classification> InferenceSession::Impl::Finish(NN_Tensor* input, size_t topK, IoMode mode, Classification result,
                                                      Clock::time_point start) {
  Result<std::vector<Classification>> one = FinishSlots(input, 1, topK, mode, std::move(result), start);
  if (!one.ok()) return one.status();
  return std::move(one.value()[0]);
}

Result<std::vector<Classification>> InferenceSession::Impl::FinishSlots(NN_Tensor* input, size_t count, size_t topK,
                                                                        IoMode mode, Classification batch,
                                                                        Clock::time_point start) {
  Status s = RunLocked(input, mode, &batch.timings);
  if (!s.ok()) return s;
  const auto stage = Clock::now();
  const auto* out = static_cast<const uint8_t*>(mode == IoMode::kCopy ? hostOutput.data() : fdOutputs[0].data);
  const size_t slot = post.InputBytes();  // one image's output
  std::vector<Classification> results(count);
  for (size_t i = 0; i < count; ++i) {
    Classification& result = results[i];
    Result<std::vector<TopKEntry>> top = post.Run(out + i * slot, slot, topK);
    if (!top.ok()) return top.status();
    for (const TopKEntry& e : top.value()) {
      result.top.push_back({e.rank, e.index, config.labels.empty() ? "" : config.labels[e.index], e.score});
    }
    if (config.returnOutput) {
      s = CopyOutput(out + i * slot, &result);
      if (!s.ok()) return s;
    }
  }
  batch.timings.postprocessMs = MsSince(stage);
  batch.timings.totalMs = MsSince(start);
  for (Classification& result : results) {
    result.timings = batch.timings;
    result.aippFeed = batch.aippFeed;
    result.aippFeedReason = batch.aippFeedReason;
  }
  return results;
}

Status InferenceSession::Impl::CopyOutput(const void* out, Classification* result) const {
  const OutputSpec& spec = config.output;
  result->output.resize(static_cast<size_t>(spec.classes));
  return DequantizeToFloat(out, post.InputBytes(), spec.dtype, spec.quant ? &*spec.quant : nullptr,
                           result->output.data(), result->output.size());
}

Status InferenceSession::Impl::UseAippSource(const AippSourceKey& key) {
  if (aippSource && aippSource->key() == key) return Status::Ok();
  NnrtGuard guard(NnrtCallLock());
  aippSource.reset();  // its copy tensor, then its params (no fd-wrapping tensor outlives a call)
  Result<std::unique_ptr<AippSource>> source = AippSource::Create(key, config.input, config.aipp);
  if (!source.ok()) return source.status();
  aippSource = std::move(source.value());
  return Status::Ok();
}

Result<NN_Tensor*> InferenceSession::Impl::CopyFrame(const ImageView& image, Classification* result) {
  Status s = ValidateImage(image);
  if (!s.ok()) return s;
  const AippSourceKey key{image.format, image.width, image.height, image.width, false, image.rotation};
  s = AippTakes(key, config.input, config.aipp);
  if (!s.ok()) return ResizeForAipp(image, s, result);
  s = UseAippSource(key);
  if (!s.ok()) return s;
  Result<NN_Tensor*> tensor = [&]() {
    NnrtGuard guard(NnrtCallLock());
    return aippSource->CopyTensor(deviceId);
  }();
  if (!tensor.ok()) return tensor.status();
  const size_t rowBytes = RowBytes(image.format, image.width);
  const size_t rows = RowCount(image.format, image.height);
  if (rowBytes * rows > aippSource->imageBytes()) {
    return Status("aipp.tensor", code::kInternal,
                  "the AIPP tensor holds " + std::to_string(aippSource->imageBytes()) + " bytes, the frame's rows " +
                      std::to_string(rowBytes * rows));
  }
  const auto start = Clock::now();
  uint8_t* dst = static_cast<uint8_t*>(aippSource->copyData());
  if (image.rowStride == rowBytes) {
    std::memcpy(dst, image.data, rowBytes * rows);
  } else {
    for (size_t r = 0; r < rows; ++r) std::memcpy(dst + r * rowBytes, image.data + r * image.rowStride, rowBytes);
  }
  result->timings.frameCopyMs += MsSince(start);
  result->timings.cpuBytesIn += 2 * rowBytes * rows;  // read and written
  result->aippFeed = AippFeed::kFrame;
  return tensor;
}

Result<NN_Tensor*> InferenceSession::Impl::ResizeForAipp(const ImageView& image, const Status& refusal,
                                                         Classification* result) {
  // A dynamic-AIPP model takes only raw images, so the CPU path cannot stand in: the CPU makes a source AIPP takes.
  if (!aippResize) return refusal.WithDetail("and aipp.formats lists no RGB for the CPU to resize the frame to");
  const Status s =
      UseAippSource({PixelFormat::kRGB8, config.input.width, config.input.height, config.input.width, true});
  if (!s.ok()) return s.WithDetail("the CPU-resized source for a frame AIPP cannot take (" + refusal.message() + ")");
  Result<NN_Tensor*> tensor = [&]() {
    NnrtGuard guard(NnrtCallLock());
    return aippSource->CopyTensor(deviceId);
  }();
  if (!tensor.ok()) return tensor.status();
  const auto start = Clock::now();
  const Status run = aippResize->Run(image, aippSource->copyData(), aippSource->imageBytes());
  if (!run.ok()) return run;
  result->timings.preprocessMs += MsSince(start);
  // What the resize read (the frame) and wrote (the AIPP input).
  Result<size_t> frameBytes = ImageByteLength(image.format, image.width, image.height, image.rowStride);
  result->timings.cpuBytesIn += (frameBytes.ok() ? frameBytes.value() : 0) + aippSource->imageBytes();
  result->aippFeed = AippFeed::kCpuResized;
  result->aippFeedReason = refusal.message();
  return tensor;
}

Result<Classification> InferenceSession::Impl::ClassifyFdLocked(int fd, size_t offset, size_t byteLength,
                                                                const ImageView& layout, size_t topK, IoMode mode) {
  if (released) return ReleasedStatus("classify");
  const auto start = Clock::now();
  Status s = CheckTopK(topK);
  if (!s.ok()) return s;
  if (fd < 0) return Status("classify.fd", code::kInvalidArgument, "fd " + std::to_string(fd) + " is not valid");
  Result<size_t> needed = ImageByteLength(layout.format, layout.width, layout.height, layout.rowStride);
  if (!needed.ok()) return needed.status();
  if (byteLength < needed.value()) {
    return Status("classify.fd", code::kOutOfRange,
                  "byteLength " + std::to_string(byteLength) + " is below the " + std::to_string(needed.value()) +
                      " bytes of a " + PixelFormatName(layout.format) + " " + std::to_string(layout.width) + "x" +
                      std::to_string(layout.height) + " frame with row stride " + std::to_string(layout.rowStride));
  }
  Classification result;
  const bool aipp = info.preprocessing == Preprocessing::kAipp;
  if (aipp && offset == 0) {
    // The AIPP source is the frame as it lies in memory: a padded row stride becomes a wider source.
    const size_t pixelBytes = RowBytes(layout.format, 1);
    const bool whole = layout.rowStride % pixelBytes == 0 &&
                       (!IsYuv420sp(layout.format) || layout.rowStride % 2 == 0) &&
                       layout.rowStride / pixelBytes <= static_cast<size_t>(kImageSideMax);
    const AippSourceKey key{layout.format, layout.width,
                            layout.height, whole ? static_cast<int>(layout.rowStride / pixelBytes) : 0,
                            false,         layout.rotation};
    // A frame AIPP cannot take is read below and resized on the CPU (CopyFrame).
    if (whole && AippTakes(key, config.input, config.aipp).ok()) {
      s = UseAippSource(key);
      if (!s.ok()) return s;
      if (byteLength >= aippSource->imageBytes()) {
        Result<TensorHandle> wrapped = [&]() {
          NnrtGuard guard(NnrtCallLock());
          return aippSource->WrapFd(deviceId, fd, byteLength);
        }();
        if (!wrapped.ok()) return wrapped.status();
        // The wrapping tensor lives for this call only: destroyed here (unmapped; the fd stays the caller's).
        result.aippFeed = AippFeed::kFrame;
        return Finish(wrapped->get(), topK, mode, std::move(result), start);
      }
    }
  }
  // Read the frame once (into the AIPP tensor's copy, or for the CPU pre-processing).
  const auto readStart = Clock::now();
  fdFrame.resize(byteLength);
  size_t done = 0;
  while (done < byteLength) {
    const ssize_t n = pread(fd, fdFrame.data() + done, byteLength - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Status("classify.fd", code::kIo,
                    "reading " + std::to_string(byteLength) + " bytes at offset " + std::to_string(offset) + " of fd " +
                        std::to_string(fd) + ": " +
                        (n < 0 ? std::strerror(errno) : "end of file after " + std::to_string(done) + " bytes"));
    }
    done += static_cast<size_t>(n);
  }
  const double readMs = MsSince(readStart);
  ImageView view = layout;
  view.data = fdFrame.data();
  view.byteLength = byteLength;
  Result<Classification> r = ClassifyLocked(view, topK, mode);
  if (!r.ok()) return r;
  StageTimings& rt = r->timings;
  (r->aippFeed == AippFeed::kFrame ? rt.frameCopyMs : rt.preprocessMs) += readMs;
  rt.cpuBytesIn += 2 * byteLength;  // read from the fd, written to memory
  rt.totalMs = MsSince(start);
  return r;
}

Result<Classification> InferenceSession::ClassifyFd(int fd, size_t offset, size_t byteLength, const ImageView& layout,
                                                    size_t topK, IoMode mode) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->ClassifyFdLocked(fd, offset, byteLength, layout, topK, mode);
}

Result<Inspection> InferenceSession::Inspect(const ImageView& image, IoMode mode) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  Impl& im = *impl_;
  const size_t classes = static_cast<size_t>(im.config.output.classes);
  Result<Classification> r = im.ClassifyLocked(image, classes, mode);
  if (!r.ok()) return r.status();
  Inspection out;
  if (im.info.preprocessing == Preprocessing::kAipp) {  // the frame AIPP read (its output stays inside the runtime)
    const uint8_t* frame = static_cast<const uint8_t*>(im.aippSource->copyData());
    out.input.assign(frame, frame + im.aippSource->imageBytes());
  } else {
    // Classify left the pre-processed input where the run read it: the host buffer in copy mode, else the tensor.
    const uint8_t* in =
        mode == IoMode::kCopy ? im.hostInput.data() : static_cast<const uint8_t*>(im.ActiveInput().data);
    out.input.assign(in, in + im.inputs[0].info.byteSize);
  }
  out.probabilities.assign(classes, 0.0f);
  for (const Prediction& p : r.value().top) {
    if (p.index < classes) out.probabilities[p.index] = p.score;
  }
  return out;
}

Status InferenceSession::SetInput(const ImageView& image) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  Impl& im = *impl_;
  if (im.released) return im.ReleasedStatus("set_input");
  const size_t slot = im.pre.OutputBytes();
  Status s = im.pre.Run(image, im.hostInput.data(), slot);
  if (!s.ok()) return s;
  for (size_t at = slot; at < im.hostInput.size(); at += slot)
    std::memcpy(im.hostInput.data() + at, im.hostInput.data(), slot);
  std::memcpy(im.ActiveInput().data, im.hostInput.data(), im.hostInput.size());
  return Status::Ok();
}

Result<StageTimings> InferenceSession::Run(IoMode mode) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  Impl& im = *impl_;
  if (im.released) return im.ReleasedStatus("run");
  const auto start = Clock::now();
  StageTimings t;
  if (mode == IoMode::kCopy) im.CopyIn(&t);
  Status s = im.RunLocked(im.ActiveInput().tensor.get(), mode, &t);
  if (!s.ok()) return s;
  t.totalMs = MsSince(start);
  return t;
}

Status InferenceSession::AttachInputFd(int fd, size_t size) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  Impl& im = *impl_;
  if (im.released) return im.ReleasedStatus("tensor.attach_fd");
  if (fd < 0) return Status("tensor.attach_fd", code::kInvalidArgument, "fd " + std::to_string(fd) + " is not valid");
  const size_t needed = im.inputs[0].info.byteSize;
  if (size < needed) {
    return Status(
        "tensor.attach_fd", code::kOutOfRange,
        "fd size " + std::to_string(size) + " is smaller than the input's " + std::to_string(needed) + " bytes");
  }
  im.externalInput.tensor.reset();
  NnrtGuard guard(NnrtCallLock());
  TensorDescHandle desc(OH_NNExecutor_CreateInputTensorDesc(im.executor.get(), 0));
  if (!desc) return NnNullStatus("tensor.attach_fd", "OH_NNExecutor_CreateInputTensorDesc");
  IoTensor io;
  Status s = DescribeTensor(desc.get(), &io.info);
  if (s.ok()) s = im.SetBatchDim(desc.get(), &io.info);
  if (!s.ok()) return s;
  io.info = im.inputs[0].info;
  io.tensor = TensorHandle(OH_NNTensor_CreateWithFd(im.deviceId, desc.get(), fd, size, 0));
  if (!io.tensor) return NnNullStatus("tensor.attach_fd", "OH_NNTensor_CreateWithFd");
  io.data = OH_NNTensor_GetDataBuffer(io.tensor.get());
  io.size = size;
  if (io.data == nullptr) return NnStatus("tensor.attach_fd", OH_NN_MEMORY_ERROR, "fd tensor has no data buffer");
  im.externalInput = std::move(io);
  return Status::Ok();
}

void InferenceSession::DetachInputFd() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->externalInput.tensor.reset();
}

Result<int> InferenceSession::InputFd() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  const Impl& im = *impl_;
  if (im.released) return im.ReleasedStatus("tensor.fd");
  NnrtGuard guard(NnrtCallLock());
  int fd = -1;
  OH_NN_ReturnCode rc = OH_NNTensor_GetFd(im.inputs[0].tensor.get(), &fd);
  if (rc != OH_NN_SUCCESS) return NnStatus("tensor.fd", rc, "OH_NNTensor_GetFd failed");
  return fd;
}

Result<SessionInfo> InferenceSession::Info() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  const Impl& im = *impl_;
  if (im.released) return im.ReleasedStatus("info");
  SessionInfo info = im.info;
  info.externalInput = static_cast<bool>(im.externalInput.tensor);
  return info;
}

void InferenceSession::Release() {
  if (!impl_) return;
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (!impl_->released) impl_->ReleaseLocked();
}

bool InferenceSession::released() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->released;
}

}  // namespace npulens
