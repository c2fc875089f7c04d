// The pthreadpool functions the host runtime's kernels and their tests call (declared by pthreadpool.h), for the
// aarch64 cross build of the kernel tests only: Debian ships no arm64 libpthreadpool without a multiarch setup. Same
// contract as the library: parallelize_1d/2d run the function once for every index (pair, row-major) on up to the
// pool's thread count of threads (the caller's among them; a null pool runs all on the caller) and return when all
// have finished. Threads are started per call: enough for tests, not meant for speed.
#include <pthreadpool.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

struct pthreadpool {
  size_t threads;
};

namespace {

template <typename Item>
void RunAll(pthreadpool_t pool, size_t count, const Item& item) {
  const size_t threads = pool ? std::min(pool->threads, count) : 1;
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < count; i = next++) item(i);
  };
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (std::thread& h : helpers) h.join();
}

}  // namespace

pthreadpool_t pthreadpool_create(size_t threadsCount) {
  if (threadsCount == 0) threadsCount = std::max(1u, std::thread::hardware_concurrency());
  return new pthreadpool{threadsCount};
}

void pthreadpool_destroy(pthreadpool_t threadpool) { delete threadpool; }

size_t pthreadpool_get_threads_count(pthreadpool_t threadpool) { return threadpool ? threadpool->threads : 1; }

void pthreadpool_parallelize_1d(pthreadpool_t threadpool, pthreadpool_task_1d_t function, void* context, size_t range,
                                uint32_t flags) {
  RunAll(threadpool, range, [&](size_t i) { function(context, i); });
}

void pthreadpool_parallelize_2d(pthreadpool_t threadpool, pthreadpool_task_2d_t function, void* context, size_t rangeI,
                                size_t rangeJ, uint32_t flags) {
  RunAll(threadpool, rangeI * rangeJ, [&](size_t k) { function(context, k / rangeJ, k % rangeJ); });
}
