#include "engine/eval/value_ops.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/eval/value_internal.h"

namespace proactive::eval {
namespace {

constexpr double kTwoTo63 = 9223372036854775808.0;
constexpr double kTwoTo64 = 18446744073709551616.0;

template <typename T>
Ordering Order(T a, T b) {
  return a < b ? Ordering::kLess : (b < a ? Ordering::kGreater : Ordering::kEqual);
}

Ordering CompareIntUint(int64_t i, uint64_t u) {
  if (i < 0) return Ordering::kLess;
  return Order(static_cast<uint64_t>(i), u);
}

// Integer against double, as CEL's reference implementation does it: out
// of the integer range the double wins, otherwise the integer is converted
// to double (so 9223372036854775807 and 9223372036854775808.0 are equal).
Ordering CompareIntDouble(int64_t i, double d) {
  if (std::isnan(d)) return Ordering::kUnordered;
  if (d < -kTwoTo63) return Ordering::kGreater;
  if (d > kTwoTo63) return Ordering::kLess;
  return Order(static_cast<double>(i), d);
}

Ordering CompareUintDouble(uint64_t u, double d) {
  if (std::isnan(d)) return Ordering::kUnordered;
  if (d < 0) return Ordering::kGreater;
  if (d > kTwoTo64) return Ordering::kLess;
  return Order(static_cast<double>(u), d);
}

Ordering Flip(Ordering o) {
  if (o == Ordering::kLess) return Ordering::kGreater;
  if (o == Ordering::kGreater) return Ordering::kLess;
  return o;
}

bool IsNumber(Value::Kind k) { return k == Value::Kind::kInt || k == Value::Kind::kUint || k == Value::Kind::kDouble; }

Ordering CompareNumbers(const Value& a, const Value& b) {
  using K = Value::Kind;
  switch (a.kind()) {
    case K::kInt:
      if (b.kind() == K::kInt) return Order(a.int_value(), b.int_value());
      if (b.kind() == K::kUint) return CompareIntUint(a.int_value(), b.uint_value());
      return CompareIntDouble(a.int_value(), b.double_value());
    case K::kUint:
      if (b.kind() == K::kUint) return Order(a.uint_value(), b.uint_value());
      if (b.kind() == K::kInt) return Flip(CompareIntUint(b.int_value(), a.uint_value()));
      return CompareUintDouble(a.uint_value(), b.double_value());
    default:
      if (b.kind() == K::kDouble) {
        if (std::isnan(a.double_value()) || std::isnan(b.double_value())) {
          return Ordering::kUnordered;
        }
        return Order(a.double_value(), b.double_value());
      }
      if (b.kind() == K::kInt) return Flip(CompareIntDouble(b.int_value(), a.double_value()));
      return Flip(CompareUintDouble(b.uint_value(), a.double_value()));
  }
}

}  // namespace

bool ValuesEqual(const Value& a, const Value& b) {
  using K = Value::Kind;
  if (IsNumber(a.kind()) && IsNumber(b.kind())) {
    return CompareNumbers(a, b) == Ordering::kEqual;
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case K::kNull:
      return true;
    case K::kBool:
      return a.bool_value() == b.bool_value();
    case K::kString:
    case K::kBytes:
    case K::kType:
    case K::kError:
      return a.string_value() == b.string_value();
    case K::kDuration:
    case K::kTimestamp:
      return a.duration_value() == b.duration_value();
    case K::kDate:
      return a.date_days() == b.date_days();
    case K::kMoney:
      return a.money_cents() == b.money_cents() && a.money_currency_code() == b.money_currency_code();
    case K::kList: {
      absl::Span<const Value> x = a.list_elements(), y = b.list_elements();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!ValuesEqual(x[i], y[i])) return false;
      }
      return true;
    }
    case K::kMap: {
      MapView x = a.map_value(), y = b.map_value();
      if (x.size() != y.size()) return false;
      for (const auto& [key, value] : x.entries()) {
        const Value* other = y.Find(key);
        if (other == nullptr || !ValuesEqual(value, *other)) return false;
      }
      return true;
    }
    case K::kObject:
      return a.object_value() == b.object_value();  // records are compared by identity
    default:
      return false;
  }
}

Ordering CompareValues(const Value& a, const Value& b, std::string* error) {
  using K = Value::Kind;
  if (IsNumber(a.kind()) && IsNumber(b.kind())) return CompareNumbers(a, b);
  if (a.kind() == b.kind()) {
    switch (a.kind()) {
      case K::kBool:
        return Order(a.bool_value(), b.bool_value());
      case K::kString:
      case K::kBytes:
        // Byte order of UTF-8 is code point order.
        return Order(a.string_value().compare(b.string_value()), 0);
      case K::kDuration:
      case K::kTimestamp:
        return Order(a.duration_value(), b.duration_value());
      case K::kDate:
        return Order(a.date_days(), b.date_days());
      case K::kMoney:
        if (a.money_currency_code() != b.money_currency_code()) {
          *error = absl::StrCat("currency mismatch: cannot compare ", a.money_currency(), " with ", b.money_currency());
          return Ordering::kInvalid;
        }
        return Order(a.money_cents(), b.money_cents());
      default:
        break;
    }
  }
  *error = absl::StrCat("no ordering between ", TypeNameOf(a), " and ", TypeNameOf(b));
  return Ordering::kInvalid;
}

std::string FormatDoubleShortest(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buffer[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buffer, sizeof(buffer), "%.*g", precision, d);
    if (std::strtod(buffer, nullptr) == d) break;
  }
  return buffer;
}

std::string FormatDurationText(const Value& duration) { return FormatDurationSeconds(duration.duration_value()); }

std::string FormatTimestampText(const Value& timestamp) {
  const absl::Time t = timestamp.timestamp_value();
  const absl::CivilSecond c = absl::ToCivilSecond(t, absl::UTCTimeZone());
  std::string out =
      absl::StrFormat("%04d-%02d-%02dT%02d:%02d:%02d", c.year(), c.month(), c.day(), c.hour(), c.minute(), c.second());
  const int64_t nanos = absl::ToInt64Nanoseconds(t - absl::FromCivil(c, absl::UTCTimeZone()));
  if (nanos != 0) {
    std::string digits = absl::StrFormat("%09d", nanos);
    while (digits.back() == '0') digits.pop_back();
    absl::StrAppend(&out, ".", digits);
  }
  out.push_back('Z');
  return out;
}

}  // namespace proactive::eval
