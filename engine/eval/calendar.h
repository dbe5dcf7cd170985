// Fast conversion from days since 1970-01-01 to a calendar date, for the
// date functions evaluated on every record (age(), year(), ...). Internal to
// engine/eval.
//
//   CivilDate d = CivilFromDays(20635);  // {2026, 7, 1}
#ifndef PROACTIVE_ENGINE_EVAL_CALENDAR_H_
#define PROACTIVE_ENGINE_EVAL_CALENDAR_H_

#include <cstdint>

namespace proactive::eval::internal {

struct CivilDate {
  int32_t year;
  int32_t month;  // 1-12
  int32_t day;    // 1-31
};

inline constexpr int kCalendarMinYear = 1;
inline constexpr int kCalendarMaxYear = 9999;

struct CalendarTables {
  // year_start[y - kCalendarMinYear]: days since the epoch of 1 January of
  // y, for y in kCalendarMinYear..kCalendarMaxYear + 1.
  int32_t year_start[kCalendarMaxYear - kCalendarMinYear + 2];
  // month_day[leap][day_of_year]: (month << 5) | day.
  uint16_t month_day[2][366];
};
// Built at compile time (calendar.cc).
extern const CalendarTables kCalendarTables;

// Proleptic Gregorian. REQUIRES: a valid date value (years 0001 to 9999).
// Inline, with table lookups instead of a long chain of divisions.
inline CivilDate CivilFromDays(int64_t days) {
  const CalendarTables& t = kCalendarTables;
  // 400 Gregorian years have 146097 days: the estimate is off by one at most.
  int64_t y = 1970 + (days >= 0 ? days * 400 / 146097 : (days * 400 - 146096) / 146097);
  if (y < kCalendarMinYear) y = kCalendarMinYear;
  if (y > kCalendarMaxYear) y = kCalendarMaxYear;
  int64_t i = y - kCalendarMinYear;
  while (i > 0 && t.year_start[i] > days) --i;
  while (i < kCalendarMaxYear - kCalendarMinYear && t.year_start[i + 1] <= days) ++i;
  const int32_t start = t.year_start[i];
  const bool leap = t.year_start[i + 1] - start == 366;
  const uint16_t md = t.month_day[leap ? 1 : 0][days - start];
  return CivilDate{static_cast<int32_t>(i + kCalendarMinYear), md >> 5, md & 31};
}

}  // namespace proactive::eval::internal

#endif  // PROACTIVE_ENGINE_EVAL_CALENDAR_H_
