// Arithmetic: + - * / % and negation on int, uint, double, strings, bytes,
// lists, timestamps and durations, money (exact cents) and dates. Integer
// overflow and division by zero are errors.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/common/text_formats.h"
#include "engine/eval/functions.h"

namespace proactive::eval::internal {
namespace {

using Args = absl::Span<const Value>;

Value AddInt(Args a) {
  int64_t r;
  if (__builtin_add_overflow(a[0].int_value(), a[1].int_value(), &r)) return Overflow("+");
  return Value::Int(r);
}
Value SubInt(Args a) {
  int64_t r;
  if (__builtin_sub_overflow(a[0].int_value(), a[1].int_value(), &r)) return Overflow("-");
  return Value::Int(r);
}
Value MulInt(Args a) {
  int64_t r;
  if (__builtin_mul_overflow(a[0].int_value(), a[1].int_value(), &r)) return Overflow("*");
  return Value::Int(r);
}
Value DivInt(Args a) {
  const int64_t x = a[0].int_value(), y = a[1].int_value();
  if (y == 0) return DivisionByZero();
  if (x == INT64_MIN && y == -1) return Overflow("/");
  return Value::Int(x / y);
}
Value ModInt(Args a) {
  const int64_t x = a[0].int_value(), y = a[1].int_value();
  if (y == 0) return Value::Error("modulus by zero");
  if (x == INT64_MIN && y == -1) return Overflow("%");
  return Value::Int(x % y);
}
Value NegInt(Args a) {
  if (a[0].int_value() == INT64_MIN) return Overflow("negation");
  return Value::Int(-a[0].int_value());
}

Value AddUint(Args a) {
  uint64_t r;
  if (__builtin_add_overflow(a[0].uint_value(), a[1].uint_value(), &r)) return Overflow("+");
  return Value::Uint(r);
}
Value SubUint(Args a) {
  uint64_t r;
  if (__builtin_sub_overflow(a[0].uint_value(), a[1].uint_value(), &r)) return Overflow("-");
  return Value::Uint(r);
}
Value MulUint(Args a) {
  uint64_t r;
  if (__builtin_mul_overflow(a[0].uint_value(), a[1].uint_value(), &r)) return Overflow("*");
  return Value::Uint(r);
}
Value DivUint(Args a) {
  if (a[1].uint_value() == 0) return DivisionByZero();
  return Value::Uint(a[0].uint_value() / a[1].uint_value());
}
Value ModUint(Args a) {
  if (a[1].uint_value() == 0) return Value::Error("modulus by zero");
  return Value::Uint(a[0].uint_value() % a[1].uint_value());
}

Value AddDouble(Args a) { return Value::Double(a[0].double_value() + a[1].double_value()); }
Value SubDouble(Args a) { return Value::Double(a[0].double_value() - a[1].double_value()); }
Value MulDouble(Args a) { return Value::Double(a[0].double_value() * a[1].double_value()); }
Value DivDouble(Args a) { return Value::Double(a[0].double_value() / a[1].double_value()); }
Value NegDouble(Args a) { return Value::Double(-a[0].double_value()); }

Value AddString(Args a) { return Value::String(absl::StrCat(a[0].string_value(), a[1].string_value())); }
Value AddBytes(Args a) { return Value::Bytes(absl::StrCat(a[0].string_value(), a[1].string_value())); }
Value AddList(Args a) {
  absl::Span<const Value> x = a[0].list_elements(), y = a[1].list_elements();
  if (y.empty()) return a[0];
  if (x.empty()) return a[1];
  std::vector<Value> out;
  out.reserve(x.size() + y.size());
  out.insert(out.end(), x.begin(), x.end());
  out.insert(out.end(), y.begin(), y.end());
  return Value::List(std::move(out));
}

Value AddTimestampDuration(Args a) { return Value::Timestamp(a[0].timestamp_value() + a[1].duration_value()); }
Value AddDurationTimestamp(Args a) { return Value::Timestamp(a[1].timestamp_value() + a[0].duration_value()); }
Value AddDurations(Args a) { return Value::Duration(a[0].duration_value() + a[1].duration_value()); }
Value SubTimestamps(Args a) { return Value::Duration(a[0].timestamp_value() - a[1].timestamp_value()); }
Value SubTimestampDuration(Args a) { return Value::Timestamp(a[0].timestamp_value() - a[1].duration_value()); }
Value SubDurations(Args a) { return Value::Duration(a[0].duration_value() - a[1].duration_value()); }
Value SubDates(Args a) { return Value::Int(a[0].date_days() - a[1].date_days()); }

std::string MoneyText(const Value& m) { return FormatMoney(proactive::Money{m.money_cents(), m.money_currency()}); }

Value CurrencyMismatch(const Value& x, const char* op, const Value& y) {
  return Value::Error(absl::StrCat("currency mismatch: ", MoneyText(x), " ", op, " ", MoneyText(y)));
}

Value AddMoney(Args a) {
  if (a[0].money_currency_code() != a[1].money_currency_code()) {
    return CurrencyMismatch(a[0], "+", a[1]);
  }
  int64_t r;
  if (__builtin_add_overflow(a[0].money_cents(), a[1].money_cents(), &r)) return Overflow("+");
  return Value::MoneyLike(r, a[0]);
}
Value SubMoney(Args a) {
  if (a[0].money_currency_code() != a[1].money_currency_code()) {
    return CurrencyMismatch(a[0], "-", a[1]);
  }
  int64_t r;
  if (__builtin_sub_overflow(a[0].money_cents(), a[1].money_cents(), &r)) return Overflow("-");
  return Value::MoneyLike(r, a[0]);
}
Value MulMoneyInt(Args a) {
  int64_t r;
  if (__builtin_mul_overflow(a[0].money_cents(), a[1].int_value(), &r)) return Overflow("*");
  return Value::MoneyLike(r, a[0]);
}
Value MulIntMoney(Args a) {
  int64_t r;
  if (__builtin_mul_overflow(a[1].money_cents(), a[0].int_value(), &r)) return Overflow("*");
  return Value::MoneyLike(r, a[1]);
}
// Division to the nearest cent, halves rounded away from zero:
// 10.00 EUR / 3 = 3.33 EUR, 0.05 EUR / 2 = 0.03 EUR, -0.05 EUR / 2 = -0.03 EUR.
Value DivMoneyInt(Args a) {
  const int64_t cents = a[0].money_cents(), divisor = a[1].int_value();
  if (divisor == 0) return DivisionByZero();
  if (cents == INT64_MIN && divisor == -1) return Overflow("/");
  int64_t quotient = cents / divisor;
  const int64_t remainder = cents % divisor;
  // |remainder| >= |divisor| - |remainder|  <=>  the fraction is >= 1/2.
  const uint64_t r = remainder < 0 ? 0 - static_cast<uint64_t>(remainder) : static_cast<uint64_t>(remainder);
  const uint64_t d = divisor < 0 ? 0 - static_cast<uint64_t>(divisor) : static_cast<uint64_t>(divisor);
  if (r != 0 && r >= d - r) quotient += ((cents < 0) != (divisor < 0)) ? -1 : 1;
  return Value::MoneyLike(quotient, a[0]);
}
Value NegMoney(Args a) {
  if (a[0].money_cents() == INT64_MIN) return Overflow("negation");
  return Value::MoneyLike(-a[0].money_cents(), a[0]);
}

Value LogicalNot(Args a) { return Value::Bool(!a[0].bool_value()); }

}  // namespace

void AddArithmeticFunctions(ImplTable& t) {
  t.insert(t.end(), {
                        {"logical_not", LogicalNot},
                        {"negate_int64", NegInt},
                        {"negate_double", NegDouble},
                        {"negate_money", NegMoney},
                        {"add_int64", AddInt},
                        {"add_uint64", AddUint},
                        {"add_double", AddDouble},
                        {"add_string", AddString},
                        {"add_bytes", AddBytes},
                        {"add_list", AddList},
                        {"add_timestamp_duration", AddTimestampDuration},
                        {"add_duration_timestamp", AddDurationTimestamp},
                        {"add_duration_duration", AddDurations},
                        {"add_money", AddMoney},
                        {"subtract_int64", SubInt},
                        {"subtract_uint64", SubUint},
                        {"subtract_double", SubDouble},
                        {"subtract_timestamp_timestamp", SubTimestamps},
                        {"subtract_timestamp_duration", SubTimestampDuration},
                        {"subtract_duration_duration", SubDurations},
                        {"subtract_money", SubMoney},
                        {"subtract_date_date", SubDates},
                        {"multiply_int64", MulInt},
                        {"multiply_uint64", MulUint},
                        {"multiply_double", MulDouble},
                        {"multiply_money_int64", MulMoneyInt},
                        {"multiply_int64_money", MulIntMoney},
                        {"divide_int64", DivInt},
                        {"divide_uint64", DivUint},
                        {"divide_double", DivDouble},
                        {"divide_money_int64", DivMoneyInt},
                        {"modulo_int64", ModInt},
                        {"modulo_uint64", ModUint},
                    });
}

}  // namespace proactive::eval::internal
