// OpenHarmony's N-API semantics on Node, for test builds of the addon only (cpp/binding/README.md, "OpenHarmony's
// N-API"). Linked with `-Wl,--wrap=<each function below>`: the addon's calls reach __wrap_napi_X, and
// __real_napi_X is Node's. The differences reproduced are those of arkui_napi's native_api.cpp /
// ark_native_reference.cpp:
//   - napi_get_typedarray_info reports the BYTE length in `length`;
//   - napi_get_arraybuffer_info and napi_remove_wrap reject a NULL out-pointer (napi_invalid_arg);
//   - napi_wrap refuses a NULL native object or finalizer; with a result pointer it makes a STRONG reference
//     (count 1: the object is never collected, its finalizer never runs on GC);
//   - napi_delete_reference on a wrap reference with count >= 1 runs the wrap finalizer synchronously;
//   - napi_remove_wrap with a result deletes the wrap reference at once: the finalizer runs immediately, and the
//     reference the caller got from napi_wrap is gone (using it later aborts here: a use after free on the device);
//   - napi_unwrap of an object that is not wrapped gives napi_ok and NULL;
//   - no wrap finalizer runs when the environment is torn down.
// Every wrap goes through a Record (the native pointer Node stores), so the simulation decides when and whether
// the addon's finalizer runs. JS thread only, like the calls it replaces.
#include <node_api.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

extern "C" {
napi_status __real_napi_get_typedarray_info(napi_env env, napi_value typedarray, napi_typedarray_type* type,
                                            size_t* length, void** data, napi_value* arraybuffer, size_t* byteOffset);
napi_status __real_napi_get_arraybuffer_info(napi_env env, napi_value arraybuffer, void** data, size_t* byteLength);
napi_status __real_napi_wrap(napi_env env, napi_value jsObject, void* nativeObject, napi_finalize finalizeCb,
                             void* finalizeHint, napi_ref* result);
napi_status __real_napi_unwrap(napi_env env, napi_value jsObject, void** result);
napi_status __real_napi_remove_wrap(napi_env env, napi_value jsObject, void** result);
napi_status __real_napi_delete_reference(napi_env env, napi_ref ref);
}

namespace {

struct Record {
  napi_env env;
  void* native;
  napi_finalize finalize;
  void* hint;
  napi_ref ref = nullptr;  // the caller's wrap reference (napi_wrap with a result)
  bool finalized = false;
  bool deleteSelf = false;  // napi_delete_reference at count 0: deleted when the object is collected
};

struct State {
  std::mutex mutex;
  std::unordered_map<napi_ref, Record*> wrapRefs;
  std::unordered_set<napi_ref> deletedByRemoveWrap;  // never freed on the Node side, so never reused
  std::unordered_set<napi_env> hooked;               // envs with our teardown hook
  std::unordered_set<napi_env> tearingDown;
};

State& S() {
  static State* state = new State();  // outlives every env teardown
  return *state;
}

void RunFinalizer(Record* r) {
  if (r->finalized || r->finalize == nullptr) return;
  r->finalized = true;
  r->finalize(r->env, r->native, r->hint);
}

// Node finalizes a wrap on GC and at teardown; the device only on GC, and only for a weak (count 0) reference.
void Trampoline(napi_env env, void* data, void* /*hint*/) {
  auto* r = static_cast<Record*>(data);
  bool teardown = false;
  {
    std::lock_guard<std::mutex> lock(S().mutex);
    teardown = S().tearingDown.count(env) != 0;
    if (r->ref != nullptr && !teardown) S().wrapRefs.erase(r->ref);
  }
  if (teardown) return;  // the device leaks it; so do we (the process is ending)
  RunFinalizer(r);
  if (r->ref != nullptr && r->deleteSelf) __real_napi_delete_reference(env, r->ref);
  delete r;
}

void OnTeardown(void* arg) {
  std::lock_guard<std::mutex> lock(S().mutex);
  S().tearingDown.insert(static_cast<napi_env>(arg));
}

void HookTeardown(napi_env env) {
  {
    std::lock_guard<std::mutex> lock(S().mutex);
    if (!S().hooked.insert(env).second) return;
  }
  // Cleanup hooks run in reverse order of registration: this one runs before Node finalizes the env's references.
  napi_add_env_cleanup_hook(env, OnTeardown, env);
}

size_t ElementSize(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array: return 1;
    case napi_int16_array:
    case napi_uint16_array: return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array: return 4;
    default: return 8;
  }
}

// Node's own napi_invalid_arg for a NULL argument (its last-error info then says so, as on the device).
napi_status InvalidArg(napi_env env) { return __real_napi_get_arraybuffer_info(env, nullptr, nullptr, nullptr); }

