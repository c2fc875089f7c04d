// The host runtime's thread pool (thread_pool.h: pthreadpool's C API): every variant XNNPACK and our kernels call runs
// its task once for every tile of its grid with the right tile sizes (against pthreadpool.h's loops, run naively here),
// on 1, 2 and 8 threads and without a pool; calls back to back, nested and from several threads; workers really take
// part; a worker that wakes late does not delay a call beyond its work; a worker woken on the caller's CPU moves off
// it; the denormals flag; destroying idle pools.
#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "thread_pool.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace {

using Pool = std::unique_ptr<pthreadpool, decltype(&pthreadpool_destroy)>;
using Clock = std::chrono::steady_clock;

Pool MakePool(size_t threads) { return Pool(pthreadpool_create(threads), &pthreadpool_destroy); }

// What a call did: how often each tile (its start and size in every dimension) was run, and on which threads.
struct Recorder {
  std::mutex mutex;
  std::map<std::vector<size_t>, int> tiles;
  std::set<std::thread::id> threads;
  uint32_t uarch = 0;

  void Add(std::vector<size_t> startAndSize) {
    std::lock_guard<std::mutex> lock(mutex);
    ++tiles[startAndSize];
    threads.insert(std::this_thread::get_id());
  }
};

Recorder* Rec(void* context) { return static_cast<Recorder*>(context); }

// The tiles pthreadpool.h's loops visit: for each dimension start 0, tile, 2 * tile, ... and size min(range - start,
// tile); an untiled dimension has tile 1. Key: the starts, then the sizes.
std::map<std::vector<size_t>, int> Reference(const std::vector<size_t>& ranges, const std::vector<size_t>& tiles) {
  std::map<std::vector<size_t>, int> out;
  std::vector<size_t> start(ranges.size(), 0);
  std::function<void(size_t)> loop = [&](size_t d) {
    if (d == ranges.size()) {
      std::vector<size_t> key = start;
      for (size_t k = 0; k < ranges.size(); ++k) key.push_back(std::min(ranges[k] - start[k], tiles[k]));
      ++out[key];
      return;
    }
    for (start[d] = 0; start[d] < ranges[d]; start[d] += tiles[d]) loop(d + 1);
  };
  loop(0);
  return out;
}

// One pthreadpool variant: its name, dimensions, which dimensions it tiles, and a call of it that records its tiles
// (an untiled dimension's size recorded as 1).
struct Variant {
  std::string name;
  std::vector<bool> tiled;
  std::function<void(pthreadpool_t, Recorder*, const std::vector<size_t>& r, const std::vector<size_t>& t)> call;
};

constexpr uint32_t kUarch = 7;

