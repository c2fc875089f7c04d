// pthreadpool's C API (pthreadpool.h) over our own pool (thread_pool.h says why). XNNPACK 2022 and our kernels call
// these functions; the definitions are exported with default visibility so that libXNNPACK.so's references bind to
// them ahead of libpthreadpool.so's (cpp/hostnn/README.md, "Thread pool").
//
// A call publishes a job (the task, its grid) and a count of items left to claim in one atomic word; the caller and
// whichever workers are awake claim items one at a time with a compare-and-swap on that word, and the call returns
// when the items' completions add up to the job's size. A worker reads the job only after a successful claim, which
// the job cannot outlive (the caller waits for that item), so a worker that wakes late claims nothing from a finished
// job and never runs a stale one. Idle workers spin briefly for the next call (a run makes dozens back to back), then
// sleep on a condition variable. A worker woken on the caller's CPU moves off it (MoveThreadOffCpu says why).
#include "thread_pool.h"

#if defined(__linux__)
#include <sched.h>
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace {

// The grid of one call: up to 6 dimensions, each cut into tiles (1 where the variant does not tile it).
constexpr int kMaxDims = 6;

struct Job;
// Calls the task for one tile: start and size of the tile in each dimension.
using Invoke = void (*)(const Job& job, const size_t* start, const size_t* size);

struct Job {
  Invoke invoke = nullptr;
  void (*function)() = nullptr;  // the caller's task, cast back to its type by invoke
  void* context = nullptr;
  uint32_t uarch = 0;  // the *_with_uarch variants' index (always their default: no cpuinfo here)
  uint32_t flags = 0;
  int dims = 0;
  size_t range[kMaxDims] = {};
  size_t tile[kMaxDims] = {};
  size_t tiles[kMaxDims] = {};  // tiles per dimension
  size_t count = 0;             // tiles in all
};

// Runs item (tile) `index` of the job, dimensions row-major as pthreadpool's loops nest.
void RunItem(const Job& job, size_t index) {
  size_t start[kMaxDims];
  size_t size[kMaxDims];
  for (int d = job.dims - 1; d >= 0; --d) {
    const size_t t = index % job.tiles[d];
    index /= job.tiles[d];
    start[d] = t * job.tile[d];
    size[d] = std::min(job.tile[d], job.range[d] - start[d]);
  }
  job.invoke(job, start, size);
}

void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// PTHREADPOOL_FLAG_DISABLE_DENORMALS: flush denormal inputs and results to zero on the threads running the job,
// restored afterwards (x86: MXCSR DAZ and FTZ; aarch64: FPCR.FZ).
class DenormalsOff {
 public:
  explicit DenormalsOff(bool on) : on_(on) {
    if (!on_) return;
#if defined(__x86_64__) || defined(__i386__)
    saved_ = _mm_getcsr();
    _mm_setcsr(saved_ | 0x8040U);
#elif defined(__aarch64__)
    uint64_t fpcr = 0;
    asm volatile("mrs %0, fpcr" : "=r"(fpcr));
    saved_ = fpcr;
    asm volatile("msr fpcr, %0" : : "r"(fpcr | (uint64_t{1} << 24)));
#endif
  }
  ~DenormalsOff() {
    if (!on_) return;
#if defined(__x86_64__) || defined(__i386__)
    _mm_setcsr(static_cast<unsigned>(saved_));
#elif defined(__aarch64__)
    asm volatile("msr fpcr, %0" : : "r"(saved_));
#endif
  }
  DenormalsOff(const DenormalsOff&) = delete;
  DenormalsOff& operator=(const DenormalsOff&) = delete;

 private:
  bool on_;
  uint64_t saved_ = 0;
};

std::atomic<void (*)()> wakeHook{nullptr};

// The CPU the calling thread runs on, or -1 where the system cannot tell.
int CurrentCpu() {
#if defined(__linux__)
  return sched_getcpu();
#else
  return -1;
#endif
}

// How long an idle worker spins for the next call before it sleeps: longer than the gap between two calls of one run
// (the ops between them that run on the caller alone), so that a run wakes its workers once, not at every call.
constexpr std::chrono::microseconds kWorkerSpin{200};
// Spins before a caller waiting for items in flight on workers starts yielding its core to them.
constexpr int kCallerSpins = 200;

// The pool behind a pthreadpool_t (pthreadpool.h leaves struct pthreadpool opaque; we hand out ThreadPool pointers
// cast to it and cast them back).
class ThreadPool {
 public:
  explicit ThreadPool(size_t threads) : threads_(threads) {
    workers_.reserve(threads - 1);
    for (size_t i = 1; i < threads; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  }
  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(sleepMutex_);
      stop_.store(true);
    }
    wake_.notify_all();
    for (std::thread& w : workers_) w.join();
  }
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  size_t Threads() const { return threads_; }

  // A null pool's calls, and a pool's calls that gain nothing from its workers.
  static void RunSerially(const Job& job) {
    DenormalsOff denormals((job.flags & PTHREADPOOL_FLAG_DISABLE_DENORMALS) != 0);
    for (size_t i = 0; i < job.count; ++i) RunItem(job, i);
  }

  // Runs every item of the job, the caller among the threads; returns when all are done.
  void Run(const Job& job) {
    if (job.count == 0) return;
    // A task of this pool calling it again (pthreadpool would deadlock), or a job of one item: run on this thread.
    if (job.count == 1 || threads_ == 1 || current_ == this) {
      RunSerially(job);
      return;
    }
    std::lock_guard<std::mutex> call(callMutex_);  // concurrent callers are serialised, as pthreadpool's contract says
    job_ = job;
    callerCpu_.store(CurrentCpu(), std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    // Publish: the job's fields and done_ happen-before any successful claim (acquire in Claim).
    remaining_.store(job.count, std::memory_order_seq_cst);
    if (sleepers_.load(std::memory_order_seq_cst) > 0) {
      std::lock_guard<std::mutex> lock(sleepMutex_);  // pairs with the worker's check under the same mutex
      wake_.notify_all();
    }
    uint32_t flags = 0;
    WorkOn(&flags);
    for (int spin = 0; done_.load(std::memory_order_acquire) != job.count; ++spin) {
      if (spin < kCallerSpins)
        CpuRelax();
      else
        std::this_thread::yield();  // an item is in flight on a worker that may need this core
    }
  }

 private:
  // Claims one item of the current job: its index, or false when none is left.
  bool Claim(size_t* index) {
    size_t left = remaining_.load(std::memory_order_acquire);
    while (left != 0) {
      if (remaining_.compare_exchange_weak(left, left - 1, std::memory_order_acquire, std::memory_order_acquire)) {
        *index = job_.count - left;  // safe: the job stays until this item is reported done
        return true;
      }
    }
    return false;
  }

  // Runs items until none is left to claim, then reports them done. Returns whether it ran any, and then the job's
  // flags in *flags.
  bool WorkOn(uint32_t* flags) {
    size_t index = 0;
    if (!Claim(&index)) return false;
    const Job& job = job_;
    *flags = job.flags;
    ThreadPool* outer = current_;
    current_ = this;
    size_t ran = 0;
    {
      DenormalsOff denormals((job.flags & PTHREADPOOL_FLAG_DISABLE_DENORMALS) != 0);
      do {
        RunItem(job, index);
        ++ran;
      } while (Claim(&index));
    }
    current_ = outer;
    done_.fetch_add(ran, std::memory_order_release);  // last touch of the job: the caller may now return
    return true;
  }

  // Spins until a call has items or the spin time is up (a clock read every 64 relaxes; a relax is a few to ~100
  // cycles depending on the CPU, so the budget is time, not iterations).
  void SpinForWork() const {
    const auto end = std::chrono::steady_clock::now() + kWorkerSpin;
    for (unsigned i = 1; remaining_.load(std::memory_order_relaxed) == 0 && !stop_.load(std::memory_order_relaxed);
         ++i) {
      CpuRelax();
      if (i % 64 == 0 && std::chrono::steady_clock::now() >= end) return;
    }
  }

  void WorkerLoop() {
    bool spin = true;
    for (;;) {
      if (spin) SpinForWork();
      bool slept = false;
      if (remaining_.load(std::memory_order_relaxed) == 0) {
        std::unique_lock<std::mutex> lock(sleepMutex_);
        sleepers_.fetch_add(1, std::memory_order_seq_cst);
        wake_.wait(lock, [this] { return stop_.load() || remaining_.load(std::memory_order_seq_cst) != 0; });
        sleepers_.fetch_sub(1, std::memory_order_seq_cst);
        slept = true;
      }
      if (stop_.load()) return;
      if (void (*hook)() = wakeHook.load(std::memory_order_relaxed)) hook();
      if (slept) {
        const int cpu = CurrentCpu();
        if (cpu >= 0 && cpu == callerCpu_.load(std::memory_order_relaxed)) hostnn::MoveThreadOffCpu(cpu);
      }
      // PTHREADPOOL_FLAG_YIELD_WORKERS: after such a call, sleep at once instead of spinning for the next one.
      uint32_t flags = 0;
      spin = !WorkOn(&flags) || (flags & PTHREADPOOL_FLAG_YIELD_WORKERS) == 0;
    }
  }

  static thread_local ThreadPool* current_;  // the pool whose item this thread is running, if any

  const size_t threads_;
  Job job_;
  std::atomic<size_t> remaining_{0};  // items of job_ not yet claimed
  std::atomic<size_t> done_{0};       // items of job_ finished
  std::atomic<size_t> sleepers_{0};
  std::atomic<int> callerCpu_{-1};  // the CPU of the current call's caller when it published the job
  std::atomic<bool> stop_{false};
  std::mutex callMutex_;
  std::mutex sleepMutex_;
  std::condition_variable wake_;
  std::vector<std::thread> workers_;  // last: they start once everything above exists and are joined first
};

thread_local ThreadPool* ThreadPool::current_ = nullptr;

ThreadPool* Pool(pthreadpool_t pool) { return reinterpret_cast<ThreadPool*>(pool); }

template <typename Task>
Task TaskOf(const Job& job) {
  return reinterpret_cast<Task>(job.function);
}

// One call of any variant: the grid's ranges and tiles (1 for an untiled dimension), outermost first.
template <typename Task>
void Parallelize(pthreadpool_t pool, Task task, void* context, uint32_t flags, uint32_t uarch,
                 std::initializer_list<size_t> ranges, std::initializer_list<size_t> tiles, Invoke invoke) {
  Job job;
  job.invoke = invoke;
  job.function = reinterpret_cast<void (*)()>(task);
  job.context = context;
  job.uarch = uarch;
  job.flags = flags;
  job.dims = static_cast<int>(ranges.size());
  job.count = 1;
  for (int d = 0; d < job.dims; ++d) {
    job.range[d] = ranges.begin()[d];
    job.tile[d] = std::max<size_t>(1, tiles.begin()[d]);
    job.tiles[d] = (job.range[d] + job.tile[d] - 1) / job.tile[d];
    job.count *= job.tiles[d];
  }
  if (pool == nullptr) {
    ThreadPool::RunSerially(job);
    return;
  }
  Pool(pool)->Run(job);
}

}  // namespace

