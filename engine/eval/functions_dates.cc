// The public-rules extensions: dates (calendar days, no time of day) and
// money (exact integer cents with a currency).
//
// Month arithmetic clamps to the end of the month: 2026-01-31 + 1 month is
// 2026-02-28, and 2024-02-29 + 1 year is 2025-02-28. age() counts whole
// years; a person born on 29 February gains a year on 1 March in non-leap
// years.
#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/common/text_formats.h"
#include "engine/eval/functions.h"

namespace proactive::eval::internal {
namespace {

using Args = absl::Span<const Value>;

// Far beyond any valid date shift (10000 years), so later arithmetic cannot
// overflow.
constexpr int64_t kMaxShiftDays = 4000000;
constexpr int64_t kMaxShiftMonths = 130000;

std::string DateText(const Value& d) { return FormatIsoDate(d.date_value()); }

struct Ymd {
  int64_t year;
  int month;
  int day;
};

// Days since 1970-01-01 to a proleptic Gregorian date, in integer arithmetic
// over 400-year eras (much cheaper than normalizing an absl::CivilDay).
// Valid dates (years 1..9999) keep every quantity non-negative and within
// 32 bits, which keeps the divisions by constants cheap.
Ymd ToYmd(int64_t days) {
  const uint32_t z =
      static_cast<uint32_t>(days + 719468);  // days since 0000-03-01
  const uint32_t era = z / 146097;
  const uint32_t day_of_era = z - era * 146097;
  const uint32_t year_of_era = (day_of_era - day_of_era / 1460 +
                                day_of_era / 36524 - day_of_era / 146096) /
                               365;
  const uint32_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const uint32_t month_from_march = (5 * day_of_year + 2) / 153;
  Ymd out;
  out.day =
      static_cast<int>(day_of_year - (153 * month_from_march + 2) / 5 + 1);
  out.month = static_cast<int>(month_from_march < 10 ? month_from_march + 3
                                                     : month_from_march - 9);
  out.year =
      static_cast<int64_t>(year_of_era + era * 400) + (out.month <= 2 ? 1 : 0);
  return out;
}

int DaysInMonth(int64_t year, int month) {
  const absl::CivilMonth m(year, month);
  return static_cast<int>(absl::CivilDay(m + 1) - absl::CivilDay(m));
}

Value ShiftMonths(const Value& date, int64_t months) {
  if (months > kMaxShiftMonths || months < -kMaxShiftMonths) {
    return Value::Error("date out of range (years 0001 to 9999)");
  }
  const absl::CivilDay day = date.date_value();
  const absl::CivilMonth target = absl::CivilMonth(day) + months;
  const int last = DaysInMonth(target.year(), target.month());
  return Value::Date(
      absl::CivilDay(target.year(), target.month(), std::min(day.day(), last)));
}

Value StringToDate(Args a) {
  absl::StatusOr<absl::CivilDay> day = ParseIsoDate(a[0].string_value());
  if (!day.ok()) return Value::Error(day.status().message());
  return Value::Date(*day);
}

Value Identity(Args a) { return a[0]; }

Value YmdToDate(Args a) {
  absl::StatusOr<absl::CivilDay> day =
      MakeDate(a[0].int_value(), a[1].int_value(), a[2].int_value());
  if (!day.ok()) return Value::Error(day.status().message());
  return Value::Date(*day);
}

Value TimestampToDate(Args a) {
  absl::TimeZone zone;
  if (!ResolveTimeZone(a[1].string_value(), &zone)) {
    return Value::Error(
        absl::StrCat("unknown time zone '", a[1].string_value(), "'"));
  }
  return Value::Date(absl::ToCivilDay(a[0].timestamp_value(), zone));
}

Value Age(Args a) {
  if (a[1].date_days() < a[0].date_days()) {
    return Value::Error(absl::StrCat("age: the birth date ", DateText(a[0]),
                                     " is after ", DateText(a[1])));
  }
  const Ymd birth = ToYmd(a[0].date_days());
  const Ymd on = ToYmd(a[1].date_days());
  int64_t years = on.year - birth.year;
  // Not yet the birthday this year (29 February comes after 28 February).
  if (on.month < birth.month ||
      (on.month == birth.month && on.day < birth.day)) {
    --years;
  }
  return Value::Int(years);
}

Value AddDays(Args a) {
  const int64_t n = a[1].int_value();
  if (n > kMaxShiftDays || n < -kMaxShiftDays) {
    return Value::Error("date out of range (years 0001 to 9999)");
  }
  return Value::DateFromEpochDays(a[0].date_days() + n);
}
Value AddMonths(Args a) { return ShiftMonths(a[0], a[1].int_value()); }
Value AddYears(Args a) {
  const int64_t n = a[1].int_value();
  if (n > kMaxShiftMonths / 12 || n < -kMaxShiftMonths / 12) {
    return Value::Error("date out of range (years 0001 to 9999)");
  }
  return ShiftMonths(a[0], n * 12);
}

// The year alone: as ToYmd, without the month and day.
int64_t ToYear(int64_t days) {
  const uint32_t z = static_cast<uint32_t>(days + 719468);
  const uint32_t era = z / 146097;
  const uint32_t day_of_era = z - era * 146097;
  const uint32_t year_of_era = (day_of_era - day_of_era / 1460 +
                                day_of_era / 36524 - day_of_era / 146096) /
                               365;
  const uint32_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  // Years start on 1 March here: January and February (day 306 onward)
  // belong to the next civil year.
  return static_cast<int64_t>(year_of_era + era * 400) +
         (day_of_year >= 306 ? 1 : 0);
}

Value Year(Args a) { return Value::Int(ToYear(a[0].date_days())); }
Value Month(Args a) { return Value::Int(ToYmd(a[0].date_days()).month); }
Value Day(Args a) { return Value::Int(ToYmd(a[0].date_days()).day); }
// ISO 8601: Monday = 1 ... Sunday = 7. 1970-01-01 was a Thursday.
Value DayOfWeek(Args a) {
  const int64_t monday_based = ((a[0].date_days() % 7) + 7 + 3) % 7;
  return Value::Int(monday_based + 1);
}
Value DateToString(Args a) { return Value::String(DateText(a[0])); }

Value StringToMoney(Args a) {
  absl::StatusOr<proactive::Money> money = ParseMoney(a[0].string_value());
  if (!money.ok()) return Value::Error(money.status().message());
  return Value::Money(*money);
}
Value Eur(Args a) {
  int64_t cents;
  if (__builtin_mul_overflow(a[0].int_value(), int64_t{100}, &cents))
    return Overflow("eur()");
  return Value::Money(cents, "EUR");
}
Value MoneyToString(Args a) {
  return Value::String(
      FormatMoney(proactive::Money{a[0].money_cents(), a[0].money_currency()}));
}
Value Cents(Args a) { return Value::Int(a[0].money_cents()); }
Value Currency(Args a) { return Value::String(a[0].money_currency()); }

}  // namespace

void AddDateMoneyFunctions(ImplTable& t) {
  t.insert(t.end(), {
                        {"string_to_date", StringToDate},
                        {"date_to_date", Identity},
                        {"ymd_to_date", YmdToDate},
                        {"timestamp_to_date", TimestampToDate},
                        {"age_date_date", Age},
                        {"date_add_days", AddDays},
                        {"date_add_months", AddMonths},
                        {"date_add_years", AddYears},
                        {"date_year", Year},
                        {"date_month", Month},
                        {"date_day", Day},
                        {"date_day_of_week", DayOfWeek},
                        {"date_to_string", DateToString},
                        {"string_to_money", StringToMoney},
                        {"money_to_money", Identity},
                        {"int64_to_eur", Eur},
                        {"money_to_string", MoneyToString},
                        {"money_cents", Cents},
                        {"money_currency", Currency},
                    });
}

}  // namespace proactive::eval::internal
