// A legal time limit ("délai"): a number of days or of calendar months,
// counted from the day of an act (a decision issued, a contest received).
//
// Two months are not 61 days: from 1 July they end on 1 September (62 days),
// from 31 December on the last day of February (59 or 60). French law counts
// a limit in months to the day of the same number in the last month, or that
// month's last day when it has none (Code de procédure civile, art. 641,
// applied by the administrative courts to the two months of CJA R421-1 and to
// the silence of CRPA L231-4).
#ifndef PROACTIVE_ENGINE_COMMON_TIME_LIMIT_H_
#define PROACTIVE_ENGINE_COMMON_TIME_LIMIT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace proactive {

struct TimeLimit {
  enum class Unit { kDays, kMonths };
  int count = 0;
  Unit unit = Unit::kDays;

  static TimeLimit Days(int n) { return TimeLimit{n, Unit::kDays}; }
  static TimeLimit Months(int n) { return TimeLimit{n, Unit::kMonths}; }
  bool operator==(const TimeLimit& other) const { return count == other.count && unit == other.unit; }
};

// The last day of `limit` counted from `act` (the day of the act is not
// counted): `act` + count days, or the day of act's number `count` months
// later, or that month's last day.
absl::CivilDay LastDayOf(TimeLimit limit, absl::CivilDay act);

// End of `day` in `zone` (23:59:59), the moment a deadline expires.
absl::Time EndOfDay(absl::CivilDay day, absl::TimeZone zone);

// The moment `limit` expires when it runs from the day of `act` in `zone`.
absl::Time DeadlineAfter(TimeLimit limit, absl::Time act, absl::TimeZone zone);

// Reads "2 months", "1 month", "61 days", "1 day". The error says what is
// expected; `max_days` bounds the limit (a month counting 31 days).
absl::StatusOr<TimeLimit> ParseTimeLimit(absl::string_view text, int max_days);

// "2 months", "1 day".
std::string TimeLimitText(TimeLimit limit);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_COMMON_TIME_LIMIT_H_
