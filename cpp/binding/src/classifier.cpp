#include "classifier.h"

#include <algorithm>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>

#include "addon.h"
#include "benchmark_worker.h"
#include "core/file_io.h"
#include "core/limits.h"
#include "core/preprocess.h"
#include "js_util.h"

namespace npulens::binding {

namespace {

Status Released(const std::string& step) { return Status(step, code::kReleased, "the classifier was released"); }

// The arguments that describe an image: width, height, format, stride? (classify's, or a BatchImage's fields).
struct ImageArgs {
  Napi::Value width, height, format, stride;
};

ImageArgs ImageArgsAt(const Napi::CallbackInfo& info, size_t first) {
  return {info[first], info[first + 1], info[first + 2], info[first + 3]};
}

// `args` over `bytes`; then the core's image checks. `prefix` names the fields in errors (classifyBatch's
// "images[1]." ; "" for classify).
Status ParseImage(const ImageArgs& args, const std::string& step, const uint8_t* data, size_t byteLength,
                  ImageView* image, const std::string& prefix = "") {
  if (byteLength == 0) return TypeMismatch(step, prefix + "pixels is empty (0 bytes)");
  int64_t width = 0, height = 0;
  Status st = ToInteger(args.width, step, prefix + "width", 0, INT32_MAX, &width);
  if (!st.ok()) return st;
  st = ToInteger(args.height, step, prefix + "height", 0, INT32_MAX, &height);
  if (!st.ok()) return st;
  PixelFormat format = PixelFormat::kRGBA8;
  st = ToEnum<PixelFormat>(args.format, step, prefix + "format",
                           {{"RGBA", PixelFormat::kRGBA8},
                            {"BGRA", PixelFormat::kBGRA8},
                            {"RGB", PixelFormat::kRGB8},
                            {"NV21", PixelFormat::kNV21},
                            {"NV12", PixelFormat::kNV12}},
                           &format);
  if (!st.ok()) return st;
  int64_t stride = static_cast<int64_t>(RowBytes(format, static_cast<int>(width)));
  if (!IsAbsent(args.stride)) {
    st = ToInteger(args.stride, step, prefix + "stride", 0, INT32_MAX, &stride);
    if (!st.ok()) return st;
  }
  image->data = data;
  image->byteLength = byteLength;
  image->width = static_cast<int>(width);
  image->height = static_cast<int>(height);
  image->rowStride = static_cast<size_t>(stride);
  image->format = format;
  st = ValidateImage(*image);
  // Keep the caller's function as the step; the core names the field.
  return st.ok() ? st : Status(step, st.code(), prefix + st.message());
}

Status ParseTopK(const Napi::Value& value, const std::string& step, int classes, size_t* topK) {
  *topK = std::min(static_cast<size_t>(kTopKDefault), static_cast<size_t>(std::max(classes, 1)));
  if (IsAbsent(value)) return Status::Ok();
  int64_t k = 0;
  Status st = ToInteger(value, step, "topK", 1, classes, &k);
  if (!st.ok()) return st;
  *topK = static_cast<size_t>(k);
  return Status::Ok();
}

// rotation: clockwise degrees that turn the frame upright, 0 | 90 | 180 | 270 (default 0).
Status ParseRotation(const Napi::Value& value, const std::string& step, int* rotation) {
  *rotation = 0;
  if (IsAbsent(value)) return Status::Ok();
  if (!value.IsNumber()) return TypeMismatch(step, "rotation must be a number");
  const double d = value.As<Napi::Number>().DoubleValue();
  if (d != 0 && d != 90 && d != 180 && d != 270) {
    return OutOfRange(step, "rotation must be 0, 90, 180 or 270 (clockwise degrees), got " +
                                Napi::Value(value).ToString().Utf8Value());
  }
  *rotation = static_cast<int>(d);
  return Status::Ok();
}

// The work of one call, done on a worker thread, settled on the JS thread.
class SessionWorker : public Napi::AsyncWorker {
 public:
  SessionWorker(Napi::Env env, const char* name, std::string step, std::shared_ptr<ClassifierState> state,
                Napi::Promise::Deferred deferred)
      : Napi::AsyncWorker(env, name),
        step_(std::move(step)),
        state_(std::move(state)),
        deferred_(std::move(deferred)) {}

