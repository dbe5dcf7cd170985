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
#include "engine/eval/calendar.h"
#include "engine/eval/functions.h"

namespace proactive::eval::internal {
namespace {

using Args = absl::Span<const Value>;

// Far beyond any valid date shift (10000 years), so later arithmetic cannot
// overflow.
constexpr int64_t kMaxShiftDays = 4000000;
constexpr int64_t kMaxShiftMonths = 130000;

std::string DateText(const Value& d) { return FormatIsoDate(d.date_value()); }

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
  return Value::Date(absl::CivilDay(target.year(), target.month(), std::min(day.day(), last)));
}

Value StringToDate(Args a) {
  absl::StatusOr<absl::CivilDay> day = ParseIsoDate(a[0].string_value());
  if (!day.ok()) return Value::Error(day.status().message());
  return Value::Date(*day);
}

Value Identity(Args a) { return a[0]; }

Value YmdToDate(Args a) {
  absl::StatusOr<absl::CivilDay> day = MakeDate(a[0].int_value(), a[1].int_value(), a[2].int_value());
  if (!day.ok()) return Value::Error(day.status().message());
  return Value::Date(*day);
}

Value TimestampToDate(Args a) {
  absl::TimeZone zone;
  if (!ResolveTimeZone(a[1].string_value(), &zone)) {
    return Value::Error(absl::StrCat("unknown time zone '", a[1].string_value(), "'"));
  }
  return Value::Date(absl::ToCivilDay(a[0].timestamp_value(), zone));
}

Value Age(Args a) {
  if (a[1].date_days() < a[0].date_days()) {
    return Value::Error(absl::StrCat("age: the birth date ", DateText(a[0]), " is after ", DateText(a[1])));
  }
  // `on` is `today` for every record of a sweep: its date is kept per thread.
  thread_local int64_t last_on_days = INT64_MIN;
  thread_local CivilDate last_on{};
  if (a[1].date_days() != last_on_days) {
    last_on = CivilFromDays(a[1].date_days());
    last_on_days = a[1].date_days();
  }
  const CivilDate on = last_on;
  const CivilDate birth = CivilFromDays(a[0].date_days());
  int64_t years = on.year - birth.year;
  // Not yet the birthday this year (29 February comes after 28 February).
  if (on.month < birth.month || (on.month == birth.month && on.day < birth.day)) {
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

Value Year(Args a) { return Value::Int(CivilFromDays(a[0].date_days()).year); }
Value Month(Args a) { return Value::Int(CivilFromDays(a[0].date_days()).month); }
Value Day(Args a) { return Value::Int(CivilFromDays(a[0].date_days()).day); }
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
  if (__builtin_mul_overflow(a[0].int_value(), int64_t{100}, &cents)) return Overflow("eur()");
  return Value::Money(cents, "EUR");
}
Value MoneyToString(Args a) {
  return Value::String(FormatMoney(proactive::Money{a[0].money_cents(), a[0].money_currency()}));
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
