// A legal time limit ("délai"): a number of days or of calendar months,
// counted from the day of an act (a decision notified, a contest received).
//
// Two months are not 61 days. A limit in months ends on the day of the same
// number in the last month, or that month's last day when it has none (Code
// de procédure civile, art. 641): from a contest received on 1 July, silence
// rejects it on 1 September (CRPA L231-4). The time to contest a decision is
// moreover a "délai franc" (CJA R421-1, and a recourse to the administration
// made within it, CE 19 September 2014 n° 362568): neither the day of
// notification nor the last day count, so it runs to the day of the same
// number as the day after notification (or, at a short month's end, the day
// after the same number as notification's, whichever is later), and a limit
// ending on a Saturday, a
// Sunday or a public holiday moves to the next working day. A decision
// notified on 1 July may be contested until 2 September; on 1 October 2007,
// until Monday 3 December.
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

// True for the public holidays of the Code du travail, art. L3133-1: 1
// January, Easter Monday, 1 May, 8 May, Ascension, Whit Monday, 14 July,
// 15 August, 1 November, 11 November, 25 December. (Alsace-Moselle's Good
// Friday and 26 December, and the overseas departments' abolition days,
// are not included.)
bool IsFrenchPublicHoliday(absl::CivilDay day);

// `day`, or the first day after it that is neither a Saturday, a Sunday nor
// a public holiday.
absl::CivilDay WorkingDayFrom(absl::CivilDay day);

// The `n`th working day after `day` (`day` itself for 0): when a letter
// posted on `day` is taken to arrive, `n` being the post's delay.
absl::CivilDay WorkingDaysAfter(absl::CivilDay day, int n);

// The last day to contest a decision notified on `notified` within
// `window`, a délai franc (above).
absl::CivilDay LastDayToContest(TimeLimit window, absl::CivilDay notified);

// End of `day` in `zone` (23:59:59), the moment a deadline expires.
absl::Time EndOfDay(absl::CivilDay day, absl::TimeZone zone);

// The moment `limit` expires when it runs from the day of `act` in `zone`.
absl::Time DeadlineAfter(TimeLimit limit, absl::Time act, absl::TimeZone zone);

// The moment the time to contest a decision notified at `notified` ends:
// the end of LastDayToContest in `zone`.
absl::Time ContestDeadline(TimeLimit window, absl::Time notified, absl::TimeZone zone);

// Reads "2 months", "1 month", "61 days", "1 day". The error says what is
// expected; `max_days` bounds the limit (a month counting 31 days).
absl::StatusOr<TimeLimit> ParseTimeLimit(absl::string_view text, int max_days);

// "2 months", "1 day".
std::string TimeLimitText(TimeLimit limit);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_COMMON_TIME_LIMIT_H_