  void Execute() final {
    Status st = CatchAll(step_, [this] {
      TestFault(step_.c_str());
      return Run();
    });
    if (!st.ok()) Fail(st);
  }
  void OnOK() final {
    Napi::Env env = Env();
    Status st = CatchAll(step_, [this] { return Complete(); });
    if (env.IsExceptionPending()) env.GetAndClearPendingException();
    if (!st.ok()) Reject(st);
  }
  void OnError(const Napi::Error&) final { Reject(status_); }

 protected:
  // The work, on a worker thread.
  virtual Status Run() = 0;
  // Settles the promise with the result (JS thread); an error status rejects it.
  virtual Status Complete() = 0;

  void Settle(Napi::Value value) {
    if (settled_) return;
    settled_ = true;
    deferred_.Resolve(value);
    state_->queue.Finished();
  }

  const std::string step_;
  std::shared_ptr<ClassifierState> state_;

 private:
  void Fail(const Status& status) {
    status_ = status;
    SetError(status.ToString());
  }
  void Reject(const Status& status) {
    if (settled_) return;
    settled_ = true;
    deferred_.Reject(ToJsError(Env(), status).Value());
    state_->queue.Finished();
  }

  Napi::Promise::Deferred deferred_;
  Status status_;
  bool settled_ = false;
};

// classify / classifyFd / inspect. The pixels are copied into native memory during the call: a JS buffer can be
// detached (transferred, then collected) or resized while the job waits, and a reference to the JS object does not
// keep its memory; classifyFd reads the fd with pread (a mapping of a file that someone truncates raises SIGBUS),
// except on the AIPP path over an fd that cannot shrink (CannotShrink), which the runtime maps as it is: the request
// then holds a duplicate of it (`frameFd`; the caller may close theirs) and `image` is the layout only.
struct ClassifyRequest {
  std::string step;  // "classify", "classifyFd", "inspect"
  ImageView image;   // over `pixels`; data unused with frameFd
  size_t topK = 1;
  IoMode mode = IoMode::kZeroCopy;
  std::unique_ptr<uint8_t[]> pixels;
  // Bytes the CPU read or wrote making `pixels` (added to the engine's cpuBytesIn, counted as the engine counts):
  // a memcpy out of a JS buffer reads and writes each byte, a pread reads each.
  size_t cpuBytes = 0;
  UniqueFd frameFd;  // the borrowed frame's duplicate fd, or -1
  size_t frameOffset = 0;
};

class ClassifyWorker : public SessionWorker {
 public:
  ClassifyWorker(Napi::Env env, std::shared_ptr<ClassifierState> state, Napi::Promise::Deferred deferred,
                 std::shared_ptr<ClassifyRequest> request)
      : SessionWorker(env, "npulens.classify", request->step, std::move(state), std::move(deferred)),
        request_(std::move(request)) {}

 private:
  Status Run() override {
    const ClassifyRequest& q = *request_;
    Result<Classification> r =
        q.frameFd.get() >= 0
            ? state_->session->ClassifyFd(q.frameFd.get(), q.frameOffset, q.image.byteLength, q.image, q.topK, q.mode)
            : state_->session->Classify(q.image, q.topK, q.mode);
    if (!r.ok()) return r.status();
    result_ = std::move(r).value();
    return Status::Ok();
  }
  Status Complete() override {
    Settle(ClassificationToJs(Env(), result_, state_->deviceName, request_->mode, request_->cpuBytes));
    return Status::Ok();
  }

  std::shared_ptr<ClassifyRequest> request_;
  Classification result_;
};

// classifyBatch: the images' pixels copied now (each as classify's), classified in one inference.
struct BatchRequest {
  std::vector<ClassifyRequest> images;
  size_t topK = 1;
  IoMode mode = IoMode::kZeroCopy;
};

class BatchWorker : public SessionWorker {
 public:
  BatchWorker(Napi::Env env, std::shared_ptr<ClassifierState> state, Napi::Promise::Deferred deferred,
              std::shared_ptr<BatchRequest> request)
      : SessionWorker(env, "npulens.classifyBatch", "classifyBatch", std::move(state), std::move(deferred)),
        request_(std::move(request)) {}

