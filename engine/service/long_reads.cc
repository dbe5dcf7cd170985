#include "engine/service/long_reads.h"

#include <utility>

#include "engine/common/thread_name.h"

namespace proactive {

LongReads::LongReads(std::string thread_name)
    : thread_([this, thread_name = std::move(thread_name)] { Loop(thread_name); }) {}

LongReads::~LongReads() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  thread_.join();
}

void LongReads::Run(std::function<void()> read) {
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(read));
}

void LongReads::Loop(const std::string& thread_name) {
  NameThisThread(thread_name.c_str());
  for (;;) {
    std::function<void()> read;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](LongReads* self)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) { return self->stopping_ || !self->queue_.empty(); },
          this));
      if (queue_.empty()) return;  // stopping, and everything queued ran
      read = std::move(queue_.front());
      queue_.pop_front();
    }
    read();
  }
}

}  // namespace proactive
