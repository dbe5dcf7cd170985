// The write path: a single writer thread applies queued events in arrival
// order and acknowledges them only once they are durable. Events queued
// together share one fsync (group commit), which is what makes durable
// ingestion fast. Between groups the thread advances population sweeps
// (broadcasts, daily ticks) chunk by chunk, so events keep flowing.
//
//   EventWriter writer(applier.get(), store.get(), SystemClock(), {});
//   writer.Submit(std::move(event), [](absl::StatusOr<IngestResult> r) { ... });
//   writer.SubmitTick(absl::CivilDay(2026, 1, 12), [](absl::StatusOr<TickOutcome> r) { ... });
//   writer.Stop();  // applies and acknowledges what is queued, then returns
#ifndef PROACTIVE_ENGINE_INGEST_EVENT_WRITER_H_
#define PROACTIVE_ENGINE_INGEST_EVENT_WRITER_H_

#include <cstdint>
#include <deque>
#include <map>
#include <thread>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "engine/common/clock.h"
#include "engine/ingest/event_applier.h"
#include "engine/ingest/event_validator.h"
#include "engine/store/store.h"

namespace proactive {

struct EventWriterOptions {
  // Acknowledge only after fsync. False only for development and
  // benchmarks: a power cut may then lose acknowledged events.
  bool sync = true;
  int max_group = 1024;       // events per group commit at most
  size_t max_queued = 65536;  // beyond this, Submit refuses with UNAVAILABLE
  int sweep_chunk = 2000;     // persons per sweep chunk
};

struct EventWriterStats {
  uint64_t events = 0;  // applied or duplicate (daily ticks are not events)
  uint64_t groups = 0;  // group commits (fsyncs when sync)
  uint64_t sweep_chunks = 0;
  size_t pending_sweeps = 0;
};

// What a daily tick did, once its sweep finished.
struct TickOutcome {
  bool already_ran = false;
  int64_t persons = 0;
  int64_t decisions = 0;
};

class EventWriter {
 public:
  using Done = absl::AnyInvocable<void(absl::StatusOr<IngestResult>)>;
  using TickDone = absl::AnyInvocable<void(absl::StatusOr<TickOutcome>)>;

  // Starts the writer thread. REQUIRES: all pointers outlive the writer.
  EventWriter(EventApplier* applier, Store* store, Clock* clock, EventWriterOptions options);
  // Stops (see Stop).
  ~EventWriter();
  EventWriter(const EventWriter&) = delete;
  EventWriter& operator=(const EventWriter&) = delete;

  // Queues `event`. `done` is called exactly once: on the writer thread once
  // the event is durable (or refused), or immediately with UNAVAILABLE when
  // the writer is stopped, failed, or its queue is full. `done` must not
  // block for long: it delays the next group.
  void Submit(ValidatedEvent event, Done done);
  absl::StatusOr<IngestResult> SubmitAndWait(ValidatedEvent event);

  // Runs the daily schedule for `day`; `done` is called once its sweep is
  // finished and durable (or at once when it already ran for that day).
  void SubmitTick(absl::CivilDay day, TickDone done);

  // Applies and acknowledges every queued event, then stops the thread.
  // Sweeps not finished stay recorded and resume at the next start. Later
  // Submits fail with UNAVAILABLE. Idempotent; thread-safe.
  void Stop();

  EventWriterStats stats() const;

 private:
  struct Pending {
    std::variant<ValidatedEvent, absl::CivilDay> work;
    Done done;          // events
    TickDone tick_done;  // ticks
  };

  void Run();
  void CommitGroup(std::deque<Pending>* group);
  void AdvanceSweep();
  absl::Status Sync();
  absl::Status CurrentFailure() const;

  EventApplier* const applier_;
  Store* const store_;
  Clock* const clock_;
  const EventWriterOptions options_;

  mutable absl::Mutex mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);  // set once storage failed
  EventWriterStats stats_ ABSL_GUARDED_BY(mu_);
  // Writer thread only: ticks waiting for their sweep, by sweep id.
  std::map<uint64_t, std::pair<TickDone, TickOutcome>> waiting_ticks_;
  std::thread thread_;
};

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_INGEST_EVENT_WRITER_H_
