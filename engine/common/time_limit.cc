#include "engine/common/time_limit.h"

#include <algorithm>
#include <cstdint>
#include <utility>
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

namespace {

// Easter Sunday of `year` in the Gregorian calendar (the anonymous
// algorithm published by Nature in 1876, also known as Meeus/Jones/Butcher).
absl::CivilDay EasterSunday(int64_t year) {
  const int64_t a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4;
  const int64_t f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
  const int64_t i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7, m = (a + 11 * h + 22 * l) / 451;
  const int64_t month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;
  return absl::CivilDay(year, static_cast<int>(month), static_cast<int>(day));
}

}  // namespace

bool IsFrenchPublicHoliday(absl::CivilDay day) {
  static constexpr std::pair<int, int> kFixed[] = {{1, 1},  {5, 1},  {5, 8},   {7, 14},
                                                   {8, 15}, {11, 1}, {11, 11}, {12, 25}};
  for (const auto& [month, of_month] : kFixed) {
    if (day.month() == month && day.day() == of_month) return true;
  }
  const absl::CivilDay easter = EasterSunday(day.year());
  return day == easter + 1 || day == easter + 39 || day == easter + 50;  // Monday, Ascension, Whit Monday
}

absl::CivilDay WorkingDayFrom(absl::CivilDay day) {
  while (absl::GetWeekday(day) == absl::Weekday::saturday || absl::GetWeekday(day) == absl::Weekday::sunday ||
         IsFrenchPublicHoliday(day)) {
    day += 1;
  }
  return day;
}

absl::CivilDay WorkingDaysAfter(absl::CivilDay day, int n) {
  for (int i = 0; i < n; ++i) day = WorkingDayFrom(day + 1);
  return day;
}

absl::CivilDay LastDayToContest(TimeLimit window, absl::CivilDay notified) {
  // Both readings of a délai franc in months: the day after art. 641's last
  // day, or the day of the same number as the day after notification. They
  // differ at a short month's end (notified 30 July: 1 October or 30
  // September); the later one is never less than the law gives.
  return WorkingDayFrom(std::max(LastDayOf(window, notified) + 1, LastDayOf(window, notified + 1)));
}

absl::Time ContestDeadline(TimeLimit window, absl::Time notified, absl::TimeZone zone) {
  return EndOfDay(LastDayToContest(window, absl::ToCivilDay(notified, zone)), zone);
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
  const int longest_month = 31;
  const bool too_long = limit.unit == TimeLimit::Unit::kDays ? count > max_days : count > max_days / longest_month;
  if (count < 1 || too_long) {
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
