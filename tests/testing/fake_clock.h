// A clock that moves only when the test says so.
//
//   FakeClock clock(absl::FromCivil(absl::CivilSecond(2026, 7, 1, 8, 0, 0), absl::UTCTimeZone()));
//   clock.Advance(absl::Hours(48));
#ifndef PROACTIVE_TESTS_TESTING_FAKE_CLOCK_H_
#define PROACTIVE_TESTS_TESTING_FAKE_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/common/clock.h"

namespace proactive::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start) : now_(start) {}
  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void Set(absl::Time time) {
    absl::MutexLock lock(&mu_);
    now_ = time;
  }
  void Advance(absl::Duration by) {
    absl::MutexLock lock(&mu_);
    now_ += by;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
};

}  // namespace proactive::testing

#endif  // PROACTIVE_TESTS_TESTING_FAKE_CLOCK_H_
