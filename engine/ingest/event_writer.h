// The write path: a single writer thread applies queued events in arrival
// order and acknowledges them only once they are durable. Events queued
// together share one fsync (group commit), which is what makes durable
// ingestion fast; a second thread writes, syncs and answers a group while
// the writer applies the next (EventWriterOptions::write_behind), and every
// event applied during that fsync joins the next group. Between
// groups the writer advances population sweeps (broadcasts, daily ticks)
// chunk by chunk, so events keep flowing.
//
//   EventWriter writer(applier.get(), store.get(), SystemClock(), {});
//   writer.Submit(std::move(event), [](absl::StatusOr<IngestResult> r) { ...
//   }); writer.SubmitTick(absl::CivilDay(2026, 1, 12),
//   [](absl::StatusOr<TickOutcome> r) { ... }); writer.Stop();  // applies and
//   acknowledges what is queued, then returns
#ifndef PROACTIVE_ENGINE_INGEST_EVENT_WRITER_H_
#define PROACTIVE_ENGINE_INGEST_EVENT_WRITER_H_

#include <atomic>
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
  // benchmarks: acknowledged events are then written to the operating system,
  // not fsynced, and a power cut may lose them (a crash of the process not).
  bool sync = true;
  int max_group = 1024;  // events per group commit at most
  // A group of events only is written to the store as one batch after its
  // last event (Store::DeferWrites), not one batch per event. The state
  // after the group is the same; false: one write per event.
  bool write_group_at_once = true;
  // With write_group_at_once: a second thread writes, fsyncs and answers a
  // group of events while the writer applies the next one, reading the
  // group's records until they are in the store (Store::SealDeferred). A
  // command, a tick, a sweep chunk, deadlines and retention wait until that
  // thread has answered everything handed to it. The writer hands a group
  // over only once the committer has synced the one before (or at
  // max_group): until then it adds what it applies to it, so under load a
  // group holds what arrived during an fsync. False: the writer writes,
  // syncs and answers each group itself before the next.
  bool write_behind = true;
  size_t max_queued = 65536;  // beyond this, Submit refuses with UNAVAILABLE
  int sweep_chunk = 2000;     // persons per sweep chunk
  // How often the writer looks for due deadlines when idle.
  absl::Duration deadline_check = absl::Seconds(1);
  // How often the writer erases the payloads of events past the city's
  // retention period (city.yaml event_retention_days), in chunks.
  absl::Duration retention_check = absl::Minutes(10);
  int retention_chunk = 2000;
};

struct EventWriterStats {
  uint64_t events = 0;    // events applied or acknowledged as duplicates
  uint64_t commands = 0;  // decision, case, gateway and erasure commands
  uint64_t ticks = 0;     // daily evaluations started
  uint64_t groups = 0;    // group commits (fsyncs when sync)
  size_t queued = 0;      // events and commands waiting for the writer
  uint64_t sweep_chunks = 0;
  size_t pending_sweeps = 0;
  // The population projection sweeps filter with is loading (after a start,
  // or new rules): a sweep started now waits for it.
  bool projection_loading = false;
  uint64_t deadlines = 0;       // deadlines processed
  uint64_t events_expired = 0;  // event payloads erased at the end of their retention
};

// What a daily tick did, once its sweep finished.
struct TickOutcome {
  bool already_ran = false;
  int64_t persons = 0;
  int64_t decisions = 0;
};

// True for a refusal of one event or command (ALREADY_EXISTS,
// INVALID_ARGUMENT, FAILED_PRECONDITION, NOT_FOUND, PERMISSION_DENIED); any
// other error is the engine's (storage failed, shutting down): the writer
// stops.
bool IsEventRefusal(const absl::Status& status);

class EventWriter {
 public:
  using Done = absl::AnyInvocable<void(absl::StatusOr<IngestResult>)>;
  struct Submission {
    ValidatedEvent event;
    Done done;
  };
  using TickDone = absl::AnyInvocable<void(absl::StatusOr<TickOutcome>)>;
  // A change to decisions or cases, run on the writer thread; it writes its
  // own batch (unsynced) and returns why it was refused, if it was.
  using Command = absl::AnyInvocable<absl::Status(EventApplier&)>;
  using CommandDone = absl::AnyInvocable<void(absl::Status)>;

  // Starts the writer thread. REQUIRES: all pointers outlive the writer.
  EventWriter(EventApplier* applier, Store* store, Clock* clock, EventWriterOptions options);
  // Stops (see Stop).
  ~EventWriter();
  EventWriter(const EventWriter&) = delete;
  EventWriter& operator=(const EventWriter&) = delete;

  // Queues `event`. `done` is called exactly once: on the writer's threads
  // once the event is durable (or refused), in the order of submission, or
  // immediately with UNAVAILABLE when the writer is stopped, failed, or its
  // queue is full. `done` must not block for long: it delays the next group.
  void Submit(ValidatedEvent event, Done done);
  absl::StatusOr<IngestResult> SubmitAndWait(ValidatedEvent event);
  // Queues every submission, in order, or none: UNAVAILABLE when the writer
  // is stopped, failed, or its queue has no room for them all; then no
  // `done` is called. Otherwise each `done` is called as by Submit.
  absl::Status SubmitAll(std::vector<Submission> submissions);

  // Runs the daily schedule for `day`; `done` is called once its sweep is
  // finished and durable (or at once when it already ran for that day).
  void SubmitTick(absl::CivilDay day, TickDone done);