std::vector<Variant> Variants() {
  using R = const std::vector<size_t>&;
  return {
      {"1d",
       {false},
       [](pthreadpool_t p, Recorder* c, R r, R) {
         pthreadpool_parallelize_1d(
             p,
             [](void* x, size_t i) {
               Rec(x)->Add({i, 1});
             },
             c, r[0], 0);
       }},
      {"1d_with_uarch",
       {false},
       [](pthreadpool_t p, Recorder* c, R r, R) {
         pthreadpool_parallelize_1d_with_uarch(
             p,
             [](void* x, uint32_t u, size_t i) {
               Rec(x)->Add({i, 1, u});
             },
             c, kUarch, 3, r[0], 0);
       }},
      {"1d_tile_1d",
       {true},
       [](pthreadpool_t p, Recorder* c, R r, R t) {
         pthreadpool_parallelize_1d_tile_1d(
             p,
             [](void* x, size_t i, size_t ti) {
               Rec(x)->Add({i, ti});
             },
             c, r[0], t[0], 0);
       }},
      {"2d",
       {false, false},
       [](pthreadpool_t p, Recorder* c, R r, R) {
         pthreadpool_parallelize_2d(
             p,
             [](void* x, size_t i, size_t j) {
               Rec(x)->Add({i, j, 1, 1});
             },
             c, r[0], r[1], 0);
       }},
      {"2d_tile_1d",
       {false, true},
       [](pthreadpool_t p, Recorder* c, R r, R t) {
         pthreadpool_parallelize_2d_tile_1d(
             p,
             [](void* x, size_t i, size_t j, size_t tj) {
               Rec(x)->Add({i, j, 1, tj});
             },
             c, r[0], r[1], t[1], 0);
       }},
      {"2d_tile_2d",
       {true, true},
       [](pthreadpool_t p, Recorder* c, R r, R t) {
         pthreadpool_parallelize_2d_tile_2d(
             p,
             [](void* x, size_t i, size_t j, size_t ti, size_t tj) {
               Rec(x)->Add({i, j, ti, tj});
             },
             c, r[0], r[1], t[0], t[1], 0);
       }},
      {"2d_tile_2d_with_uarch",
       {true, true},
       [](pthreadpool_t p, Recorder* c, R r, R t) {
         pthreadpool_parallelize_2d_tile_2d_with_uarch(
             p,
             [](void* x, uint32_t u, size_t i, size_t j, size_t ti, size_t tj) {
               Rec(x)->Add({i, j, ti, tj, u});
             },
             c, kUarch, 3, r[0], r[1], t[0], t[1], 0);
       }},
      {"3d",
       {false, false, false},
       [](pthreadpool_t p, Recorder* c, R r, R) {
         pthreadpool_parallelize_3d(
             p,
             [](void* x, size_t i, size_t j, size_t k) {
               Rec(x)->Add({i, j, k, 1, 1, 1});
             },
             c, r[0], r[1], r[2], 0);
       }},
      {"3d_tile_1d",
       {false, false, true},
       [](pthreadpool_t p, Recorder* c, R r, R t) {
         pthreadpool_parallelize_3d_tile_1d(
             p,
             [](void* x, size_t i, size_t j, size_t k, size_t tk) {
               Rec(x)->Add({i, j, k, 1, 1, tk});
             },
             c, r[0], r[1], r[2], t[2], 0);
       }},
      {"3d_tile_2d",
       {false, true, true},
       [](pthreadpool_t p, Recorder* c, R r, R t) {
         pthreadpool_parallelize_3d_tile_2d(
             p,
             [](void* x, size_t i, size_t j, size_t k, size_t tj, size_t tk) {
               Rec(x)->Add({i, j, k, 1, tj, tk});
             },
             c, r[0], r[1], r[2], t[1], t[2], 0);
       }},
      {"3d_tile_2d_with_uarch",
       {false, true, true},
       [](pthreadpool_t p, Recorder* c, R r, R t) {
         pthreadpool_parallelize_3d_tile_2d_with_uarch(
             p,
             [](void* x, uint32_t u, size_t i, size_t j, size_t k, size_t tj, size_t tk) {
               Rec(x)->Add({i, j, k, 1, tj, tk, u});
             },
             c, kUarch, 3, r[0], r[1], r[2], t[1], t[2], 0);
       }},
      {"4d",
       {false, false, false, false},
       [](pthreadpool_t p, Recorder* c, R r, R) {
         pthreadpool_parallelize_4d(
             p,
             [](void* x, size_t i, size_t j, size_t k, size_t l) {
               Rec(x)->Add({i, j, k, l, 1, 1, 1, 1});
             },
             c, r[0], r[1], r[2], r[3], 0);
       }},
      {"4d_tile_1d",
       {false, false, false, true},
       [](pthreadpool_t p, Recorder* c, R r, R t) {
         pthreadpool_parallelize_4d_tile_1d(
             p,
             [](void* x, size_t i, size_t j, size_t k, size_t l, size_t tl) {
               Rec(x)->Add({i, j, k, l, 1, 1, 1, tl});
             },
             c, r[0], r[1], r[2], r[3], t[3], 0);
       }},
      {"4d_tile_2d",
       {false, false, true, true},
       [](pthreadpool_t p, Recorder* c, R r, R t) {
         pthreadpool_parallelize_4d_tile_2d(
             p,
             [](void* x, size_t i, size_t j, size_t k, size_t l, size_t tk, size_t tl) {
               Rec(x)->Add({i, j, k, l, 1, 1, tk, tl});
             },
             c, r[0], r[1], r[2], r[3], t[2], t[3], 0);
       }},
      {"4d_tile_2d_with_uarch",
       {false, false, true, true},
       [](pthreadpool_t p, Recorder* c, R r, R t) {
         pthreadpool_parallelize_4d_tile_2d_with_uarch(
             p,
             [](void* x, uint32_t u, size_t i, size_t j, size_t k, size_t l, size_t tk, size_t tl) {
               Rec(x)->Add({i, j, k, l, 1, 1, tk, tl, u});
             },
             c, kUarch, 3, r[0], r[1], r[2], r[3], t[2], t[3], 0);
       }},
      {"5d",
       {false, false, false, false, false},
       [](pthreadpool_t p, Recorder* c, R r, R) {
         pthreadpool_parallelize_5d(
             p,
             [](void* x, size_t i, size_t j, size_t k, size_t l, size_t m) {
               Rec(x)->Add({i, j, k, l, m, 1, 1, 1, 1, 1});
             },
             c, r[0], r[1], r[2], r[3], r[4], 0);
       }},
      {"5d_tile_1d",
       {false, false, false, false, true},
       [](pthreadpool_t p, Recorder* c, R r, R t) {
         pthreadpool_parallelize_5d_tile_1d(
             p,
             [](void* x, size_t i, size_t j, size_t k, size_t l, size_t m, size_t tm) {
               Rec(x)->Add({i, j, k, l, m, 1, 1, 1, 1, tm});
             },
             c, r[0], r[1], r[2], r[3], r[4], t[4], 0);
       }},
      {"5d_tile_2d",
       {false, false, false, true, true},
       [](pthreadpool_t p, Recorder* c, R r, R t) {
         pthreadpool_parallelize_5d_tile_2d(
             p,
             [](void* x, size_t i, size_t j, size_t k, size_t l, size_t m, size_t tl, size_t tm) {
               Rec(x)->Add({i, j, k, l, m, 1, 1, 1, tl, tm});
             },
             c, r[0], r[1], r[2], r[3], r[4], t[3], t[4], 0);
       }},
      {"6d",
       {false, false, false, false, false, false},
       [](pthreadpool_t p, Recorder* c, R r, R) {
         pthreadpool_parallelize_6d(
             p,
             [](void* x, size_t i, size_t j, size_t k, size_t l, size_t m, size_t n) {
               Rec(x)->Add({i, j, k, l, m, n, 1, 1, 1, 1, 1, 1});
             },
             c, r[0], r[1], r[2], r[3], r[4], r[5], 0);
       }},
      {"6d_tile_1d",
       {false, false, false, false, false, true},
       [](pthreadpool_t p, Recorder* c, R r, R t) {
         pthreadpool_parallelize_6d_tile_1d(
             p,
             [](void* x, size_t i, size_t j, size_t k, size_t l, size_t m, size_t n, size_t tn) {
               Rec(x)->Add({i, j, k, l, m, n, 1, 1, 1, 1, 1, tn});
             },
             c, r[0], r[1], r[2], r[3], r[4], r[5], t[5], 0);
       }},
      {"6d_tile_2d",
       {false, false, false, false, true, true},
       [](pthreadpool_t p, Recorder* c, R r, R t) {
         pthreadpool_parallelize_6d_tile_2d(
             p,
             [](void* x, size_t i, size_t j, size_t k, size_t l, size_t m, size_t n, size_t tm, size_t tn) {
               Rec(x)->Add({i, j, k, l, m, n, 1, 1, 1, 1, tm, tn});
             },
             c, r[0], r[1], r[2], r[3], r[4], r[5], t[4], t[5], 0);
       }},
  };
}