 private:
  Status Run() override {
    std::vector<ImageView> images;
    for (const ClassifyRequest& q : request_->images) images.push_back(q.image);
    Result<std::vector<Classification>> r = state_->session->ClassifyBatch(images, request_->topK, request_->mode);
    if (!r.ok()) return r.status();
    results_ = std::move(r).value();
    return Status::Ok();
  }
  Status Complete() override {
    Napi::Env env = Env();
    Napi::Array out = Napi::Array::New(env, results_.size());
    for (size_t i = 0; i < results_.size(); ++i) {
      out.Set(static_cast<uint32_t>(i),
              ClassificationToJs(env, results_[i], state_->deviceName, request_->mode, request_->images[i].cpuBytes));
    }
    Settle(out);
    return Status::Ok();
  }

  std::shared_ptr<BatchRequest> request_;
  std::vector<Classification> results_;
};

class InspectWorker : public SessionWorker {
 public:
  InspectWorker(Napi::Env env, std::shared_ptr<ClassifierState> state, Napi::Promise::Deferred deferred,
                std::shared_ptr<ClassifyRequest> request)
      : SessionWorker(env, "npulens.inspect", request->step, std::move(state), std::move(deferred)),
        request_(std::move(request)) {}

 private:
  Status Run() override {
    Result<Inspection> r = state_->session->Inspect(request_->image, request_->mode);
    if (!r.ok()) return r.status();
    inspection_ = std::move(r.value());
    return Status::Ok();
  }
  Status Complete() override {
    Napi::Env env = Env();
    Napi::Object o = Napi::Object::New(env);
    Napi::Value input;
    Status st = NewArrayBufferCopy(env, inspection_.input.data(), inspection_.input.size(), "inspect", &input);
    if (!st.ok()) return st;
    o.Set("input", input);
    Napi::Array shape = Napi::Array::New(env, state_->inputShape.size());
    for (size_t i = 0; i < state_->inputShape.size(); ++i) {
      shape.Set(static_cast<uint32_t>(i), Napi::Number::New(env, state_->inputShape[i]));
    }
    o.Set("inputShape", shape);
    o.Set("inputDType", state_->inputDType);
    Napi::Value probabilities;
    st = NewFloat32ArrayCopy(env, inspection_.probabilities, "inspect", &probabilities);
    if (!st.ok()) return st;
    o.Set("probabilities", probabilities);
    Settle(o);
    return Status::Ok();
  }

