#pragma once
// The host runtime's thread pool: our implementation of pthreadpool's C API (pthreadpool.h), linked into
// npulens_hostnn so that XNNPACK's and our kernels' pthreadpool_* calls land here rather than in Debian's
// libpthreadpool (cpp/hostnn/README.md, "Thread pool"). A call returns when all its ITEMS are done: the caller claims
// items like any worker, and a worker that has not woken up yet is never waited for.
#include <pthreadpool.h>

#include <cstdint>

namespace hostnn {

// Test hook: when set, every worker calls it after waking for a new call and before claiming an item (a test makes
// it sleep to play a worker the scheduler left off the CPU). Null (the default) costs one relaxed load per wake-up.
void SetThreadPoolWakeHookForTesting(void (*hook)());

// Moves the calling thread off `cpu` when its affinity allows another CPU, and leaves its affinity as it was; returns
// whether it now runs elsewhere. Why: the kernel places a woken worker where it likes, and on a 2-vCPU guest it often
// put it on the CPU of the caller that woke it, where the two time-shared one CPU until the load balancer moved one
// (milliseconds later): a 2-thread run after an idle gap took twice a back-to-back one, longer than with 1 thread. So a
// worker that wakes on the caller's CPU moves itself off it before it claims work.
bool MoveThreadOffCpu(int cpu);

// How many of a kernel's `blocks` (of output channels) one task takes, its other dimension already in `tasks` tasks:
// all of them, unless those leave fewer than `perThread` tasks to each of `threads`; then as many as make about that
// many tasks (late layers: few pixels, many channels).
int64_t BlocksPerTask(int64_t threads, int64_t tasks, int64_t blocks, int64_t perThread);

}  // namespace hostnn
