#include "engine/eval/calendar.h"

namespace proactive::eval::internal {
namespace {

// Days since 1970-01-01 of 1 January of `y` (any y >= 1).
constexpr int64_t DaysBeforeYear(int64_t y) {
  const int64_t p = y - 1;  // whole years before y since 0001-01-01
  return p * 365 + p / 4 - p / 100 + p / 400 - 719162;
}

constexpr CalendarTables BuildTables() {
  CalendarTables t{};
  for (int y = kCalendarMinYear; y <= kCalendarMaxYear + 1; ++y) {
    t.year_start[y - kCalendarMinYear] = static_cast<int32_t>(DaysBeforeYear(y));
  }
  constexpr int kMonthDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  for (int leap = 0; leap < 2; ++leap) {
    int doy = 0;
    for (int m = 0; m < 12; ++m) {
      const int days = kMonthDays[m] + (m == 1 ? leap : 0);
      for (int d = 1; d <= days; ++d) {
        t.month_day[leap][doy++] = static_cast<uint16_t>(((m + 1) << 5) | d);
      }
    }
  }
  t.month_day[0][365] = t.month_day[0][364];  // never read: no day 366
  return t;
}

}  // namespace

constexpr CalendarTables kCalendarTables = BuildTables();

}  // namespace proactive::eval::internal
