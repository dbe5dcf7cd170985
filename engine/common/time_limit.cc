#include "engine/common/time_limit.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace proactive {

absl::CivilDay LastDayOf(TimeLimit limit, absl::CivilDay act) {
  if (limit.unit == TimeLimit::Unit::kDays) return act + limit.count;
  const absl::CivilMonth month = absl::CivilMonth(act) + limit.count;
  const absl::CivilDay first_of_next = absl::CivilDay(month + 1);
  const absl::CivilDay same_number(month.year(), month.month(), act.day());
  // CivilDay normalises 31 February into March: keep the month's last day.
  return same_number < first_of_next ? same_number : first_of_next - 1;
}

absl::Time EndOfDay(absl::CivilDay day, absl::TimeZone zone) {
  return absl::FromCivil(absl::CivilSecond(day.year(), day.month(), day.day(), 23, 59, 59), zone);
}

absl::Time DeadlineAfter(TimeLimit limit, absl::Time act, absl::TimeZone zone) {
  return EndOfDay(LastDayOf(limit, absl::ToCivilDay(act, zone)), zone);
}

absl::StatusOr<TimeLimit> ParseTimeLimit(absl::string_view text, int max_days) {
  const std::vector<absl::string_view> words =
      absl::StrSplit(absl::StripAsciiWhitespace(text), ' ', absl::SkipWhitespace());
  int count = 0;
  if (words.size() != 2 || !absl::SimpleAtoi(words[0], &count)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not a time limit: write a number of days or months, as \"2 months\""));
  }
  TimeLimit limit;
  if (words[1] == "day" || words[1] == "days") {
    limit = TimeLimit::Days(count);
  } else if (words[1] == "month" || words[1] == "months") {
    limit = TimeLimit::Months(count);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", words[1], "\" is not a unit of a time limit: write days or months"));
  }
  const int longest = limit.unit == TimeLimit::Unit::kDays ? count : count * 31;
  if (count < 1 || longest > max_days) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is out of range: from 1 day to ", max_days, " days"));
  }
  return limit;
}

std::string TimeLimitText(TimeLimit limit) {
  const bool days = limit.unit == TimeLimit::Unit::kDays;
  return absl::StrCat(limit.count, days ? " day" : " month", limit.count == 1 ? "" : "s");
}

}  // namespace proactive
