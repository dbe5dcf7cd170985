#include "engine/service/in_flight_budget.h"

#include <utility>

namespace proactive {

void BudgetWaiter::Resume() {
  absl::MutexLock lock(&mu_);
  if (!closed_ && resume_) resume_();
}

void BudgetWaiter::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
  resume_ = nullptr;
}

bool InFlightBudget::HasRoomOrWait(const std::shared_ptr<BudgetWaiter>& waiter) {
  absl::MutexLock lock(&mu_);
  if (used_ < capacity_) return true;
  if (!waiter->queued_) {
    waiter->queued_ = true;
    waiters_.push_back(waiter);
  }
  return false;
}

void InFlightBudget::Charge(int64_t cost) {
  absl::MutexLock lock(&mu_);
  used_ += cost;
}

void InFlightBudget::Release(int64_t cost) {
  std::vector<std::shared_ptr<BudgetWaiter>> resumed;
  {
    absl::MutexLock lock(&mu_);
    used_ -= cost;
    if (used_ >= capacity_ || waiters_.empty()) return;
    resumed.swap(waiters_);
    for (const auto& waiter : resumed) waiter->queued_ = false;
  }
  for (const auto& waiter : resumed) waiter->Resume();
}

int64_t InFlightBudget::used() const {
  absl::MutexLock lock(&mu_);
  return used_;
}

}  // namespace proactive