bool HasUarch(const std::string& name) { return name.find("uarch") != std::string::npos; }

// Checks one call of a variant against the reference; `what` names the case.
void ExpectVisitsEveryTileOnce(const Variant& v, pthreadpool_t pool, const std::vector<size_t>& ranges,
                               const std::vector<size_t>& tileSizes, const std::string& what) {
  std::vector<size_t> tiles(ranges.size(), 1);
  for (size_t d = 0; d < ranges.size(); ++d)
    if (v.tiled[d]) tiles[d] = tileSizes[d];
  Recorder rec;
  v.call(pool, &rec, ranges, tiles);
  std::map<std::vector<size_t>, int> expected = Reference(ranges, tiles);
  if (HasUarch(v.name)) {  // the task gets the default index (no cpuinfo) after the tile
    std::map<std::vector<size_t>, int> withUarch;
    for (auto& [key, n] : expected) {
      std::vector<size_t> k = key;
      k.push_back(kUarch);
      withUarch[k] = n;
    }
    expected = withUarch;
  }
  EXPECT_EQ(rec.tiles, expected) << what;
}

TEST(ThreadPoolTest, EveryVariantRunsEveryTileOnceWithItsSize) {
  // Ranges not multiples of the tiles (short last tiles), a dimension of 1, and an empty grid.
  const std::vector<size_t> ranges = {5, 7, 1, 4, 3, 5};
  const std::vector<size_t> tiles = {2, 3, 1, 3, 2, 4};
  Pool pools[] = {MakePool(1), MakePool(2), MakePool(8)};
  for (const Variant& v : Variants()) {
    const size_t dims = v.tiled.size();
    const std::vector<size_t> r(ranges.begin(), ranges.begin() + static_cast<long>(dims));
    const std::vector<size_t> t(tiles.begin(), tiles.begin() + static_cast<long>(dims));
    std::vector<size_t> empty = r;
    empty[0] = 0;
    ExpectVisitsEveryTileOnce(v, nullptr, r, t, v.name + " without a pool");
    for (Pool& p : pools) {
      const std::string on = v.name + " on " + std::to_string(pthreadpool_get_threads_count(p.get())) + " threads";
      ExpectVisitsEveryTileOnce(v, p.get(), r, t, on);
      ExpectVisitsEveryTileOnce(v, p.get(), empty, t, on + ", empty grid");
      // A tile larger than the range: one tile of the whole range.
      ExpectVisitsEveryTileOnce(v, p.get(), r, std::vector<size_t>(dims, 100), on + ", tiles beyond the range");
    }
  }
}

