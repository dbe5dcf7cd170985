#include "engine/ingest/event_writer.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "engine/common/log.h"
#include "engine/common/status_macros.h"
#include "engine/common/thread_name.h"

namespace proactive {

bool IsEventRefusal(const absl::Status& status) {
  return status.code() == absl::StatusCode::kAlreadyExists || status.code() == absl::StatusCode::kInvalidArgument ||
         status.code() == absl::StatusCode::kFailedPrecondition || status.code() == absl::StatusCode::kNotFound ||
         status.code() == absl::StatusCode::kPermissionDenied;
}

EventWriter::EventWriter(EventApplier* applier, Store* store, Clock* clock, EventWriterOptions options)
    : applier_(applier),
      store_(store),
      clock_(clock),
      options_(options),
      write_behind_(options.write_behind && options.write_group_at_once) {
  stats_.pending_sweeps = applier_->pending_sweeps();  // before the thread: no lock needed
  stats_.projection_loading = applier_->ProjectionLoading();
  if (write_behind_) committer_ = std::thread([this] { RunCommitter(); });
  thread_ = std::thread([this] { Run(); });
}

EventWriter::~EventWriter() { Stop(); }

absl::Status EventWriter::RefusalLocked(size_t events) const {
  if (stopping_) return absl::UnavailableError("the engine is shutting down; retry with the same event_id");
  if (!failure_.ok()) {
    return absl::UnavailableError(
        absl::StrCat("storage failed, events are not accepted until restart: ", failure_.message()));
  }
  if (queue_.size() + events > options_.max_queued) {
    return absl::UnavailableError("the ingestion queue is full; retry later");
  }
  return absl::OkStatus();
}

void EventWriter::Submit(ValidatedEvent event, Done done) {
  absl::Status refusal;
  {
    absl::MutexLock lock(&mu_);
    refusal = RefusalLocked(1);
    if (refusal.ok()) {
      queue_.push_back(Pending{std::move(event), std::move(done), nullptr, nullptr});
      return;
    }
  }
  done(refusal);
}

absl::Status EventWriter::SubmitAll(std::vector<Submission> submissions) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(RefusalLocked(submissions.size()));
  for (Submission& submission : submissions) {
    queue_.push_back(Pending{std::move(submission.event), std::move(submission.done), nullptr, nullptr});
  }
  return absl::OkStatus();
}

void EventWriter::SubmitTick(absl::CivilDay day, TickDone done) {
  absl::Status refusal;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      refusal = absl::UnavailableError("the engine is shutting down");
    } else if (!failure_.ok()) {
      refusal = absl::UnavailableError(absl::StrCat("storage failed: ", failure_.message()));
    } else {
      queue_.push_back(Pending{day, nullptr, std::move(done), nullptr});
      return;
    }
  }
  done(refusal);
}

void EventWriter::Execute(Command command, CommandDone done) {
  absl::Status refusal;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      refusal = absl::UnavailableError("the engine is shutting down; retry");
    } else if (!failure_.ok()) {
      refusal = absl::UnavailableError(absl::StrCat("storage failed: ", failure_.message()));
    } else {
      queue_.push_back(Pending{std::move(command), nullptr, nullptr, std::move(done)});
      return;
    }
  }
  done(refusal);
}

absl::Status EventWriter::ExecuteAndWait(Command command) {
  absl::Notification finished;
  absl::Status outcome;
  Execute(std::move(command), [&](absl::Status s) {
    outcome = std::move(s);
    finished.Notify();
  });
  finished.WaitForNotification();
  return outcome;
}

absl::StatusOr<IngestResult> EventWriter::SubmitAndWait(ValidatedEvent event) {
  absl::Notification finished;
  absl::StatusOr<IngestResult> outcome;
  Submit(std::move(event), [&](absl::StatusOr<IngestResult> r) {
    outcome = std::move(r);
    finished.Notify();
  });
  finished.WaitForNotification();
  return outcome;
}

void EventWriter::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  // Called from a `done` on the writer's threads: they cannot join
  // themselves (and the writer's end waits for a committer's `done` to
  // return), so a later call from another thread joins.
  const std::thread::id self = std::this_thread::get_id();
  if (writer_thread_id_.load() == self || committer_thread_id_.load() == self) return;
  absl::MutexLock lock(&join_mu_);  // two callers at once: one joins, the other waits for it
  if (thread_.joinable()) thread_.join();
  if (committer_.joinable()) committer_.join();
}

