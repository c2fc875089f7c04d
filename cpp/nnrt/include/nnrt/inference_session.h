// InferenceSession: one loaded model on one NN device, the NNRt flow:
//   model bytes (owned, alive until the compilation is destroyed) → device choice (a CANN .om only on HIAI_F)
//   → [compatibility check] → ConstructWithOfflineModelBuffer → SetDevice(selected by name) → options → Build
//   (when Build fails with optional options set: again without them, then adding each back) → Executor Construct
//   → destroy compilation → query input/output descs, check them against the manifest specs
//   → create input/output tensors once → per call: pre-process into the input tensor, RunSync, post-process
//   reading the output tensor in place.
// Pre-processing runs on the CPU (core's Preprocessor) or, for a target converted with dynamic AIPP, on the NPU's
// AIPP unit: the raw frame goes into an AIPP input tensor (HMS_HiAITensor_GetSizeWithImageFormat +
// OH_NNTensor_CreateWithSize, or the caller's fd wrapped with OH_NNTensor_CreateWithFd) with HiAI_AippParam set from
// the InputSpec: centre crop (even offsets and sizes for YUV), YUV→RGB/BGR with the JPEG colour space (full-range
// BT.601, the camera's), R/B and A/X swaps for RGBA/BGRA, resize to the model size, DTC mean/min/var_reci from mean and
// std. Tensor and params are made once per source (format, width, height) and again only when it changes.
// Every NNRt call goes through one process-wide lock (NN Core APIs are not thread-safe); each session also
// serializes its own calls, so a session may be shared between threads.
// Errors name the step ("compile.build", "run.sync", …) and the NNRt code name; on the host build they also
// carry the host runtime's last error message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/manifest.h"
#include "core/postprocess.h"
#include "core/preprocess.h"
#include "core/status.h"
#include "nnrt/compile_options.h"
#include "nnrt/device_selector.h"