namespace hostnn {

void SetThreadPoolWakeHookForTesting(void (*hook)()) { wakeHook.store(hook); }

int64_t BlocksPerTask(int64_t threads, int64_t tasks, int64_t blocks, int64_t perThread) {
  if (threads <= 1 || tasks >= perThread * threads) return blocks;
  const int64_t blockTasks = std::min(blocks, (perThread * threads + tasks - 1) / tasks);
  return (blocks + blockTasks - 1) / blockTasks;
}

bool MoveThreadOffCpu(int cpu) {
#if defined(__linux__)
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (cpu < 0 || cpu >= CPU_SETSIZE || sched_getaffinity(0, sizeof allowed, &allowed) != 0 ||
      !CPU_ISSET(cpu, &allowed) || CPU_COUNT(&allowed) < 2)
    return false;
  cpu_set_t others = allowed;
  CPU_CLR(cpu, &others);
  if (sched_setaffinity(0, sizeof others, &others) != 0) return false;  // migrates at once
  // The old set again: the thread stays where it now is until the scheduler moves it.
  sched_setaffinity(0, sizeof allowed, &allowed);
  return CurrentCpu() != cpu;
#else
  (void)cpu;
  return false;
#endif
}

}  // namespace hostnn

// pthreadpool.h's functions (declared there inside extern "C"), exported for libXNNPACK.so to bind to.
#define NPULENS_EXPORT __attribute__((visibility("default")))

