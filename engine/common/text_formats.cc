#include "engine/common/text_formats.h"

#include <cstdlib>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace proactive {
namespace {

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<absl::CivilDay> MakeDate(int64_t year, int64_t month, int64_t day) {
  if (year < kMinYear || year > kMaxYear) {
    return absl::InvalidArgumentError(absl::StrCat("year ", year, " is not in ", kMinYear, "..", kMaxYear));
  }
  if (month < 1 || month > 12) {
    return absl::InvalidArgumentError(absl::StrCat("month ", month, " is not in 1..12"));
  }
  absl::CivilDay civil(year, month, day);
  if (day < 1 || civil.month() != month || civil.day() != day) {
    return absl::InvalidArgumentError(absl::StrFormat("%04d-%02d-%02d does not exist (day %d)", year, month, day, day));
  }
  return civil;
}

absl::StatusOr<absl::CivilDay> ParseIsoDate(absl::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !AllDigits(text.substr(0, 4)) ||
      !AllDigits(text.substr(5, 2)) || !AllDigits(text.substr(8, 2))) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not a date of the form YYYY-MM-DD"));
  }
  int year = 0, month = 0, day = 0;
  (void)absl::SimpleAtoi(text.substr(0, 4), &year);
  (void)absl::SimpleAtoi(text.substr(5, 2), &month);
  (void)absl::SimpleAtoi(text.substr(8, 2), &day);
  return MakeDate(year, month, day);
}

std::string FormatIsoDate(absl::CivilDay day) {
  const int64_t year = day.year();
  // Every date of a decision's trace and record: by hand, a tenth of
  // StrFormat's cost. Years outside 0..9999 keep StrFormat's form.
  if (year < 0 || year > 9999) return absl::StrFormat("%04d-%02d-%02d", year, day.month(), day.day());
  std::string text(10, '-');
  const auto put_digits = [&text](size_t at, int width, int64_t value) {
    for (int i = width - 1; i >= 0; --i, value /= 10) text[at + i] = static_cast<char>('0' + value % 10);
  };
  put_digits(0, 4, year);
  put_digits(5, 2, day.month());
  put_digits(8, 2, day.day());
  return text;
}

int32_t DaysSinceEpoch(absl::CivilDay day) { return static_cast<int32_t>(day - absl::CivilDay(1970, 1, 1)); }

absl::CivilDay DayFromEpochDays(int32_t days) { return absl::CivilDay(1970, 1, 1) + days; }

bool IsCurrencyCode(absl::string_view code) {
  if (code.size() != 3) return false;
  for (char c : code) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

absl::StatusOr<Money> ParseMoney(absl::string_view text) {
  const auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not an amount like \"1234.56 EUR\": ", why));
  };
  size_t space = text.find(' ');
  if (space == absl::string_view::npos) return bad("missing the currency");
  absl::string_view number = text.substr(0, space);
  absl::string_view currency = text.substr(space + 1);
  if (!IsCurrencyCode(currency)) return bad("the currency must be 3 upper-case letters");
  bool negative = absl::ConsumePrefix(&number, "-");
  absl::string_view units = number, fraction;
  size_t dot = number.find('.');
  if (dot != absl::string_view::npos) {
    units = number.substr(0, dot);
    fraction = number.substr(dot + 1);
    if (fraction.empty() || fraction.size() > 2 || !AllDigits(fraction)) {
      return bad("at most two decimals, after a '.'");
    }
  }
  if (!AllDigits(units)) return bad("the amount must be digits");
  uint64_t whole = 0;
  // 18 digits keep whole * 100 within int64.
  if (units.size() > 16 || !absl::SimpleAtoi(units, &whole)) return bad("the amount is too large");
  int64_t cents = static_cast<int64_t>(whole) * 100;
  if (!fraction.empty()) {
    int64_t part = 0;
    (void)absl::SimpleAtoi(fraction, &part);
    cents += fraction.size() == 1 ? part * 10 : part;
  }
  return Money{negative ? -cents : cents, std::string(currency)};
}

std::string FormatMoney(const Money& money) {
  uint64_t magnitude = money.cents < 0 ? 0 - static_cast<uint64_t>(money.cents) : static_cast<uint64_t>(money.cents);
  return absl::StrFormat("%s%d.%02d %s", money.cents < 0 ? "-" : "", magnitude / 100, magnitude % 100, money.currency);
}

absl::StatusOr<absl::Time> ParseRfc3339(absl::string_view text) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, std::string(text), &time, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not an RFC 3339 time like \"2026-07-01T08:00:00Z\""));
  }
  return time;
}

std::string FormatRfc3339(absl::Time time) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", time, absl::UTCTimeZone());
}

absl::StatusOr<absl::Duration> ParseDurationText(absl::string_view text) {
  absl::Duration duration;
  if (!absl::ParseDuration(std::string(text), &duration) || duration == absl::InfiniteDuration() ||
      duration == -absl::InfiniteDuration()) {
    return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not a duration like \"3600s\" or \"1h30m\""));
  }
  return duration;
}

std::string FormatDurationSeconds(absl::Duration duration) {
  absl::Duration remainder;
  const int64_t seconds = absl::IDivDuration(duration, absl::Seconds(1), &remainder);
  int64_t nanos = absl::ToInt64Nanoseconds(remainder);
  std::string out = absl::StrCat(seconds == 0 && nanos < 0 ? "-" : "", seconds);
  if (nanos != 0) {
    std::string digits = absl::StrFormat("%09d", nanos < 0 ? -nanos : nanos);
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    absl::StrAppend(&out, ".", digits);
  }
  out.push_back('s');
  return out;
}

std::string OneLineText(absl::string_view text) {
  return absl::StrJoin(absl::StrSplit(text, absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty()), " ");
}

}  // namespace proactive
