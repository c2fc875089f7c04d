/* A tiny addon that makes each N-API difference observable, built twice: plain (Node's N-API) and linked with the
 * simulation exactly as the test build of npulens.node is. test/node/ohos-napi-sim.test.mjs checks that the plain
 * build answers like Node and the simulated one like OpenHarmony, so the simulation cannot silently become a
 * no-op. Every wrap's finalizer counts into `finalized` and prints one line (visible when it runs at exit). */
#include <node_api.h>
#include <stdio.h>

static int finalized = 0;
static napi_ref lastRef = NULL;
static int native = 42; /* the wrapped native object: never freed, only counted */

static void Finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)data;
  (void)hint;
  ++finalized;
  fprintf(stderr, "selftest: wrap finalizer ran\n");
}

static napi_value Number(napi_env env, double value) {
  napi_value v;
  napi_create_double(env, value, &v);
  return v;
}

static napi_value Pair(napi_env env, double a, double b) {
  napi_value array;
  napi_create_array_with_length(env, 2, &array);
  napi_set_element(env, array, 0, Number(env, a));
  napi_set_element(env, array, 1, Number(env, b));
  return array;
}

static napi_value Arg(napi_env env, napi_callback_info info, size_t index) {
  napi_value argv[2] = {NULL, NULL};
  size_t argc = 2;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  return argv[index];
}

/* typedArrayLength(ta): the `length` napi_get_typedarray_info reports. */
static napi_value TypedArrayLength(napi_env env, napi_callback_info info) {
  size_t length = 0;
  napi_get_typedarray_info(env, Arg(env, info, 0), NULL, &length, NULL, NULL, NULL);
  return Number(env, (double)length);
}

/* arrayBufferInfoWithoutLength(ab): status of napi_get_arraybuffer_info with a NULL byte_length. */
static napi_value ArrayBufferInfoWithoutLength(napi_env env, napi_callback_info info) {
  void* data = NULL;
  return Number(env, napi_get_arraybuffer_info(env, Arg(env, info, 0), &data, NULL));
}

/* wrap(obj, withRef): wraps obj; returns the wrap reference's count (-1 without a reference). */
static napi_value Wrap(napi_env env, napi_callback_info info) {
  bool withRef = false;
  napi_get_value_bool(env, Arg(env, info, 1), &withRef);
  napi_status status = napi_wrap(env, Arg(env, info, 0), &native, Finalize, NULL, withRef ? &lastRef : NULL);
  if (status != napi_ok) return Number(env, -100 - status);
  if (!withRef) return Number(env, -1);
  uint32_t count = 0;
  napi_reference_ref(env, lastRef, &count);
  napi_reference_unref(env, lastRef, &count);
  return Number(env, count);
}

/* wrapWithoutFinalizer(obj): status of napi_wrap with a NULL finalizer. */
static napi_value WrapWithoutFinalizer(napi_env env, napi_callback_info info) {
  return Number(env, napi_wrap(env, Arg(env, info, 0), &native, NULL, NULL, NULL));
}

/* deleteRef(): deletes the last wrap reference; returns how many finalizers ran during the call. */
static napi_value DeleteRef(napi_env env, napi_callback_info info) {
  (void)info;
  int before = finalized;
  napi_delete_reference(env, lastRef);
  lastRef = NULL;
  return Number(env, finalized - before);
}

/* removeWrap(obj, withResult): [status, finalizers run during the call]. */
static napi_value RemoveWrap(napi_env env, napi_callback_info info) {
  bool withResult = false;
  napi_get_value_bool(env, Arg(env, info, 1), &withResult);
  void* result = NULL;
  int before = finalized;
  napi_status status = napi_remove_wrap(env, Arg(env, info, 0), withResult ? &result : NULL);
  return Pair(env, status, finalized - before);
}

/* unwrap(obj): [status, 1 when the result is NULL]. */
static napi_value Unwrap(napi_env env, napi_callback_info info) {
  void* result = &native;
  napi_status status = napi_unwrap(env, Arg(env, info, 0), &result);
  return Pair(env, status, result == NULL ? 1 : 0);
}

static napi_value Finalized(napi_env env, napi_callback_info info) {
  (void)info;
  return Number(env, finalized);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor d[] = {
      {"typedArrayLength", NULL, TypedArrayLength, NULL, NULL, NULL, napi_default, NULL},
      {"arrayBufferInfoWithoutLength", NULL, ArrayBufferInfoWithoutLength, NULL, NULL, NULL, napi_default, NULL},
      {"wrap", NULL, Wrap, NULL, NULL, NULL, napi_default, NULL},
      {"wrapWithoutFinalizer", NULL, WrapWithoutFinalizer, NULL, NULL, NULL, napi_default, NULL},
      {"deleteRef", NULL, DeleteRef, NULL, NULL, NULL, napi_default, NULL},
      {"removeWrap", NULL, RemoveWrap, NULL, NULL, NULL, napi_default, NULL},
      {"unwrap", NULL, Unwrap, NULL, NULL, NULL, napi_default, NULL},
      {"finalized", NULL, Finalized, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof(d) / sizeof(d[0]), d);
  return exports;
}