NPULENS_EXPORT pthreadpool_t pthreadpool_create(size_t threadsCount) {
  if (threadsCount == 0) threadsCount = std::max(1U, std::thread::hardware_concurrency());
  return reinterpret_cast<pthreadpool_t>(new ThreadPool(threadsCount));
}

NPULENS_EXPORT void pthreadpool_destroy(pthreadpool_t threadpool) { delete Pool(threadpool); }

NPULENS_EXPORT size_t pthreadpool_get_threads_count(pthreadpool_t threadpool) {
  return threadpool ? Pool(threadpool)->Threads() : 1;
}

NPULENS_EXPORT void pthreadpool_parallelize_1d(pthreadpool_t threadpool, pthreadpool_task_1d_t function, void* context,
                                               size_t range, uint32_t flags) {
  Parallelize(threadpool, function, context, flags, 0, {range}, {1},
              [](const Job& j, const size_t* i, const size_t*) { TaskOf<pthreadpool_task_1d_t>(j)(j.context, i[0]); });
}

NPULENS_EXPORT void pthreadpool_parallelize_1d_with_uarch(pthreadpool_t threadpool,
                                                          pthreadpool_task_1d_with_id_t function, void* context,
                                                          uint32_t defaultUarchIndex, uint32_t maxUarchIndex,
                                                          size_t range, uint32_t flags) {
  Parallelize(threadpool, function, context, flags, defaultUarchIndex, {range}, {1},
              [](const Job& j, const size_t* i, const size_t*) {
                TaskOf<pthreadpool_task_1d_with_id_t>(j)(j.context, j.uarch, i[0]);
              });
}