TEST(ThreadPoolTest, ThreadCounts) {
  EXPECT_EQ(pthreadpool_get_threads_count(nullptr), 1U);
  EXPECT_EQ(pthreadpool_get_threads_count(MakePool(1).get()), 1U);
  EXPECT_EQ(pthreadpool_get_threads_count(MakePool(8).get()), 8U);
  // 0: one thread per logical CPU, as pthreadpool.
  EXPECT_EQ(pthreadpool_get_threads_count(MakePool(0).get()), std::max(1U, std::thread::hardware_concurrency()));
}

// Two items that each wait (up to 20 s) until both have started: only a pool that runs them on two threads at once
// finishes them without waiting out the limit. Each item records whether the two met, and the CPU the worker (any
// thread but the caller) ran on.
struct Meeting {
  std::atomic<int> started{0};
  std::atomic<int> met{0};
  std::thread::id caller = std::this_thread::get_id();
  std::atomic<int> workerCpu{-2};

  static void Item(void* c, size_t) {
    auto* m = static_cast<Meeting*>(c);
    m->started.fetch_add(1);
    const auto end = Clock::now() + std::chrono::seconds(20);
    while (m->started.load() < 2 && Clock::now() < end) std::this_thread::yield();
    if (m->started.load() >= 2) m->met.fetch_add(1);
    if (std::this_thread::get_id() != m->caller) m->workerCpu.store(sched_getcpu());
  }
};

TEST(ThreadPoolTest, WorkersTakePart) {
  for (size_t threads : {2, 8}) {
    Pool pool = MakePool(threads);
    Meeting meeting;
    pthreadpool_parallelize_1d(pool.get(), &Meeting::Item, &meeting, 2, 0);
    EXPECT_EQ(meeting.met.load(), 2) << threads << " threads";
  }
}

