#include "engine/common/clock.h"

#include <string>

#include "absl/time/clock.h"

namespace proactive {
namespace {

class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace

Clock* SystemClock() {
  static RealClock* clock = new RealClock();
  return clock;
}

absl::TimeZone ZoneOrUtc(absl::string_view name) {
  thread_local std::string last_name;
  thread_local absl::TimeZone last_zone = absl::UTCTimeZone();
  thread_local bool loaded = false;
  if (loaded && name == last_name) return last_zone;
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(std::string(name), &zone)) zone = absl::UTCTimeZone();
  last_name.assign(name.data(), name.size());
  last_zone = zone;
  loaded = true;
  return zone;
}

}  // namespace proactive