  std::shared_ptr<ClassifyRequest> request_;
  Inspection inspection_;
};

// Makes `request->image` (validated by ParseImage over the caller's bytes) a copy in native memory with its rows
// packed (stride = RowBytes): at most kImageSideMax² x 4 bytes whatever the caller's stride.
// `readRow(y, dst, n)` copies the n used bytes of row y (of RowCount rows: an NV21/NV12 frame's Y rows, then its
// chroma rows). An allocation failure is an error naming the size.
template <typename ReadRow>
Status CopyRows(const std::string& step, ClassifyRequest* request, ReadRow&& readRow) {
  ImageView& image = request->image;
  const size_t rowBytes = RowBytes(image.format, image.width);
  const int rows = static_cast<int>(RowCount(image.format, image.height));  // ≤ kImageSideMax × 3/2
  const size_t size = rowBytes * static_cast<size_t>(rows);
  request->pixels.reset(new (std::nothrow) uint8_t[size]);
  if (!request->pixels) {
    return Status(step, code::kInternal, "out of memory for a copy of " + std::to_string(size) + " bytes of pixels");
  }
  for (int y = 0; y < rows; ++y) {
    Status st = readRow(y, request->pixels.get() + rowBytes * static_cast<size_t>(y), rowBytes);
    if (!st.ok()) return st;
  }
  image.data = request->pixels.get();
  image.byteLength = size;
  image.rowStride = rowBytes;
  return Status::Ok();
}

// pixels and `args` for classify/inspect/classifyBatch, copied now (see ClassifyRequest).
Status ReadPixels(Napi::Env env, const Napi::Value& pixels, const ImageArgs& args, ClassifyRequest* request,
                  const std::string& prefix = "") {
  ByteView bytes;
  Status st = ReadBytes(env, pixels, request->step, prefix + "pixels", &bytes);
  if (st.ok()) st = ParseImage(args, request->step, bytes.data, bytes.byteLength, &request->image, prefix);
  if (!st.ok()) return st;
  const size_t stride = request->image.rowStride;
  st = CopyRows(request->step, request, [&](int y, uint8_t* dst, size_t n) {
    std::memcpy(dst, bytes.data + stride * static_cast<size_t>(y), n);
    return Status::Ok();
  });
  request->cpuBytes = 2 * request->image.byteLength;
  return st;
}

// (pixels, width, height, format, stride?) for classify/inspect.
Status ReadPixelArguments(const Napi::CallbackInfo& info, ClassifyRequest* request) {
  return ReadPixels(info.Env(), info[0], ImageArgsAt(info, 1), request);
}

const char* FileKind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "of an unknown kind";
}

// Device memory (a dma-buf, e.g. the fd of an OH_NativeBuffer's BufferHandle) is its own file system:
// DMA_BUF_MAGIC of linux/magic.h, a kernel header the SDK does not ship.
constexpr unsigned long kDmaBufMagic = 0x444d4142;

// Whether nobody can shrink `fd` under a mapping: a memfd sealed with F_SEAL_SHRINK, or device memory (a dma-buf's
// size is fixed when it is allocated). Only such an fd is handed to the runtime to map (OH_NNTensor_CreateWithFd):
// a mapped file that someone truncates raises SIGBUS on the next read, which would kill the process.
bool CannotShrink(int fd) {
  const int seals = fcntl(fd, F_GET_SEALS);
  if (seals >= 0 && (seals & F_SEAL_SHRINK) != 0) return true;
  struct statfs fs {};
  return fstatfs(fd, &fs) == 0 && static_cast<unsigned long>(fs.f_type) == kDmaBufMagic;
}

// classifyFd's pixels: bytes [offset, offset + length) of `fd`. On the AIPP path (`wrap`) an fd that cannot shrink
// is borrowed as it is (a duplicate the request owns: the caller may close theirs), no byte read here. Otherwise
// read now with pread into native memory, only the rows' used bytes (a huge stride over a sparse file reads no more
// than the image). Only regular files (memfds are regular files) are read: a FIFO, socket or device could block the
// JS thread or never end. A file shorter than the range (also one that someone truncates during the read) is an
// NPULENS_IO error. `info[first..]`: width, height, format, stride?, checked against `length` before anything is
// read.
Status ReadFdPixels(const Napi::CallbackInfo& info, size_t first, int fd, size_t offset, size_t length, bool wrap,
                    ClassifyRequest* request) {
  const std::string step = "fd.read";
  const std::string name = "fd " + std::to_string(fd);
  struct stat st {};
  if (fstat(fd, &st) != 0) return Status(step, code::kIo, name + ": " + std::strerror(errno));
  const bool borrow = wrap && CannotShrink(fd);
  if (!S_ISREG(st.st_mode) && !borrow) {
    return Status(step, code::kIo, name + " is not a regular file or memfd (" + FileKind(st.st_mode) + ")");
  }
  const unsigned long long end = static_cast<unsigned long long>(offset) + length;
  if (static_cast<unsigned long long>(st.st_size) < end) {
    return Status(step, code::kIo,
                  name + " holds " + std::to_string(st.st_size) +
                      " bytes, fewer than offset + byteLength = " + std::to_string(end));
  }
  // The geometry is checked against `length` before reading: ParseImage needs a buffer address, not its bytes.
  static const uint8_t kNotReadYet = 0;
  Status status = ParseImage(ImageArgsAt(info, first), request->step, &kNotReadYet, length, &request->image);
  if (!status.ok()) return status;
  if (borrow) {
    request->frameFd = UniqueFd(fcntl(fd, F_DUPFD_CLOEXEC, 0));
    if (request->frameFd.get() < 0) return Status(step, code::kIo, name + ": dup: " + std::strerror(errno));
    request->frameOffset = offset;
    request->image.data = nullptr;  // the runtime reads the fd
    return Status::Ok();
  }
  const size_t stride = request->image.rowStride;
  request->cpuBytes =
      RowBytes(request->image.format, request->image.width) * RowCount(request->image.format, request->image.height);
  return CopyRows(step, request, [&](int y, uint8_t* dst, size_t n) {
    const size_t rowOffset = offset + stride * static_cast<size_t>(y);
    size_t done = 0;
    while (done < n) {
      const ssize_t got = pread(fd, dst + done, n - done, static_cast<off_t>(rowOffset + done));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return Status(step, code::kIo, name + ": " + std::strerror(errno));
      if (got == 0) {
        return Status(step, code::kIo,
                      name + " ends at byte " + std::to_string(rowOffset + done) + ", inside row " + std::to_string(y) +
                          " of the image at offset " + std::to_string(offset) + " (it got shorter)");
      }
      done += static_cast<size_t>(got);
    }
    return Status::Ok();
  });
}

// Queues a job on the classifier: its worker is created and started when the jobs before it are done (one
// NNRt call at a time per classifier); a job dropped from the queue (release) rejects its promise.
template <class Worker, class Request>
Napi::Value Enqueue(Napi::Env env, std::shared_ptr<ClassifierState> state, std::shared_ptr<Request> request) {
  Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
  state->queue.Push({[env, state, deferred, request] { (new Worker(env, state, deferred, request))->Queue(); },
                     [env, deferred](const Status& s) { deferred.Reject(ToJsError(env, s).Value()); }});
  return deferred.Promise();
}

}  // namespace