// Many calls back to back with different jobs: each runs its own items once, none of another call's (a worker that
// wakes late must not run a finished job's task or claim a finished job's items). Workers are made to wake late at
// random by the test hook.
TEST(ThreadPoolTest, CallsBackToBackRunOnlyTheirOwnItems) {
  hostnn::SetThreadPoolWakeHookForTesting([] {
    thread_local unsigned n = 0;
    if (++n % 3 == 0) std::this_thread::sleep_for(std::chrono::microseconds(50 * (n % 7)));
  });
  Pool pool = MakePool(2);
  for (int call = 0; call < 2000; ++call) {
    // A fresh array per call: a stale job's task would count into a dead call's array (ASan) or this one twice.
    const size_t range = 1 + static_cast<size_t>(call % 9);
    auto hits = std::make_unique<std::vector<std::atomic<int>>>(range);
    pthreadpool_parallelize_1d(
        pool.get(), [](void* c, size_t i) { (*static_cast<std::vector<std::atomic<int>>*>(c))[i]++; }, hits.get(),
        range, 0);
    for (size_t i = 0; i < range; ++i) ASSERT_EQ((*hits)[i].load(), 1) << "call " << call << " item " << i;
  }
  hostnn::SetThreadPoolWakeHookForTesting(nullptr);
}

// A worker that the scheduler leaves off the CPU (the hook sleeps 1 s in every worker as it wakes) must not hold up a
// call: the caller runs the items itself and returns when they are done. (Debian's libpthreadpool waits for every
// worker to check in: each of these calls would take the second.)
TEST(ThreadPoolTest, LateWorkerDoesNotDelayTheCall) {
  Pool pool = MakePool(2);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // workers asleep
  hostnn::SetThreadPoolWakeHookForTesting([] { std::this_thread::sleep_for(std::chrono::seconds(1)); });
  std::vector<std::atomic<int>> hits(64);
  const auto start = Clock::now();
  for (int call = 0; call < 10; ++call)
    pthreadpool_parallelize_1d(
        pool.get(), [](void* c, size_t i) { (*static_cast<decltype(hits)*>(c))[i]++; }, &hits, hits.size(), 0);
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  hostnn::SetThreadPoolWakeHookForTesting(nullptr);
  // 640 increments take microseconds; the bound leaves room for a busy machine but not for one worker wake-up.
  EXPECT_LT(ms, 500.0) << "10 calls with a worker asleep in the hook";
  for (size_t i = 0; i < hits.size(); ++i) EXPECT_EQ(hits[i].load(), 10) << "item " << i;
}

// The CPUs this thread may run on.
std::vector<int> AllowedCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  EXPECT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

void SetAllowedCpus(const std::vector<int>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : cpus) CPU_SET(c, &set);
  ASSERT_EQ(sched_setaffinity(0, sizeof set, &set), 0);
}

TEST(ThreadPoolTest, MoveThreadOffCpuMovesAndLeavesTheAffinity) {
  const std::vector<int> cpus = AllowedCpus();
  ASSERT_GE(cpus.size(), 2U) << "this test needs a process allowed on 2 CPUs";
  SetAllowedCpus({cpus[0]});  // now on cpus[0]
  ASSERT_EQ(sched_getcpu(), cpus[0]);
  EXPECT_FALSE(hostnn::MoveThreadOffCpu(cpus[0])) << "allowed on that CPU only";
  EXPECT_EQ(AllowedCpus(), std::vector<int>{cpus[0]});
  SetAllowedCpus(cpus);
  EXPECT_TRUE(hostnn::MoveThreadOffCpu(cpus[0]));
  EXPECT_NE(sched_getcpu(), cpus[0]);
  EXPECT_EQ(AllowedCpus(), cpus);
  EXPECT_FALSE(hostnn::MoveThreadOffCpu(-1));
}

// The kernel may wake a worker on the CPU of the caller that woke it (the hook puts it there, its affinity left as it
// was); the worker must move off that CPU before it runs items, rather than time-share it with the caller. A meeting
// makes the worker run one item.
TEST(ThreadPoolTest, WorkerWokenOnTheCallersCpuMovesOffIt) {
  const std::vector<int> cpus = AllowedCpus();
  ASSERT_GE(cpus.size(), 2U) << "this test needs a process allowed on 2 CPUs";
  static int callerCpu;
  callerCpu = cpus[0];
  Pool pool = MakePool(2);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the worker has stopped spinning and sleeps
  SetAllowedCpus({callerCpu});
  hostnn::SetThreadPoolWakeHookForTesting([] {
    const std::vector<int> all = AllowedCpus();
    SetAllowedCpus({callerCpu});
    SetAllowedCpus(all);
  });
  Meeting items;
  pthreadpool_parallelize_1d(pool.get(), &Meeting::Item, &items, 2, 0);
  hostnn::SetThreadPoolWakeHookForTesting(nullptr);
  SetAllowedCpus(cpus);
  ASSERT_EQ(items.met.load(), 2) << "the worker ran no item";
  EXPECT_NE(items.workerCpu.load(), callerCpu) << "the worker ran on the caller's CPU";
}

