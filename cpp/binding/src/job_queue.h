// Per-classifier FIFO of asynchronous jobs. JS thread only. One job runs at a time, so a session never sees two
// concurrent calls from us and no libuv worker thread ever blocks waiting for another job's lock.
#pragma once

#include <deque>
#include <functional>

#include "core/status.h"

namespace npulens::binding {

class JobQueue {
 public:
  struct Job {
    std::function<void()> start;                // creates and queues the AsyncWorker; it calls Finished() when done
    std::function<void(const Status&)> reject;  // settles the job's promise without running it
  };

  // Starts the job now when idle, else queues it.
  void Push(Job job);
  // The running job has settled its promise: start the next one.
  void Finished();
  // Rejects every job that has not started yet.
  void RejectWaiting(const Status& status);
  bool running() const { return running_; }

 private:
  std::deque<Job> waiting_;
  bool running_ = false;
};

}  // namespace npulens::binding