namespace npulens {

// kZeroCopy: pre-processing writes into the input tensor's shared memory, outputs are read in place.
// kCopy: pre-processing writes into a host buffer that is memcpy'd into the tensor; outputs are memcpy'd out
// first (kept to measure what zero-copy saves).
// In zero-copy mode the outputs are read from tensors over fd-backed device memory of the size the CANN Kit guide
// recommends, ((size + 255) / 4096 + 1) × 4096 bytes, wrapped with OH_NNTensor_CreateWithFd.
enum class IoMode { kZeroCopy, kCopy };
const char* IoModeName(IoMode mode);  // "zero-copy" | "copy"

// Who pre-processes: kAuto resolves at load to kAipp when the target declares dynamic AIPP (SessionConfig::aipp),
// else to kCpu; kAipp on a target without dynamic AIPP fails the load (step "session.config").
enum class Preprocessing { kAuto, kCpu, kAipp };
const char* PreprocessingName(Preprocessing preprocessing);  // "auto" | "cpu" | "aipp"

struct SessionConfig {
  std::string modelId;
  Precision precision = Precision::kFp32;
  InputSpec input;  // already merged for the target being loaded
  OutputSpec output;
  AippSpec aipp;  // the target's (ModelTarget::aipp)
  Preprocessing preprocessing = Preprocessing::kAuto;
  std::vector<std::string> labels;  // empty or exactly output.classes entries
  DevicePolicy devicePolicy = DevicePolicy::kAuto;
  CompileOptions options;
  // The target's batch sizes (ModelTarget::batchSizes: its dynamic-batch gears) and the one to run, one of them
  // (NPULENS_OUT_OF_RANGE at "session.config" otherwise). A model reporting its batch dim as -1 (an .om converted
  // with omg --dynamic_dims) gets its tensors made for batchSize: the device picks the gear from the input's shape.
  std::vector<int> batchSizes{1};
  int batchSize = 1;
  // Each Classification carries `output` (the output tensor as float32).
  bool returnOutput = false;
  double loadMs = 0;  // time the caller spent reading the model bytes (reported in info)
};

struct TensorInfo {
  std::string name;
  std::vector<int32_t> shape;
  int dataType = 0;        // OH_NN_DataType value
  std::string dtypeName;   // "float32", "int8", … or "OH_NN_<n>" for types NpuLens does not use
  std::string formatName;  // "NONE" | "NCHW" | "NHWC" | "ND"
  size_t byteSize = 0;
};

struct SessionInfo {
  std::string modelId;
  Precision precision = Precision::kFp32;
  std::vector<TensorInfo> inputs, outputs;
  DeviceDecision device;
  std::vector<OptionReport> options;
  std::string compatibility;  // "compatible" | "incompatible" | "not checked"
  double loadMs = 0;
  double compileMs = 0;        // construct → build → executor → tensors
  bool externalInput = false;  // an fd-borrowing input tensor is attached
  // Worker threads the runtime runs the model on; 0: the runtime does not say (NNRt devices on the phone).
  int threads = 0;
  // The labels loaded: empty or exactly output.classes entries.
  std::vector<std::string> labels;
  OutputKind outputKind = OutputKind::kLogits;
  Preprocessing preprocessing = Preprocessing::kCpu;  // resolved: kCpu or kAipp
  std::string preprocessingReason;                    // why, e.g. "auto: the target declares dynamic AIPP (…)"
  AippSpec aipp;                                      // the target's
  bool fdOutputs = false;          // zero-copy runs write the outputs into fd-backed device memory (CreateWithFd)
  std::vector<int> batchSizes{1};  // SessionConfig's
  int batchSize = 1;               // images per inference
};

struct StageTimings {
  // CPU pre-processing; on the AIPP path 0, or the crop and resize to RGB888 when AIPP cannot take the frame (AippFeed)
  double preprocessMs = 0;
  // AIPP path: copying the frame into the AIPP input tensor; 0 when the frame's fd was wrapped (ClassifyFd).
  double frameCopyMs = 0;
  // Bytes the CPU read or wrote before inference: the pixels pre-processing read plus the tensor bytes it wrote, a
  // frame copy's bytes read and written, copy mode's memcpy into the tensor (read and written), an fd's bytes read.
  // 0 when AIPP takes the caller's fd as is. (On the host, the AIPP emulation runs inside inferenceMs.)
  size_t cpuBytesIn = 0;
  double copyInMs = 0;  // copy mode only
  double inferenceMs = 0;
  double copyOutMs = 0;  // copy mode only
  double postprocessMs = 0;
  double totalMs = 0;
};

struct Prediction {
  int rank = 0;
  size_t index = 0;
  std::string label;  // "" when the model has no labels
  float score = 0;
};

// What went into the AIPP input (AIPP path only). kFrame: the frame itself (copied or its fd wrapped). kCpuResized:
// AIPP could not take the frame as it is (over aipp.maxSrcImageSize, a side outside 16..4096, a resize over 16x per
// axis, or a format aipp.formats does not list) and the target lists RGB: the CPU cropped and resized it to the model
// size as RGB888 uint8 (core's Preprocessor with the spec's crop, identity normalisation) into the AIPP input, and
// AIPP did only the data-type conversion - what a dynamic-AIPP model, which takes only raw images, needs on the phone.
enum class AippFeed { kNone, kFrame, kCpuResized };
const char* AippFeedName(AippFeed feed);  // "none" | "frame" | "cpu-resized"

struct Classification {
  std::vector<Prediction> top;
  StageTimings timings;
  AippFeed aippFeed = AippFeed::kNone;  // kNone on the CPU path
  std::string aippFeedReason;           // kCpuResized: why AIPP could not take the frame (its aipp.config refusal)
  // SessionConfig::returnOutput: output 0 dequantized to float32, classes values.
  std::vector<float> output;
};

// What a classification fed the model and what came out, for comparing the engine with another runtime.
struct Inspection {
  std::vector<uint8_t> input;        // the input tensor's bytes after pre-processing
  std::vector<float> probabilities;  // every class's score, by class index
};

class InferenceSession {
 public:
  // Takes ownership of the model bytes. Errors: steps "session.config", "compile.construct",
  // "device.enumerate", "device.select", "compile.compatibility", "compile.set_device",
  // "compile.options.<option>", "compile.build", "executor.construct", "executor.io", "tensor.desc",
  // "tensor.create", "model.check" (tensors vs manifest).
  static Result<std::unique_ptr<InferenceSession>> Load(std::vector<uint8_t> modelBytes, SessionConfig config);