// A task calling the pool it runs on (pthreadpool would deadlock): the inner call runs on that thread; a task calling
// another pool uses that one. Calls from several threads at once on one pool are serialised.
TEST(ThreadPoolTest, NestedAndConcurrentCalls) {
  Pool outer = MakePool(2);
  Pool other = MakePool(2);
  struct Nest {
    pthreadpool_t self;
    pthreadpool_t other;
    std::atomic<int> inner{0};
  } nest{outer.get(), other.get(), {}};
  pthreadpool_parallelize_1d(
      outer.get(),
      [](void* c, size_t) {
        auto* n = static_cast<Nest*>(c);
        for (pthreadpool_t p : {n->self, n->other})
          pthreadpool_parallelize_1d(
              p, [](void* c2, size_t) { static_cast<Nest*>(c2)->inner++; }, n, 10, 0);
      },
      &nest, 6, 0);
  EXPECT_EQ(nest.inner.load(), 6 * 2 * 10);

  std::atomic<int> total{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t)
    callers.emplace_back([&] {
      for (int call = 0; call < 200; ++call)
        pthreadpool_parallelize_1d(
            outer.get(), [](void* c, size_t) { (*static_cast<std::atomic<int>*>(c))++; }, &total, 5, 0);
    });
  for (std::thread& c : callers) c.join();
  EXPECT_EQ(total.load(), 4 * 200 * 5);
}

#if defined(__x86_64__) || defined(__i386__)
// PTHREADPOOL_FLAG_DISABLE_DENORMALS: the tasks see denormals flushed (MXCSR DAZ + FTZ), on every thread that runs
// them; the caller's MXCSR is as before afterwards.
TEST(ThreadPoolTest, DisableDenormalsFlag) {
  Pool pool = MakePool(2);
  const unsigned before = _mm_getcsr();
  for (pthreadpool_t p : {static_cast<pthreadpool_t>(nullptr), pool.get()}) {
    std::vector<std::atomic<unsigned>> csr(64);
    pthreadpool_parallelize_1d(
        p, [](void* c, size_t i) { (*static_cast<decltype(csr)*>(c))[i] = _mm_getcsr(); }, &csr, csr.size(),
        PTHREADPOOL_FLAG_DISABLE_DENORMALS);
    for (size_t i = 0; i < csr.size(); ++i) EXPECT_EQ(csr[i].load() & 0x8040U, 0x8040U) << "item " << i;
    EXPECT_EQ(_mm_getcsr(), before);
    pthreadpool_parallelize_1d(
        p, [](void* c, size_t i) { (*static_cast<decltype(csr)*>(c))[i] = _mm_getcsr(); }, &csr, csr.size(), 0);
    for (size_t i = 0; i < csr.size(); ++i) EXPECT_EQ(csr[i].load() & 0x8040U, before & 0x8040U) << "item " << i;
  }
}
#endif

// Pools destroyed idle: right after creation (workers perhaps not yet started) and after work, with the yield flag
// (workers sleep at once) and without.
TEST(ThreadPoolTest, DestroyWhileIdle) {
  for (int round = 0; round < 20; ++round) MakePool(8);
  for (uint32_t flags : {0U, static_cast<uint32_t>(PTHREADPOOL_FLAG_YIELD_WORKERS)}) {
    Pool pool = MakePool(8);
    std::atomic<int> n{0};
    pthreadpool_parallelize_1d(
        pool.get(), [](void* c, size_t) { (*static_cast<std::atomic<int>*>(c))++; }, &n, 100, flags);
    EXPECT_EQ(n.load(), 100);
  }
}

}  // namespace