NPULENS_EXPORT void pthreadpool_parallelize_1d_tile_1d(pthreadpool_t threadpool, pthreadpool_task_1d_tile_1d_t function,
                                                       void* context, size_t range, size_t tile, uint32_t flags) {
  Parallelize(threadpool, function, context, flags, 0, {range}, {tile},
              [](const Job& j, const size_t* i, const size_t* n) {
                TaskOf<pthreadpool_task_1d_tile_1d_t>(j)(j.context, i[0], n[0]);
              });
}

NPULENS_EXPORT void pthreadpool_parallelize_2d(pthreadpool_t threadpool, pthreadpool_task_2d_t function, void* context,
                                               size_t rangeI, size_t rangeJ, uint32_t flags) {
  Parallelize(
      threadpool, function, context, flags, 0, {rangeI, rangeJ}, {1, 1},
      [](const Job& j, const size_t* i, const size_t*) { TaskOf<pthreadpool_task_2d_t>(j)(j.context, i[0], i[1]); });
}

NPULENS_EXPORT void pthreadpool_parallelize_2d_tile_1d(pthreadpool_t threadpool, pthreadpool_task_2d_tile_1d_t function,
                                                       void* context, size_t rangeI, size_t rangeJ, size_t tileJ,
                                                       uint32_t flags) {
  Parallelize(threadpool, function, context, flags, 0, {rangeI, rangeJ}, {1, tileJ},
              [](const Job& j, const size_t* i, const size_t* n) {
                TaskOf<pthreadpool_task_2d_tile_1d_t>(j)(j.context, i[0], i[1], n[1]);
              });
}