EventWriterStats EventWriter::stats() const {
  absl::MutexLock lock(&mu_);
  EventWriterStats stats = stats_;
  stats.queued = queue_.size();
  return stats;
}

absl::Status EventWriter::CurrentFailure() const {
  absl::MutexLock lock(&mu_);
  return failure_;
}

void EventWriter::Run() {
  NameThisThread("writer");
  writer_thread_id_.store(std::this_thread::get_id());
  for (;;) {
    std::deque<Pending> group;
    // The projection loads in steps between groups, like a sweep.
    const bool sweeping = (applier_->HasPendingSweep() || applier_->ProjectionLoading()) && CurrentFailure().ok();
    // A full open group waits for the committer before more is applied.
    if (OpenGroupSize() >= static_cast<size_t>(options_.max_group)) HandOffOpenGroup();
    const size_t room = static_cast<size_t>(options_.max_group) - OpenGroupSize();
    bool hand_off_now = false;
    {
      absl::MutexLock lock(&mu_);
      if (!sweeping) {
        // Wake up now and then for deadlines, which no event announces; and
        // when the committer is free to take the open group.
        mu_.AwaitWithTimeout(absl::Condition(
                                 +[](EventWriter* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) {
                                   return !w->queue_.empty() || w->stopping_ ||
                                          (w->open_group_ && w->CommitterFreeLocked());
                                 },
                                 this),
                             options_.deadline_check);
      }
      if (queue_.empty() && stopping_) break;  // unfinished sweeps resume at the next start
      // What was applied while the committer synced goes first: its events
      // have waited longest.
      hand_off_now = open_group_ && CommitterFreeLocked();
      if (!hand_off_now) {
        size_t n = std::min(queue_.size(), room);
        for (size_t i = 0; i < n; ++i) {
          group.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
    }
    if (hand_off_now) HandOffOpenGroup();
    if (!group.empty()) {
      WriteSweepAhead();
      CommitGroup(&group);
    }
    if (CurrentFailure().ok()) ProcessDeadlines();
    if (CurrentFailure().ok()) ProcessRetention();
    // Last in the turn: a chunk it decides ahead is written by the next
    // AdvanceSweep, before anything else writes (WriteSweepAhead).
    if (applier_->HasPendingSweep() && CurrentFailure().ok()) {
      AdvanceSweep(/*run_ahead=*/NothingWaits());
    } else if (CurrentFailure().ok() && applier_->ProjectionLoading()) {
      LoadProjectionStep();
    }
  }
  (void)FinishWritingBehind();  // a failure refused what was left
  {
    absl::MutexLock lock(&mu_);
    committer_stopping_ = true;
  }
  // Nothing reads the store on the writer's behalf once it stops.
  applier_->StopRunningAhead();
  // Ticks whose sweep did not finish: tell their callers.
  for (auto& [id, waiting] : waiting_ticks_) {
    waiting.first(
        absl::UnavailableError("the engine stopped before the daily evaluation "
                               "finished; it resumes at restart"));
  }
  waiting_ticks_.clear();
}

// Without fsync (--durability=async) the group still goes to the operating
// system before it is acknowledged: it survives a crash of the process.
absl::Status EventWriter::Sync() { return options_.sync ? store_->SyncWal() : store_->FlushWal(); }

bool EventWriter::NothingWaits() const {
  absl::MutexLock lock(&mu_);
  return queue_.empty() && !stopping_;
}

void EventWriter::WriteSweepAhead() {
  // Every caller syncs its own write next: one fsync for both, so that an
  // event arriving during a broadcast waits for one sync, not two.
  if (applier_->SweepRunningAhead() && CurrentFailure().ok()) AdvanceSweep(/*run_ahead=*/false, /*sync_now=*/false);
}

void EventWriter::AdvanceSweep(bool run_ahead, bool sync_now) {
  if (!FinishWritingBehind().ok()) return;
  absl::StatusOr<SweepProgress> progress = applier_->Sweep(options_.sweep_chunk, run_ahead);
  // The end of a sweep is synced at once: a tick waiting for it and the
  // status (no pending sweep) mean a durable sweep.
  const bool finished = progress.ok() && progress->finished;
  absl::Status status = !progress.ok() ? progress.status() : (sync_now || finished) ? Sync() : absl::OkStatus();
  if (!status.ok()) {
    LogError("ingest",
             absl::StrCat("storage failure during a sweep, refusing events until restart: ", status.ToString()));
    absl::MutexLock lock(&mu_);
    if (failure_.ok()) failure_ = status;
    return;
  }
  {
    // Asked outside the lock: it may make a new projection for new rules.
    const bool loading = applier_->ProjectionLoading();
    absl::MutexLock lock(&mu_);
    ++stats_.sweep_chunks;
    stats_.pending_sweeps = applier_->pending_sweeps();
    stats_.projection_loading = loading;
  }
  auto it = waiting_ticks_.find(progress->sweep_id);
  if (it == waiting_ticks_.end()) return;
  it->second.second.persons += progress->persons;
  it->second.second.decisions += progress->decisions;
  if (progress->finished) {
    TickDone done = std::move(it->second.first);
    TickOutcome outcome = it->second.second;
    waiting_ticks_.erase(it);
    done(outcome);
  }
}

void EventWriter::LoadProjectionStep() {
  if (!FinishWritingBehind().ok()) return;
  absl::Status status = applier_->LoadProjectionStep();
  if (status.ok()) {
    const bool loading = applier_->ProjectionLoading();
    absl::MutexLock lock(&mu_);
    stats_.projection_loading = loading;
    return;
  }
  LogError("ingest", absl::StrCat("storage failure while loading the population projection, refusing events until "
                                  "restart: ",
                                  status.ToString()));
  absl::MutexLock lock(&mu_);
  if (failure_.ok()) failure_ = status;
}

void EventWriter::ProcessDeadlines() {
  const absl::Time now = clock_->Now();
  absl::StatusOr<bool> due = applier_->commands().DeadlineDue(now);
  if (due.ok() && !*due) return;
  if (!FinishWritingBehind().ok()) return;
  WriteSweepAhead();
  if (!CurrentFailure().ok()) return;
  absl::StatusOr<int> processed = due.ok() ? applier_->commands().ProcessDueDeadlines(now, 500) : due.status();
  absl::Status status = processed.ok() ? Sync() : processed.status();
  absl::MutexLock lock(&mu_);
  if (!status.ok()) {
    LogError("ingest",
             absl::StrCat("storage failure on deadlines, refusing events until restart: ", status.ToString()));
    if (failure_.ok()) failure_ = status;
    return;
  }
  stats_.deadlines += *processed;
}

void EventWriter::ProcessRetention() {
  const absl::Time now = clock_->Now();
  if (now < next_retention_check_) return;
  std::shared_ptr<const RuleSet> rules = applier_->current_rules();
  const int days = rules != nullptr ? rules->city().event_retention_days : 0;
  if (days <= 0) {
    next_retention_check_ = now + options_.retention_check;
    return;
  }
  if (!FinishWritingBehind().ok()) return;
  WriteSweepAhead();
  if (!CurrentFailure().ok()) return;
  absl::StatusOr<RetentionProgress> progress =
      applier_->eraser().EraseExpiredEvents(now, absl::Hours(24) * days, options_.retention_chunk);
  absl::Status status = progress.ok() ? Sync() : progress.status();
  absl::MutexLock lock(&mu_);
  if (!status.ok()) {
    LogError("ingest", absl::StrCat("storage failure on event retention, "
                                    "refusing events until restart: ",
                                    status.ToString()));
    if (failure_.ok()) failure_ = status;
    return;
  }
  stats_.events_expired += progress->erased;
  // A full chunk: more may be due, go on at the next turn of the loop.
  if (progress->caught_up) next_retention_check_ = now + options_.retention_check;
}

void EventWriter::CommitGroup(std::deque<Pending>* group) {
  GroupResults results(group->size());
  const bool events_only = std::all_of(group->begin(), group->end(),
                                       [](const Pending& p) { return std::holds_alternative<ValidatedEvent>(p.work); });
  // Written, synced and answered by the committer thread, in order after the
  // groups handed to it before. Otherwise by this thread, once the committer
  // answered those: then a failure of theirs refuses this group too.
  absl::Status failure = CurrentFailure();
  const bool behind = write_behind_ && events_only && failure.ok();
  if (!behind) {
    failure = FinishWritingBehind();
  } else {
    store_->ForgetWritten();  // what the committer wrote is read from the store now
  }
  // A group of events only is written at once, after the last one
  // (Store::DeferWrites); commands and ticks write as they go.
  const bool write_at_once = options_.write_group_at_once && failure.ok() && events_only;
  if (write_at_once) store_->DeferWrites();
  for (size_t i = 0; i < group->size(); ++i) {
    Pending& pending = (*group)[i];
    if (!failure.ok()) {
      absl::Status refused = absl::UnavailableError(absl::StrCat("storage failed, not applied: ", failure.message()));
      results.events[i] = refused;
      results.ticks[i] = refused;
      results.commands[i] = refused;
      continue;
    }
    absl::Status error;
    if (auto* event = std::get_if<ValidatedEvent>(&pending.work)) {
      results.events[i] = applier_->Apply(std::move(*event), clock_->Now());
      error = results.events[i].status();
    } else if (auto* command = std::get_if<Command>(&pending.work)) {
      results.commands[i] = (*command)(*applier_);
      error = results.commands[i];
    } else {
      results.ticks[i] = applier_->Tick(std::get<absl::CivilDay>(pending.work));
      error = results.ticks[i].status();
    }
    if (!error.ok() && !IsEventRefusal(error)) {
      failure = error;
      LogError("ingest", absl::StrCat("storage failure, refusing events until restart: ", failure.ToString()));
    }
  }
  const bool projection_loading = applier_->ProjectionLoading();  // outside the lock, as above
  if (behind) {
    // Joins the open group: sealed and handed off at once when the
    // committer is free, else once it is (Run).
    if (open_ == nullptr) open_ = std::make_unique<Handoff>();
    for (size_t i = 0; i < group->size(); ++i) {
      open_->group.push_back(std::move((*group)[i]));
      open_->results.events.push_back(std::move(results.events[i]));
      open_->results.ticks.push_back(std::move(results.ticks[i]));
      open_->results.commands.push_back(std::move(results.commands[i]));
    }
    open_->projection_loading = projection_loading;
    bool committer_free = false;
    {
      absl::MutexLock lock(&mu_);
      if (!failure.ok() && failure_.ok()) failure_ = failure;  // refuse what comes next at once
      open_group_ = true;
      committer_free = CommitterFreeLocked();
    }
    if (!failure.ok()) {
      // Nothing of the open group is acknowledged: its records are dropped.
      store_->DiscardDeferred();
      open_->failure = std::move(failure);
      HandOffOpenGroup();
    } else if (committer_free) {
      HandOffOpenGroup();
    }
    return;
  }
  if (write_at_once) {
    if (failure.ok()) {
      failure = store_->WriteDeferred();
      if (!failure.ok()) {
        LogError("ingest", absl::StrCat("storage failure, refusing events until restart: ", failure.ToString()));
      }
    } else {
      store_->DiscardDeferred();  // nothing of the group is acknowledged
    }
  }
  // Duplicates are acknowledged after the sync too: the original may be in
  // this very group, or written by a group whose sync failed.
  if (failure.ok()) {
    absl::Status synced = Sync();
    if (!synced.ok()) {
      failure = synced;
      LogError("ingest", absl::StrCat("fsync failed, refusing events until restart: ", synced.ToString()));
    }
  }
  AnswerGroup(group, &results, failure, applier_->pending_sweeps(), projection_loading);
}

void EventWriter::HandOffOpenGroup() {
  if (open_ == nullptr) return;
  if (open_->failure.ok()) open_->write = store_->SealDeferred();
  open_->pending_sweeps = applier_->pending_sweeps();
  std::unique_ptr<Handoff> handoff = std::move(open_);
  absl::MutexLock lock(&mu_);
  open_group_ = false;
  // One group waits while the committer writes another; the writer goes on
  // applying the next, and its reads go through the records of both.
  mu_.Await(absl::Condition(
      +[](EventWriter* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) { return w->handoff_ == nullptr; }, this));
  handoff_ = std::move(handoff);
}

absl::Status EventWriter::FinishWritingBehind() {
  if (!write_behind_) return CurrentFailure();
  HandOffOpenGroup();
  absl::Status failure;
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](EventWriter* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) { return w->handoff_ == nullptr && !w->committing_; },
        this));
    failure = failure_;
  }
  // Everything recorded is written now, or failed and refused.
  if (store_->Deferring()) store_->DiscardDeferred();
  return failure;
}

