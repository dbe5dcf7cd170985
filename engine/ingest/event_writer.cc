#include "engine/ingest/event_writer.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "engine/common/log.h"

namespace proactive {
namespace {

// Errors that are about one event, not about the storage.
bool IsEventError(const absl::Status& status) {
  return status.code() == absl::StatusCode::kAlreadyExists ||
         status.code() == absl::StatusCode::kInvalidArgument;
}

}  // namespace

EventWriter::EventWriter(EventApplier* applier, Store* store, Clock* clock,
                         EventWriterOptions options)
    : applier_(applier), store_(store), clock_(clock), options_(options) {
  thread_ = std::thread([this] { Run(); });
}

EventWriter::~EventWriter() { Stop(); }

void EventWriter::Submit(ValidatedEvent event, Done done) {
  absl::Status refusal;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) {
      refusal = absl::UnavailableError("the engine is shutting down; retry with the same event_id");
    } else if (!failure_.ok()) {
      refusal = absl::UnavailableError(
          absl::StrCat("storage failed, events are not accepted until restart: ", failure_.message()));
    } else if (queue_.size() >= options_.max_queued) {
      refusal = absl::UnavailableError("the ingestion queue is full; retry later");
    } else {
      queue_.push_back(Pending{std::move(event), std::move(done)});
      return;
    }
  }
  done(refusal);
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
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

EventWriterStats EventWriter::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void EventWriter::Run() {
  for (;;) {
    std::deque<Pending> group;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(
          +[](EventWriter* w) ABSL_EXCLUSIVE_LOCKS_REQUIRED(w->mu_) {
            return !w->queue_.empty() || w->stopping_;
          },
          this));
      if (queue_.empty()) return;  // stopping, and everything was applied
      size_t n = std::min(queue_.size(), static_cast<size_t>(options_.max_group));
      for (size_t i = 0; i < n; ++i) {
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    CommitGroup(&group);
  }
}

void EventWriter::CommitGroup(std::deque<Pending>* group) {
  std::vector<absl::StatusOr<IngestResult>> results;
  results.reserve(group->size());
  absl::Status failure;
  {
    absl::MutexLock lock(&mu_);
    failure = failure_;
  }
  for (Pending& pending : *group) {
    if (!failure.ok()) {
      results.push_back(absl::UnavailableError(
          absl::StrCat("storage failed, event not applied: ", failure.message())));
      continue;
    }
    absl::StatusOr<IngestResult> result = applier_->Apply(pending.event, clock_->Now());
    if (!result.ok() && !IsEventError(result.status())) {
      failure = result.status();
      LogError("ingest", absl::StrCat("storage failure, refusing events until restart: ",
                                      failure.ToString()));
    }
    results.push_back(std::move(result));
  }
  // Duplicates are acknowledged after the sync too: the original may be in
  // this very group, or written by a group whose sync failed.
  if (options_.sync && failure.ok()) {
    absl::Status synced = store_->SyncWal();
    if (!synced.ok()) {
      failure = synced;
      LogError("ingest", absl::StrCat("fsync failed, refusing events until restart: ",
                                      synced.ToString()));
    }
  }
  if (!failure.ok()) {
    // Nothing of this group is known durable: no acknowledgement.
    for (auto& r : results) {
      if (r.ok()) r = absl::UnavailableError(absl::StrCat("storage failed: ", failure.message()));
    }
  }
  {
    absl::MutexLock lock(&mu_);
    if (!failure.ok() && failure_.ok()) failure_ = failure;
    stats_.events += group->size();
    stats_.groups += 1;
  }
  for (size_t i = 0; i < group->size(); ++i) (*group)[i].done(std::move(results[i]));
}

}  // namespace proactive