NPULENS_EXPORT void pthreadpool_parallelize_2d_tile_2d(pthreadpool_t threadpool, pthreadpool_task_2d_tile_2d_t function,
                                                       void* context, size_t rangeI, size_t rangeJ, size_t tileI,
                                                       size_t tileJ, uint32_t flags) {
  Parallelize(threadpool, function, context, flags, 0, {rangeI, rangeJ}, {tileI, tileJ},
              [](const Job& j, const size_t* i, const size_t* n) {
                TaskOf<pthreadpool_task_2d_tile_2d_t>(j)(j.context, i[0], i[1], n[0], n[1]);
              });
}

NPULENS_EXPORT void pthreadpool_parallelize_2d_tile_2d_with_uarch(pthreadpool_t threadpool,
                                                                  pthreadpool_task_2d_tile_2d_with_id_t function,
                                                                  void* context, uint32_t defaultUarchIndex,
                                                                  uint32_t maxUarchIndex, size_t rangeI, size_t rangeJ,
                                                                  size_t tileI, size_t tileJ, uint32_t flags) {
  Parallelize(threadpool, function, context, flags, defaultUarchIndex, {rangeI, rangeJ}, {tileI, tileJ},
              [](const Job& j, const size_t* i, const size_t* n) {
                TaskOf<pthreadpool_task_2d_tile_2d_with_id_t>(j)(j.context, j.uarch, i[0], i[1], n[0], n[1]);
              });
}

NPULENS_EXPORT void pthreadpool_parallelize_3d(pthreadpool_t threadpool, pthreadpool_task_3d_t function, void* context,
                                               size_t rangeI, size_t rangeJ, size_t rangeK, uint32_t flags) {
  Parallelize(threadpool, function, context, flags, 0, {rangeI, rangeJ, rangeK}, {1, 1, 1},
              [](const Job& j, const size_t* i, const size_t*) {
                TaskOf<pthreadpool_task_3d_t>(j)(j.context, i[0], i[1], i[2]);
              });
}

NPULENS_EXPORT void pthreadpool_parallelize_3d_tile_1d(pthreadpool_t threadpool, pthreadpool_task_3d_tile_1d_t function,
                                                       void* context, size_t rangeI, size_t rangeJ, size_t rangeK,
                                                       size_t tileK, uint32_t flags) {
  Parallelize(threadpool, function, context, flags, 0, {rangeI, rangeJ, rangeK}, {1, 1, tileK},
              [](const Job& j, const size_t* i, const size_t* n) {
                TaskOf<pthreadpool_task_3d_tile_1d_t>(j)(j.context, i[0], i[1], i[2], n[2]);
              });
}

NPULENS_EXPORT void pthreadpool_parallelize_3d_tile_2d(pthreadpool_t threadpool, pthreadpool_task_3d_tile_2d_t function,
                                                       void* context, size_t rangeI, size_t rangeJ, size_t rangeK,
                                                       size_t tileJ, size_t tileK, uint32_t flags) {
  Parallelize(threadpool, function, context, flags, 0, {rangeI, rangeJ, rangeK}, {1, tileJ, tileK},
              [](const Job& j, const size_t* i, const size_t* n) {
                TaskOf<pthreadpool_task_3d_tile_2d_t>(j)(j.context, i[0], i[1], i[2], n[1], n[2]);
              });
}

NPULENS_EXPORT void pthreadpool_parallelize_3d_tile_2d_with_uarch(
    pthreadpool_t threadpool, pthreadpool_task_3d_tile_2d_with_id_t function, void* context, uint32_t defaultUarchIndex,
    uint32_t maxUarchIndex, size_t rangeI, size_t rangeJ, size_t rangeK, size_t tileJ, size_t tileK, uint32_t flags) {
  Parallelize(threadpool, function, context, flags, defaultUarchIndex, {rangeI, rangeJ, rangeK}, {1, tileJ, tileK},
              [](const Job& j, const size_t* i, const size_t* n) {
                TaskOf<pthreadpool_task_3d_tile_2d_with_id_t>(j)(j.context, j.uarch, i[0], i[1], i[2], n[1], n[2]);
              });
}

