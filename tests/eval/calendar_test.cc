#include "engine/eval/calendar.h"

#include "absl/time/civil_time.h"
#include "gtest/gtest.h"

namespace proactive::eval::internal {
namespace {

// Every valid day, 0001-01-01 to 9999-12-31, against absl's civil time.
TEST(CalendarTest, AgreesWithAbslOnEveryDay) {
  const absl::CivilDay epoch(1970, 1, 1);
  const int64_t first = absl::CivilDay(1, 1, 1) - epoch;
  const int64_t last = absl::CivilDay(9999, 12, 31) - epoch;
  int mismatches = 0;
  for (int64_t days = first; days <= last && mismatches < 5; ++days) {
    const absl::CivilDay expected = epoch + days;
    const CivilDate got = CivilFromDays(days);
    if (got.year != expected.year() || got.month != expected.month() || got.day != expected.day()) {
      ++mismatches;
      ADD_FAILURE() << "day " << days << ": got " << got.year << "-" << got.month << "-" << got.day << ", expected "
                    << expected;
    }
  }
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace proactive::eval::internal