// ---- ClassifierState ------------------------------------------------------------------------------------------

namespace {
std::atomic<size_t> liveStates{0};
}  // namespace

ClassifierState::ClassifierState() { ++liveStates; }
ClassifierState::~ClassifierState() { --liveStates; }
size_t ClassifierState::LiveCount() { return liveStates; }

// ---- the Classifier class -------------------------------------------------------------------------------------

namespace {

// What a JS Classifier wraps: its state until release(), then nothing.
struct ClassifierHandle {
  std::shared_ptr<ClassifierState> state;
};

void FinalizeHandle(napi_env /*env*/, void* data, void* /*hint*/) { delete static_cast<ClassifierHandle*>(data); }

// The state NewInstance hands to the constructor it calls; null when JS calls the constructor itself.
thread_local std::shared_ptr<ClassifierState>* constructing = nullptr;

// Marks the objects Construct wraps: a method called on an object wrapped by another addon (napi_unwrap would
// hand out that addon's pointer) is refused by its missing tag.
constexpr napi_type_tag kClassifierTag = {0x6e70756c656e7331ULL, 0x436c617373696672ULL};

napi_value ConstructClassifier(napi_env env, napi_callback_info cbinfo);

napi_value Construct(napi_env env, napi_callback_info cbinfo) {
  Napi::Env e(env);
  Napi::Value self =
      GuardEntry(e, "Classifier", false, [&] { return Napi::Value(e, ConstructClassifier(env, cbinfo)); });
  return self.IsEmpty() || e.IsExceptionPending() ? nullptr : static_cast<napi_value>(self);
}

// Only NewInstance makes Classifiers. Everything that can fail happens before napi_wrap, the last step: a
// constructor that throws has wrapped nothing, so nothing can be freed twice.
napi_value ConstructClassifier(napi_env env, napi_callback_info cbinfo) {
  Napi::CallbackInfo info(env, cbinfo);
  if (constructing == nullptr || info.NewTarget().IsEmpty()) {
    ToJsError(env, TypeMismatch("Classifier", "use loadClassifier() to create a Classifier"))
        .ThrowAsJavaScriptException();
    return nullptr;
  }
  auto handle = std::make_unique<ClassifierHandle>(ClassifierHandle{std::move(*constructing)});
  constructing = nullptr;
  Result<SessionInfo> sessionInfo = handle->state->session->Info();
  if (!sessionInfo.ok()) {
    ToJsError(env, sessionInfo.status()).ThrowAsJavaScriptException();
    return nullptr;
  }
  // `info` is plain JS data on the object: it stays readable after release() without holding native state.
  napi_value infoObject = ModelInfoToJs(env, sessionInfo.value(), handle->state->meta);
  napi_property_descriptor infoProperty = {"info",  nullptr,    nullptr,         nullptr,
                                           nullptr, infoObject, napi_enumerable, nullptr};
  napi_value self = info.This();
  if (napi_define_properties(env, self, 1, &infoProperty) != napi_ok) return nullptr;
  if (napi_type_tag_object(env, self, &kClassifierTag) != napi_ok) {
    if (!Napi::Env(env).IsExceptionPending()) {
      ToJsError(env, Status("Classifier", code::kInternal, "napi_type_tag_object failed")).ThrowAsJavaScriptException();
    }
    return nullptr;
  }
  // No wrap reference (result NULL): on OHOS it would be strong and the object never collected.
  if (napi_wrap(env, self, handle.get(), FinalizeHandle, nullptr, nullptr) != napi_ok) {
    if (!Napi::Env(env).IsExceptionPending()) {
      ToJsError(env, Status("Classifier", code::kInternal, "napi_wrap failed")).ThrowAsJavaScriptException();
    }
    return nullptr;
  }
  handle.release();  // owned by the JS object now (FinalizeHandle)
  return self;
}

// The handle of a method's `this`, or null when it is not a Classifier made by loadClassifier(). The methods carry
// no receiver check on either engine (OHOS has none; on Node they are defined without one, see DefineClass), and
// OHOS's napi_unwrap answers napi_ok and NULL for an object that is not wrapped.
ClassifierHandle* HandleOf(const Napi::CallbackInfo& info) {
  bool tagged = false;
  if (napi_check_object_type_tag(info.Env(), info.This(), &kClassifierTag, &tagged) != napi_ok || !tagged) {
    if (info.Env().IsExceptionPending()) info.Env().GetAndClearPendingException();
    return nullptr;
  }
  void* data = nullptr;
  if (napi_unwrap(info.Env(), info.This(), &data) != napi_ok) return nullptr;
  return static_cast<ClassifierHandle*>(data);
}

// NPULENS_RELEASED after release(), a TypeError for an object not made by loadClassifier().
Status CheckUsable(const ClassifierHandle* handle, const std::string& step) {
  if (handle == nullptr) return TypeMismatch(step, "not a Classifier made by loadClassifier()");
  if (!handle->state) return Released(step);
  return Status::Ok();
}

using Method = Napi::Value (*)(const Napi::CallbackInfo& info, ClassifierHandle* handle);

// A method's N-API callback: `step` names it in the error of an exception; promise-returning methods reject.
template <Method method, const char* step, bool returnsPromise>
napi_value Call(napi_env env, napi_callback_info cbinfo) {
  Napi::CallbackInfo info(env, cbinfo);
  return GuardEntry(info.Env(), step, returnsPromise, [&] { return method(info, HandleOf(info)); });
}

Napi::Value Classify(const Napi::CallbackInfo& info, ClassifierHandle* handle) {
  Napi::Env env = info.Env();
  const std::string step = "classify";
  Status st = CheckUsable(handle, step);
  if (!st.ok()) return RejectedPromise(env, st);
  const std::shared_ptr<ClassifierState>& state = handle->state;
  auto request = std::make_shared<ClassifyRequest>();
  request->step = step;
  st = ReadPixelArguments(info, request.get());
  if (st.ok()) st = ParseTopK(info[5], step, state->meta.classes, &request->topK);
  if (st.ok()) st = ParseRotation(info[6], step, &request->image.rotation);
  if (!st.ok()) return RejectedPromise(env, st);
  request->mode = state->meta.ioMode;

  return Enqueue<ClassifyWorker>(env, state, std::move(request));
}

Napi::Value ClassifyBatch(const Napi::CallbackInfo& info, ClassifierHandle* handle) {
  Napi::Env env = info.Env();
  const std::string step = "classifyBatch";
  Status st = CheckUsable(handle, step);
  if (!st.ok()) return RejectedPromise(env, st);
  const std::shared_ptr<ClassifierState>& state = handle->state;
  if (!info[0].IsArray()) return RejectedPromise(env, TypeMismatch(step, "images must be an array of BatchImage"));
  Napi::Array images = info[0].As<Napi::Array>();
  const uint32_t count = images.Length();
  if (count == 0 || count > static_cast<uint32_t>(state->batchSize)) {
    return RejectedPromise(env, OutOfRange(step, "images must hold 1 to " + std::to_string(state->batchSize) +
                                                     " images (info.batchSize), got " + std::to_string(count)));
  }
  auto request = std::make_shared<BatchRequest>();
  request->images.resize(count);
  for (uint32_t i = 0; i < count; ++i) {
    const std::string prefix = "images[" + std::to_string(i) + "].";
    Napi::Value item = images.Get(i);
    if (!item.IsObject() || item.IsArray()) {
      return RejectedPromise(env, TypeMismatch(step, "images[" + std::to_string(i) + "] must be a BatchImage object"));
    }
    Napi::Object image = item.As<Napi::Object>();
    ClassifyRequest& q = request->images[i];
    q.step = step;
    st = ReadPixels(env, image.Get("pixels"),
                    {image.Get("width"), image.Get("height"), image.Get("format"), image.Get("stride")}, &q, prefix);
    if (st.ok()) st = ParseRotation(image.Get("rotation"), step, &q.image.rotation);
    if (!st.ok()) return RejectedPromise(env, st);
  }
  st = ParseTopK(info[1], step, state->meta.classes, &request->topK);
  if (!st.ok()) return RejectedPromise(env, st);
  request->mode = state->meta.ioMode;

  return Enqueue<BatchWorker>(env, state, std::move(request));
}

Napi::Value ClassifyFd(const Napi::CallbackInfo& info, ClassifierHandle* handle) {
  Napi::Env env = info.Env();
  const std::string step = "classifyFd";
  Status st = CheckUsable(handle, step);
  if (!st.ok()) return RejectedPromise(env, st);
  const std::shared_ptr<ClassifierState>& state = handle->state;
  int64_t fd = 0, offset = 0, byteLength = 0;
  st = ToInteger(info[0], step, "fd", 0, INT32_MAX, &fd);
  if (st.ok()) st = ToInteger(info[1], step, "offset", 0, INT64_C(1) << 50, &offset);
  if (st.ok()) st = ToInteger(info[2], step, "byteLength", 1, INT64_C(1) << 40, &byteLength);
  if (!st.ok()) return RejectedPromise(env, st);
  const long page = sysconf(_SC_PAGESIZE);
  if (page > 0 && offset % page != 0) {
    return RejectedPromise(env, OutOfRange(step, "offset " + std::to_string(offset) +
                                                     " is not a multiple of the page size " + std::to_string(page)));
  }
  // Read (or, on the AIPP path, duplicated) now: the caller may close the fd once the promise exists.
  auto request = std::make_shared<ClassifyRequest>();
  request->step = step;
  st = ReadFdPixels(info, 3, static_cast<int>(fd), static_cast<size_t>(offset), static_cast<size_t>(byteLength),
                    state->preprocessing == Preprocessing::kAipp, request.get());
  if (!st.ok()) return RejectedPromise(env, st);
  st = ParseTopK(info[7], step, state->meta.classes, &request->topK);
  if (st.ok()) st = ParseRotation(info[8], step, &request->image.rotation);
  if (!st.ok()) return RejectedPromise(env, st);
  request->mode = state->meta.ioMode;

  return Enqueue<ClassifyWorker>(env, state, std::move(request));
}

Napi::Value Inspect(const Napi::CallbackInfo& info, ClassifierHandle* handle) {
  Napi::Env env = info.Env();
  const std::string step = "inspect";
  Status st = CheckUsable(handle, step);
  if (!st.ok()) return RejectedPromise(env, st);
  auto request = std::make_shared<ClassifyRequest>();
  request->step = step;
  st = ReadPixelArguments(info, request.get());
  if (!st.ok()) return RejectedPromise(env, st);
  request->mode = handle->state->meta.ioMode;

  return Enqueue<InspectWorker>(env, handle->state, std::move(request));
}

Napi::Value Benchmark(const Napi::CallbackInfo& info, ClassifierHandle* handle) {
  Napi::Env env = info.Env();
  const std::string step = "benchmark";
  Status st = CheckUsable(handle, step);
  if (!st.ok()) return RejectedPromise(env, st);
  auto request = std::make_shared<BenchmarkRequest>();
  request->mode = handle->state->meta.ioMode;
  st = ParseBenchmarkArguments(info, request.get());
  if (!st.ok()) return RejectedPromise(env, st);
  // A getter or a callback above may have released the classifier.
  st = CheckUsable(handle, step);
  if (!st.ok()) return RejectedPromise(env, st);

  return Enqueue<BenchmarkWorker>(env, handle->state, std::move(request));
}

// Sync: a pure function of the session's input spec (no NNRt call), so it needs no queue. Any number of either sign
// passes here as an integer; the core names a side outside its range (RangeError).
Napi::Value DecodeSize(const Napi::CallbackInfo& info, ClassifierHandle* handle) {
  Napi::Env env = info.Env();
  const std::string step = "decodeSize";
  constexpr int64_t kSafeInteger = (INT64_C(1) << 53) - 1;
  int64_t width = 0, height = 0;
  Status st = CheckUsable(handle, step);
  if (st.ok()) st = ToInteger(info[0], step, "width", -kSafeInteger, kSafeInteger, &width);
  if (st.ok()) st = ToInteger(info[1], step, "height", -kSafeInteger, kSafeInteger, &height);
  Result<ImageSize> size = st.ok() ? DecodeSizeFor(width, height, handle->state->input) : Result<ImageSize>(st);
  if (!size.ok()) {
    ToJsError(env, size.status()).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("width", Napi::Number::New(env, size->width));
  o.Set("height", Napi::Number::New(env, size->height));
  return o;
}

Napi::Value Cancel(const Napi::CallbackInfo& info, ClassifierHandle* handle) {
  if (handle != nullptr && handle->state) handle->state->cancelBenchmark = true;
  return info.Env().Undefined();
}

Napi::Value Release(const Napi::CallbackInfo& info, ClassifierHandle* handle) {
  if (handle != nullptr && handle->state) {
    std::shared_ptr<ClassifierState> state = std::move(handle->state);
    state->cancelBenchmark = true;  // a running benchmark stops early and resolves
    state->queue.RejectWaiting(Released("release"));
    // `state` goes here unless a job is running: that job's worker holds it until it settles.
  }
  return info.Env().Undefined();
}

constexpr char kClassify[] = "classify";
constexpr char kClassifyFd[] = "classifyFd";
constexpr char kClassifyBatch[] = "classifyBatch";
constexpr char kInspect[] = "inspect";
constexpr char kBenchmark[] = "benchmark";
constexpr char kDecodeSize[] = "decodeSize";
constexpr char kCancel[] = "cancel";
constexpr char kRelease[] = "release";

}  // namespace

Napi::Function ClassifierWrap::DefineClass(Napi::Env env) {
  const napi_property_descriptor methods[] = {
      {kClassify, nullptr, Call<Classify, kClassify, true>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {kClassifyFd, nullptr, Call<ClassifyFd, kClassifyFd, true>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {kClassifyBatch, nullptr, Call<ClassifyBatch, kClassifyBatch, true>, nullptr, nullptr, nullptr, napi_default,
       nullptr},
      {kInspect, nullptr, Call<Inspect, kInspect, true>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {kBenchmark, nullptr, Call<Benchmark, kBenchmark, true>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {kDecodeSize, nullptr, Call<DecodeSize, kDecodeSize, false>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {kCancel, nullptr, Call<Cancel, kCancel, false>, nullptr, nullptr, nullptr, napi_default, nullptr},
      {kRelease, nullptr, Call<Release, kRelease, false>, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  // The methods go on the prototype with napi_define_properties, not through napi_define_class: Node gives class
  // methods a receiver check that throws a bare TypeError ('Illegal invocation', no .code/.step), OHOS gives none.
  // Defined this way both engines call them and HandleOf refuses a wrong receiver with a coded TypeError.
  napi_value constructor = nullptr;
  napi_value prototype = nullptr;
  if (napi_define_class(env, "Classifier", NAPI_AUTO_LENGTH, Construct, nullptr, 0, nullptr, &constructor) != napi_ok ||
      napi_get_named_property(env, constructor, "prototype", &prototype) != napi_ok ||
      napi_define_properties(env, prototype, sizeof(methods) / sizeof(methods[0]), methods) != napi_ok) {
    return Napi::Function();
  }
  return Napi::Function(env, constructor);
}

Napi::Object ClassifierWrap::NewInstance(Napi::FunctionReference& constructor, std::shared_ptr<ClassifierState> state) {
  constructing = &state;
  Napi::Object object = constructor.New({});
  constructing = nullptr;
  return object;
}

}  // namespace npulens::binding