NPULENS_EXPORT void pthreadpool_parallelize_4d(pthreadpool_t threadpool, pthreadpool_task_4d_t function, void* context,
                                               size_t rangeI, size_t rangeJ, size_t rangeK, size_t rangeL,
                                               uint32_t flags) {
  Parallelize(threadpool, function, context, flags, 0, {rangeI, rangeJ, rangeK, rangeL}, {1, 1, 1, 1},
              [](const Job& j, const size_t* i, const size_t*) {
                TaskOf<pthreadpool_task_4d_t>(j)(j.context, i[0], i[1], i[2], i[3]);
              });
}

NPULENS_EXPORT void pthreadpool_parallelize_4d_tile_1d(pthreadpool_t threadpool, pthreadpool_task_4d_tile_1d_t function,
                                                       void* context, size_t rangeI, size_t rangeJ, size_t rangeK,
                                                       size_t rangeL, size_t tileL, uint32_t flags) {
  Parallelize(threadpool, function, context, flags, 0, {rangeI, rangeJ, rangeK, rangeL}, {1, 1, 1, tileL},
              [](const Job& j, const size_t* i, const size_t* n) {
                TaskOf<pthreadpool_task_4d_tile_1d_t>(j)(j.context, i[0], i[1], i[2], i[3], n[3]);
              });
}

NPULENS_EXPORT void pthreadpool_parallelize_4d_tile_2d(pthreadpool_t threadpool, pthreadpool_task_4d_tile_2d_t function,
                                                       void* context, size_t rangeI, size_t rangeJ, size_t rangeK,
                                                       size_t rangeL, size_t tileK, size_t tileL, uint32_t flags) {
  Parallelize(threadpool, function, context, flags, 0, {rangeI, rangeJ, rangeK, rangeL}, {1, 1, tileK, tileL},
              [](const Job& j, const size_t* i, const size_t* n) {
                TaskOf<pthreadpool_task_4d_tile_2d_t>(j)(j.context, i[0], i[1], i[2], i[3], n[2], n[3]);
              });
}

NPULENS_EXPORT void pthreadpool_parallelize_4d_tile_2d_with_uarch(pthreadpool_t threadpool,
                                                                  pthreadpool_task_4d_tile_2d_with_id_t function,
                                                                  void* context, uint32_t defaultUarchIndex,
                                                                  uint32_t maxUarchIndex, size_t rangeI, size_t rangeJ,
                                                                  size_t rangeK, size_t rangeL, size_t tileK,
                                                                  size_t tileL, uint32_t flags) {
  Parallelize(threadpool, function, context, flags, defaultUarchIndex, {rangeI, rangeJ, rangeK, rangeL},
              {1, 1, tileK, tileL}, [](const Job& j, const size_t* i, const size_t* n) {
                TaskOf<pthreadpool_task_4d_tile_2d_with_id_t>(j)(j.context, j.uarch, i[0], i[1], i[2], i[3], n[2],
                                                                 n[3]);
              });
}

NPULENS_EXPORT void pthreadpool_parallelize_5d(pthreadpool_t threadpool, pthreadpool_task_5d_t function, void* context,
                                               size_t rangeI, size_t rangeJ, size_t rangeK, size_t rangeL,
                                               size_t rangeM, uint32_t flags) {
  Parallelize(threadpool, function, context, flags, 0, {rangeI, rangeJ, rangeK, rangeL, rangeM}, {1, 1, 1, 1, 1},
              [](const Job& j, const size_t* i, const size_t*) {
                TaskOf<pthreadpool_task_5d_t>(j)(j.context, i[0], i[1], i[2], i[3], i[4]);
              });
}

