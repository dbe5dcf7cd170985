// A clock that runs at real speed from a chosen start: demos and scenario
// tests pin the engine's date (`proactived --clock_start=2026-01-12T08:00:00Z`)
// without faking the passing of time.
#ifndef PROACTIVE_ENGINE_COMMON_OFFSET_CLOCK_H_
#define PROACTIVE_ENGINE_COMMON_OFFSET_CLOCK_H_

#include "absl/time/clock.h"
#include "engine/common/clock.h"

namespace proactive {

class OffsetClock final : public Clock {
 public:
  // Now() is `start` at construction and advances with real time.
  explicit OffsetClock(absl::Time start) : offset_(start - absl::Now()) {}
  absl::Time Now() const override { return absl::Now() + offset_; }

 private:
  const absl::Duration offset_;
};

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_COMMON_OFFSET_CLOCK_H_