  // Runs `command` in arrival order with the events; `done` is called once
  // its batch is durable, or with its refusal (FAILED_PRECONDITION,
  // INVALID_ARGUMENT, NOT_FOUND), or UNAVAILABLE.
  void Execute(Command command, CommandDone done);
  absl::Status ExecuteAndWait(Command command);

  // Applies and acknowledges every queued event, then stops the thread.
  // Sweeps not finished stay recorded and resume at the next start. Later
  // Submits fail with UNAVAILABLE. Idempotent; thread-safe.
  void Stop();

  EventWriterStats stats() const;

 private:
  struct Pending {
    std::variant<ValidatedEvent, absl::CivilDay, Command> work;
    Done done;                 // events
    TickDone tick_done;        // ticks
    CommandDone command_done;  // commands
  };

  // Why `events` more events cannot be queued now; OK when they can.
  absl::Status RefusalLocked(size_t events) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // What each of a group's events, ticks and commands came to.
  struct GroupResults {
    explicit GroupResults(size_t n) : events(n), ticks(n), commands(n) {}
    std::vector<absl::StatusOr<IngestResult>> events;
    std::vector<absl::StatusOr<TickResult>> ticks;
    std::vector<absl::Status> commands;
  };
  // A group of events applied and sealed, for the committer thread to write,
  // sync and answer.
  struct Handoff {
    std::deque<Pending> group;
    GroupResults results{0};
    Store::SealedWrite write;
    absl::Status failure;  // the engine's, while applying: nothing to write
    size_t pending_sweeps = 0;
    bool projection_loading = false;
  };

  void Run();
  void CommitGroup(std::deque<Pending>* group);
  // Answers every pending of `group` with its result, or with UNAVAILABLE
  // when `failure` (then nothing of the group is known durable); counts the
  // group in the stats.
  void AnswerGroup(std::deque<Pending>* group, GroupResults* results, const absl::Status& failure,
                   size_t pending_sweeps, bool projection_loading);
  // The committer thread: writes, syncs and answers the groups handed off.
  void RunCommitter();
  // Seals the open group of events (open_) and hands it off, waiting for
  // room; nothing when there is none.
  void HandOffOpenGroup();
  // The committer has synced everything handed to it and nothing waits for
  // it: a group sealed now is written at once.
  bool CommitterFreeLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return handoff_ == nullptr && !syncing_; }
  size_t OpenGroupSize() const { return open_ != nullptr ? open_->group.size() : 0; }
  // Waits until the committer thread has answered every group handed to it,
  // then stops deferring writes: before the writer writes anything itself.
  // Returns the storage failure, if any (then the caller writes nothing).
  absl::Status FinishWritingBehind();
  // Advances the oldest sweep by a chunk; with `run_ahead`, the next chunk
  // is decided while this one is written (EventApplier::Sweep). Without
  // `sync_now`, the caller syncs right after (a group commit), unless the
  // chunk finishes its sweep.
  void AdvanceSweep(bool run_ahead, bool sync_now = true);
  // Writes the sweep chunk decided ahead, if any: before any other write.
  // The caller's next write is synced with it (see AdvanceSweep).
  void WriteSweepAhead();
  // Nothing is queued and the writer is not stopping.
  bool NothingWaits() const;
  void LoadProjectionStep();
  void ProcessDeadlines();
  void ProcessRetention();
  absl::Status Sync();
  absl::Status CurrentFailure() const;

  EventApplier* const applier_;
  Store* const store_;
  Clock* const clock_;
  const EventWriterOptions options_;
  const bool write_behind_;  // options_.write_behind with write_group_at_once

  mutable absl::Mutex mu_;
  std::deque<Pending> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);  // set once storage failed
  EventWriterStats stats_ ABSL_GUARDED_BY(mu_);
  // Writer thread only: ticks waiting for their sweep, by sweep id.
  std::map<uint64_t, std::pair<TickDone, TickOutcome>> waiting_ticks_;
  absl::Time next_retention_check_ = absl::InfinitePast();  // writer thread only
  // The group waiting for the committer thread, and whether it is busy with
  // one (taken from handoff_).
  std::unique_ptr<Handoff> handoff_ ABSL_GUARDED_BY(mu_);
  bool committing_ ABSL_GUARDED_BY(mu_) = false;
  // The committer took a group and has not synced it yet (it may be
  // answering it after).
  bool syncing_ ABSL_GUARDED_BY(mu_) = false;
  // Writer thread only: events applied and recorded while the committer
  // was busy, not sealed yet. It grows until the committer is free (or
  // max_group), so that one fsync covers every event that arrived during
  // the one before: under load, groups grow with the time a sync takes.
  std::unique_ptr<Handoff> open_;
  bool open_group_ ABSL_GUARDED_BY(mu_) = false;  // open_ is set (for the writer's wait)
  bool committer_stopping_ ABSL_GUARDED_BY(mu_) = false;
  // The committer's first failure to write or sync: it refuses every later
  // group handed to it (applied over the failed one). A failure while
  // applying (failure_ only) leaves the groups applied before it alone.
  absl::Status commit_failure_ ABSL_GUARDED_BY(mu_);
  absl::Mutex join_mu_;  // Stop's joins
  // Set by each thread as it starts: Stop called on them does not join.
  std::atomic<std::thread::id> writer_thread_id_{}, committer_thread_id_{};
  std::thread thread_;
  std::thread committer_;  // only with write_behind
};

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_INGEST_EVENT_WRITER_H_
