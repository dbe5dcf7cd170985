// The text forms of typed values used in files people write (NDJSON events,
// rule tests, CLI arguments): one parser and one printer per type, shared by
// every front end so that "2023-02-14" or "1234.56 EUR" means the same thing
// everywhere.
//
//   ASSIGN_OR_RETURN(absl::CivilDay day, ParseIsoDate("2023-02-14"));
//   ASSIGN_OR_RETURN(Money amount, ParseMoney("1234.56 EUR"));
#ifndef PROACTIVE_ENGINE_COMMON_TEXT_FORMATS_H_
#define PROACTIVE_ENGINE_COMMON_TEXT_FORMATS_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace proactive {

// An exact amount: integer cents and an ISO 4217 currency code.
struct Money {
  int64_t cents = 0;
  std::string currency;

  friend bool operator==(const Money& a, const Money& b) { return a.cents == b.cents && a.currency == b.currency; }
};

// Dates are proleptic Gregorian, years 1..9999.
inline constexpr int kMinYear = 1;
inline constexpr int kMaxYear = 9999;

// Strict "YYYY-MM-DD" (ISO 8601 calendar date). The error says what is wrong
// ("month 13 is not in 1..12", "2023-02-29 does not exist").
absl::StatusOr<absl::CivilDay> ParseIsoDate(absl::string_view text);
std::string FormatIsoDate(absl::CivilDay day);

// Checks that year/month/day name an existing date; the error names the part.
absl::StatusOr<absl::CivilDay> MakeDate(int64_t year, int64_t month, int64_t day);

// Days since 1970-01-01 and back.
int32_t DaysSinceEpoch(absl::CivilDay day);
absl::CivilDay DayFromEpochDays(int32_t days);

// "1234.56 EUR", "-3 EUR", "0.5 EUR": an optional sign, digits, at most two
// decimals, one space, a three-letter upper-case currency.
absl::StatusOr<Money> ParseMoney(absl::string_view text);
// "1234.56 EUR" (always two decimals).
std::string FormatMoney(const Money& money);
// True for three upper-case ASCII letters.
bool IsCurrencyCode(absl::string_view code);

// RFC 3339 with a time zone offset, e.g. "2026-07-01T08:00:00Z".
absl::StatusOr<absl::Time> ParseRfc3339(absl::string_view text);
// RFC 3339 in UTC with as many fractional digits as needed.
std::string FormatRfc3339(absl::Time time);

// A duration as "3600s", "1.5s", "90m", "2h45m" (Go/protobuf style).
absl::StatusOr<absl::Duration> ParseDurationText(absl::string_view text);
// "3600s" form, the protobuf JSON mapping.
std::string FormatDurationSeconds(absl::Duration duration);

// `text` on one line: runs of spaces, tabs and newlines become one space,
// none at either end (YAML's folded text ends with a newline).
std::string OneLineText(absl::string_view text);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_COMMON_TEXT_FORMATS_H_