void EventWriter::RunCommitter() {
  NameThisThread("committer");
  committer_thread_id_.store(std::this_thread::get_id());
  for (;;) {
    std::unique_ptr<Handoff> handoff;
    absl::Status earlier;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](EventWriter* w)
               ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) { return w->handoff_ != nullptr || w->committer_stopping_; },
          this));
      if (handoff_ == nullptr) return;
      handoff = std::move(handoff_);
      committing_ = true;
      syncing_ = true;
      earlier = commit_failure_;
    }
    absl::Status failure = handoff->failure;
    if (failure.ok() && !earlier.ok()) {
      // Applied over the records of a group whose write or sync failed.
      failure = absl::Status(earlier.code(), absl::StrCat("not written, an earlier group failed: ", earlier.message()));
    }
    if (failure.ok()) {
      failure = store_->WriteSealed(handoff->write);
      if (!failure.ok()) {
        LogError("ingest", absl::StrCat("storage failure, refusing events until restart: ", failure.ToString()));
      }
    }
    if (failure.ok()) {
      failure = Sync();
      if (!failure.ok()) {
        LogError("ingest", absl::StrCat("fsync failed, refusing events until restart: ", failure.ToString()));
      }
    }
    {
      absl::MutexLock lock(&mu_);
      // this thread's own failure: a write or a sync
      if (!failure.ok() && handoff->failure.ok() && commit_failure_.ok()) commit_failure_ = failure;
      syncing_ = false;  // the writer hands off its open group while this one is answered
    }
    AnswerGroup(&handoff->group, &handoff->results, failure, handoff->pending_sweeps, handoff->projection_loading);
    absl::MutexLock lock(&mu_);
    committing_ = false;
  }
}

