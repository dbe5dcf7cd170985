// Where the engine reads the time. Production uses the system clock; tests
// inject a clock they control (tests/testing/fake_clock.h).
#ifndef PROACTIVE_ENGINE_COMMON_CLOCK_H_
#define PROACTIVE_ENGINE_COMMON_CLOCK_H_

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace proactive {

class Clock {
 public:
  virtual ~Clock() = default;
  // Thread-safe.
  virtual absl::Time Now() const = 0;
};

// The process-wide real-time clock. Never null; not owned by the caller.
Clock* SystemClock();

// The time zone named `name` (IANA, e.g. "Europe/Paris"), UTC when unknown.
// Remembers the last zone loaded on the calling thread: absl::LoadTimeZone
// takes a process-wide lock and a map look-up, once per event otherwise.
absl::TimeZone ZoneOrUtc(absl::string_view name);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_COMMON_CLOCK_H_
