// A bound on what ingestion holds between reading an event from a client and
// the event writer's answer, shared by every call: the global half of the
// ingestion backpressure (the per-stream window is the other half).
//
//   InFlightBudget budget(64 << 20);
//   auto waiter = std::make_shared<BudgetWaiter>([this] { ResumeReading(); });
//   if (budget.HasRoomOrWait(waiter)) StartRead(...);  // else resumed later
//   budget.Charge(cost);   // when the event goes to the writer
//   budget.Release(cost);  // when the writer answered it
//   waiter->Close();       // before the stream goes away
//
// A stream that finds the budget spent stops reading (the client's writes
// then block on HTTP/2 flow control) instead of being refused; it is resumed
// as soon as the writer's answers bring the budget back under its capacity.
// The writer always progresses, whether clients read their answers or not,
// so a paused stream is never stuck behind a slow reader.
#ifndef PROACTIVE_ENGINE_SERVICE_IN_FLIGHT_BUDGET_H_
#define PROACTIVE_ENGINE_SERVICE_IN_FLIGHT_BUDGET_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace proactive {

// Something paused for lack of budget (a stream), resumed by the budget.
class BudgetWaiter {
 public:
  explicit BudgetWaiter(absl::AnyInvocable<void()> resume) : resume_(std::move(resume)) {}
  BudgetWaiter(const BudgetWaiter&) = delete;
  BudgetWaiter& operator=(const BudgetWaiter&) = delete;

  // Calls `resume` unless closed. Thread-safe.
  void Resume();
  // After Close returns, `resume` is never called again (Close waits for a
  // call in progress). Call it before what `resume` touches goes away.
  // REQUIRES: not called from `resume` itself.
  void Close();

 private:
  friend class InFlightBudget;
  absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  absl::AnyInvocable<void()> resume_ ABSL_GUARDED_BY(mu_);
  bool queued_ = false;  // guarded by the budget's mutex
};

class InFlightBudget {
 public:
  // REQUIRES: capacity > 0.
  explicit InFlightBudget(int64_t capacity) : capacity_(capacity) {}
  InFlightBudget(const InFlightBudget&) = delete;
  InFlightBudget& operator=(const InFlightBudget&) = delete;

  // True when what is charged is under the capacity. Otherwise queues
  // `waiter` (once, however often it asks) to be resumed when a Release
  // brings the total under the capacity, and returns false. Thread-safe.
  bool HasRoomOrWait(const std::shared_ptr<BudgetWaiter>& waiter);

  // Adds `cost`, even past the capacity: the event is already read. Callers
  // check HasRoomOrWait before reading the next one, so the total exceeds the
  // capacity by at most one event per caller. Thread-safe.
  void Charge(int64_t cost);

  // Subtracts `cost`; when the total is then under the capacity, resumes
  // every queued waiter (on this thread). REQUIRES: the caller holds no lock
  // that a waiter's resume takes.
  void Release(int64_t cost);

  int64_t used() const;
  int64_t capacity() const { return capacity_; }

 private:
  const int64_t capacity_;
  mutable absl::Mutex mu_;
  int64_t used_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::shared_ptr<BudgetWaiter>> waiters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_SERVICE_IN_FLIGHT_BUDGET_H_