[[noreturn]] void UseAfterFree(const char* call) {
  std::fprintf(stderr,
               "ohos-napi-sim: %s on a wrap reference that napi_remove_wrap already deleted "
               "(a use after free on OpenHarmony)\n",
               call);
  std::abort();
}

}  // namespace

extern "C" {

napi_status __wrap_napi_get_typedarray_info(napi_env env, napi_value typedarray, napi_typedarray_type* type,
                                            size_t* length, void** data, napi_value* arraybuffer, size_t* byteOffset) {
  napi_typedarray_type t = napi_uint8_array;
  size_t elements = 0;
  napi_status status = __real_napi_get_typedarray_info(env, typedarray, &t, &elements, data, arraybuffer, byteOffset);
  if (status != napi_ok) return status;
  if (type != nullptr) *type = t;
  if (length != nullptr) *length = elements * ElementSize(t);  // the device: typedArray->ByteLength
  return napi_ok;
}

napi_status __wrap_napi_get_arraybuffer_info(napi_env env, napi_value arraybuffer, void** data, size_t* byteLength) {
  if (byteLength == nullptr) return InvalidArg(env);
  return __real_napi_get_arraybuffer_info(env, arraybuffer, data, byteLength);
}

napi_status __wrap_napi_wrap(napi_env env, napi_value jsObject, void* nativeObject, napi_finalize finalizeCb,
                             void* finalizeHint, napi_ref* result) {
  if (nativeObject == nullptr || finalizeCb == nullptr) return InvalidArg(env);
  auto* r = new Record{env, nativeObject, finalizeCb, finalizeHint};
  napi_status status = __real_napi_wrap(env, jsObject, r, Trampoline, nullptr, result);
  if (status != napi_ok) {
    delete r;
    return status;
  }
  HookTeardown(env);
  if (result != nullptr) {
    // The device: CreateReference(js_object, 1, ...) — strong. Node made it weak (count 0).
    r->ref = *result;
    napi_reference_ref(env, r->ref, nullptr);
    std::lock_guard<std::mutex> lock(S().mutex);
    S().wrapRefs[r->ref] = r;
  }
  return napi_ok;
}

napi_status __wrap_napi_unwrap(napi_env env, napi_value jsObject, void** result) {
  void* data = nullptr;
  napi_status status = __real_napi_unwrap(env, jsObject, &data);
  if (status == napi_invalid_arg && jsObject != nullptr && result != nullptr) {
    napi_valuetype type = napi_undefined;
    if (napi_typeof(env, jsObject, &type) == napi_ok && (type == napi_object || type == napi_function)) {
      *result = nullptr;  // not wrapped: the device answers napi_ok and NULL (napi_typeof cleared the last error)
      return napi_ok;
    }
  }
  if (status == napi_ok && result != nullptr) *result = static_cast<Record*>(data)->native;
  return status;
}

napi_status __wrap_napi_remove_wrap(napi_env env, napi_value jsObject, void** result) {
  if (result == nullptr) {
    // The device checks a pending exception first (NAPI_PREAMBLE), then CHECK_ARG(result); so does Node's own call.
    return __real_napi_remove_wrap(env, nullptr, nullptr);
  }
  void* data = nullptr;
  napi_status status = __real_napi_remove_wrap(env, jsObject, &data);
  if (status != napi_ok) return status;
  auto* r = static_cast<Record*>(data);
  *result = r->native;
  // The device deletes the wrap reference now, which runs the finalizer now.
  RunFinalizer(r);
  if (r->ref != nullptr) {
    std::lock_guard<std::mutex> lock(S().mutex);
    S().wrapRefs.erase(r->ref);
    S().deletedByRemoveWrap.insert(r->ref);
  }
  delete r;
  return napi_ok;
}

napi_status __wrap_napi_delete_reference(napi_env env, napi_ref ref) {
  Record* r = nullptr;
  {
    std::lock_guard<std::mutex> lock(S().mutex);
    if (S().deletedByRemoveWrap.count(ref) != 0) UseAfterFree("napi_delete_reference");
    auto it = S().wrapRefs.find(ref);
    if (it != S().wrapRefs.end()) r = it->second;
  }
  if (r == nullptr) return __real_napi_delete_reference(env, ref);
  uint32_t count = 0;
  napi_status status = napi_reference_ref(env, ref, &count);
  if (status != napi_ok) return status;
  napi_reference_unref(env, ref, &count);
  if (count == 0) {
    // The device marks it delete-self: it goes (and the finalizer runs) when the object is collected.
    r->deleteSelf = true;
    return napi_ok;
  }
  {
    std::lock_guard<std::mutex> lock(S().mutex);
    S().wrapRefs.erase(ref);
  }
  // Node drops the reference and with it the finalizer; the device deletes it and runs the finalizer right here.
  status = __real_napi_delete_reference(env, ref);
  RunFinalizer(r);
  delete r;
  return status;
}

}  // extern "C"