  ~InferenceSession();
  InferenceSession(const InferenceSession&) = delete;
  InferenceSession& operator=(const InferenceSession&) = delete;

  // Pre-process → run → post-process. topK in [1, classes] (NPULENS_OUT_OF_RANGE otherwise). On the AIPP path the
  // frame is copied once into the AIPP input tensor (packed rows). AIPP errors: steps "aipp.config" (a format the
  // target does not list, a source over its maxSrcImageSize, a parameter the runtime refuses), "aipp.tensor".
  Result<Classification> Classify(const ImageView& image, size_t topK, IoMode mode = IoMode::kZeroCopy);

  // Classifies 1..batchSize images in ONE inference on the CPU pre-processing path: image i goes to slot i of the
  // input, slots after the last image are zeroed and their outputs dropped. Results in input order, each with the
  // batch's timings. Errors as Classify (an image's pre-processing error names its index), plus "classify.batch":
  // NPULENS_OUT_OF_RANGE for 0 or more than batchSize images. On the AIPP path (batchSize 1) one image is Classify.
  Result<std::vector<Classification>> ClassifyBatch(const std::vector<ImageView>& images, size_t topK,
                                                    IoMode mode = IoMode::kZeroCopy);

  // A frame already in fd-backed memory (byteLength bytes at offset; layout describes it, layout.data unused). AIPP
  // path: the fd is wrapped with OH_NNTensor_CreateWithFd for this call only (borrowed, never closed) and no CPU
  // touches the frame; a row stride with padding becomes the AIPP source width and is cropped away. When the offset
  // is not 0 (CreateWithFd's offset semantics are unsettled on the device) or the stride is not a whole number of
  // pixels, the frame is read into the AIPP tensor once instead (reported as a frame copy). CPU path: read once with
  // pread, then pre-processed. Errors as Classify, plus "classify.fd" (a bad fd, a short read).
  Result<Classification> ClassifyFd(int fd, size_t offset, size_t byteLength, const ImageView& layout, size_t topK,
                                    IoMode mode = IoMode::kZeroCopy);

  // Classify over every class, keeping the pre-processed input tensor bytes and the score of each class.
  Result<Inspection> Inspect(const ImageView& image, IoMode mode = IoMode::kZeroCopy);

  // Pre-processes an image into every slot of the input (tensor, and the host buffer for copy mode) without running.
  Status SetInput(const ImageView& image);

  // One inference over the current input contents, the whole batch (for benchmarks). In copy mode includes memcpy in
  // and out. After RunSync the output's shape is read back (OH_NNExecutor_GetOutputShape) and must hold batchSize x
  // classes values ("run.output_shape", NPULENS_MODEL_MISMATCH otherwise; a runtime that does not answer the query
  // is not held to it).
  Result<StageTimings> Run(IoMode mode = IoMode::kZeroCopy);

  // Wraps an external fd (e.g. an ION / shared-memory buffer holding a pre-processed input) with
  // OH_NNTensor_CreateWithFd(deviceId, desc, fd, size, 0) and uses it as the input until DetachInputFd().
  // The fd stays owned by the caller and must stay open until detached or released. size ≥ input byte size.
  Status AttachInputFd(int fd, size_t size);
  void DetachInputFd();

  // The fd of the session's own input tensor (device shared memory), e.g. to chain it elsewhere.
  Result<int> InputFd() const;

  Result<SessionInfo> Info() const;

  // Destroys tensors then the executor. Later calls fail with NPULENS_RELEASED; calling it again is harmless.
  void Release();
  bool released() const;

 private:
  struct Impl;
  explicit InferenceSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace npulens