NPULENS_EXPORT void pthreadpool_parallelize_5d_tile_1d(pthreadpool_t threadpool, pthreadpool_task_5d_tile_1d_t function,
                                                       void* context, size_t rangeI, size_t rangeJ, size_t rangeK,
                                                       size_t rangeL, size_t rangeM, size_t tileM, uint32_t flags) {
  Parallelize(threadpool, function, context, flags, 0, {rangeI, rangeJ, rangeK, rangeL, rangeM}, {1, 1, 1, 1, tileM},
              [](const Job& j, const size_t* i, const size_t* n) {
                TaskOf<pthreadpool_task_5d_tile_1d_t>(j)(j.context, i[0], i[1], i[2], i[3], i[4], n[4]);
              });
}

NPULENS_EXPORT void pthreadpool_parallelize_5d_tile_2d(pthreadpool_t threadpool, pthreadpool_task_5d_tile_2d_t function,
                                                       void* context, size_t rangeI, size_t rangeJ, size_t rangeK,
                                                       size_t rangeL, size_t rangeM, size_t tileL, size_t tileM,
                                                       uint32_t flags) {
  Parallelize(threadpool, function, context, flags, 0, {rangeI, rangeJ, rangeK, rangeL, rangeM},
              {1, 1, 1, tileL, tileM}, [](const Job& j, const size_t* i, const size_t* n) {
                TaskOf<pthreadpool_task_5d_tile_2d_t>(j)(j.context, i[0], i[1], i[2], i[3], i[4], n[3], n[4]);
              });
}

NPULENS_EXPORT void pthreadpool_parallelize_6d(pthreadpool_t threadpool, pthreadpool_task_6d_t function, void* context,
                                               size_t rangeI, size_t rangeJ, size_t rangeK, size_t rangeL,
                                               size_t rangeM, size_t rangeN, uint32_t flags) {
  Parallelize(threadpool, function, context, flags, 0, {rangeI, rangeJ, rangeK, rangeL, rangeM, rangeN},
              {1, 1, 1, 1, 1, 1}, [](const Job& j, const size_t* i, const size_t*) {
                TaskOf<pthreadpool_task_6d_t>(j)(j.context, i[0], i[1], i[2], i[3], i[4], i[5]);
              });
}

NPULENS_EXPORT void pthreadpool_parallelize_6d_tile_1d(pthreadpool_t threadpool, pthreadpool_task_6d_tile_1d_t function,
                                                       void* context, size_t rangeI, size_t rangeJ, size_t rangeK,
                                                       size_t rangeL, size_t rangeM, size_t rangeN, size_t tileN,
                                                       uint32_t flags) {
  Parallelize(threadpool, function, context, flags, 0, {rangeI, rangeJ, rangeK, rangeL, rangeM, rangeN},
              {1, 1, 1, 1, 1, tileN}, [](const Job& j, const size_t* i, const size_t* n) {
                TaskOf<pthreadpool_task_6d_tile_1d_t>(j)(j.context, i[0], i[1], i[2], i[3], i[4], i[5], n[5]);
              });
}

NPULENS_EXPORT void pthreadpool_parallelize_6d_tile_2d(pthreadpool_t threadpool, pthreadpool_task_6d_tile_2d_t function,
                                                       void* context, size_t rangeI, size_t rangeJ, size_t rangeK,
                                                       size_t rangeL, size_t rangeM, size_t rangeN, size_t tileM,
                                                       size_t tileN, uint32_t flags) {
  Parallelize(threadpool, function, context, flags, 0, {rangeI, rangeJ, rangeK, rangeL, rangeM, rangeN},
              {1, 1, 1, 1, tileM, tileN}, [](const Job& j, const size_t* i, const size_t* n) {
                TaskOf<pthreadpool_task_6d_tile_2d_t>(j)(j.context, i[0], i[1], i[2], i[3], i[4], i[5], n[4], n[5]);
              });
}