void EventWriter::AnswerGroup(std::deque<Pending>* group, GroupResults* results, const absl::Status& failure,
                              size_t pending_sweeps, bool projection_loading) {
  if (!failure.ok()) {
    // Nothing of this group is known durable: no acknowledgement.
    absl::Status unavailable = absl::UnavailableError(absl::StrCat("storage failed: ", failure.message()));
    for (auto& r : results->events) {
      if (r.ok()) r = unavailable;
    }
    for (auto& t : results->ticks) {
      if (t.ok()) t = unavailable;
    }
    for (auto& c : results->commands) {
      if (c.ok()) c = unavailable;
    }
  }
  {
    absl::MutexLock lock(&mu_);
    if (!failure.ok() && failure_.ok()) failure_ = failure;
    for (const Pending& pending : *group) {
      if (std::holds_alternative<ValidatedEvent>(pending.work)) {
        ++stats_.events;
      } else if (std::holds_alternative<Command>(pending.work)) {
        ++stats_.commands;
      } else {
        ++stats_.ticks;
      }
    }
    stats_.groups += 1;
    stats_.pending_sweeps = pending_sweeps;
    stats_.projection_loading = projection_loading;
  }
  for (size_t i = 0; i < group->size(); ++i) {
    Pending& pending = (*group)[i];
    if (pending.done) {
      pending.done(std::move(results->events[i]));
      continue;
    }
    if (pending.command_done) {
      pending.command_done(std::move(results->commands[i]));
      continue;
    }
    // Ticks are in groups the writer thread answers itself.
    absl::StatusOr<TickResult>& tick = results->ticks[i];
    if (!tick.ok()) {
      pending.tick_done(tick.status());
    } else if (tick->already_ran || tick->sweep_id == 0) {
      TickOutcome outcome;
      outcome.already_ran = tick->already_ran;
      pending.tick_done(outcome);
    } else {
      waiting_ticks_[tick->sweep_id] = {std::move(pending.tick_done), TickOutcome{}};
    }
  }
}

}  // namespace proactive
