// Reads too long for gRPC's callback threads run on a thread of their own,
// one after another: those that go through a whole column family for one
// call (verifying the audit chain, the impact statistics), and, on another
// instance, bounded walks of the audit chain (up to 100,000 entries, about
// 150 ms). gRPC 1.51 runs every callback handler on a pool of half the
// cores' threads (2 to 16) shared by all services: two auditors' scans there
// would stall ingestion for as long.
//
//   LongReads long_reads_("long-reads");
//   long_reads_.Run([reactor, response, this] {
//     reactor->Finish(ToGrpcStatus(Scan(response)));
//   });
#ifndef PROACTIVE_ENGINE_SERVICE_LONG_READS_H_
#define PROACTIVE_ENGINE_SERVICE_LONG_READS_H_

#include <deque>
#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace proactive {

class LongReads {
 public:
  // Starts the thread, named `thread_name` (at most 15 characters, for top -H).
  explicit LongReads(std::string thread_name);
  // Runs what is queued, then joins the thread. A gRPC server waits for its
  // calls to finish when it shuts down, so by then nothing is queued.
  ~LongReads();
  LongReads(const LongReads&) = delete;
  LongReads& operator=(const LongReads&) = delete;

  // Queues `read` and returns at once; it runs after those queued before.
  // It must finish its call's reactor: nothing else will.
  void Run(std::function<void()> read);

 private:
  void Loop(const std::string& thread_name);

  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_SERVICE_LONG_READS_H_
