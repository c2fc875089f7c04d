// The pthreadpool functions the int8 convolution and its test call (declared by pthreadpool.h), for the aarch64
// cross build of the kernel tests only: Debian ships no arm64 libpthreadpool without a multiarch setup. Same
// contract as the library: parallelize_1d runs function(context, i) once for every i in [0, range) on up to the
// pool's thread count of threads (the caller's among them; a null pool runs all on the caller) and returns when
// all have finished. Threads are started per call: enough for tests, not meant for speed.
#include <pthreadpool.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

struct pthreadpool {
  size_t threads;
};

pthreadpool_t pthreadpool_create(size_t threadsCount) {
  if (threadsCount == 0) threadsCount = std::max(1u, std::thread::hardware_concurrency());
  return new pthreadpool{threadsCount};
}

void pthreadpool_destroy(pthreadpool_t threadpool) { delete threadpool; }

void pthreadpool_parallelize_1d(pthreadpool_t threadpool, pthreadpool_task_1d_t function, void* context, size_t range,
                                uint32_t flags) {
  const size_t threads = threadpool ? std::min(threadpool->threads, range) : 1;
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < range; i = next++) function(context, i);
  };
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (std::thread& h : helpers) h.join();
}
