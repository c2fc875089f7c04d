#include "job_queue.h"

#include <utility>

namespace npulens::binding {

void JobQueue::Push(Job job) {
  if (running_) {
    waiting_.push_back(std::move(job));
    return;
  }
  running_ = true;
  job.start();
}

void JobQueue::Finished() {
  running_ = false;
  if (waiting_.empty()) return;
  Job next = std::move(waiting_.front());
  waiting_.pop_front();
  running_ = true;
  next.start();
}

void JobQueue::RejectWaiting(const Status& status) {
  std::deque<Job> jobs;
  jobs.swap(waiting_);
  for (Job& job : jobs) job.reject(status);
}

}  // namespace npulens::binding
