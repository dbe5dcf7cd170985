// Conversions: int, uint, double, string, bytes, bool, timestamp, duration,
// dyn, type. A conversion out of the target's range is an error.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/common/text_formats.h"
#include "engine/common/utf8.h"
#include "engine/eval/functions.h"
#include "engine/eval/value_ops.h"

namespace proactive::eval::internal {
namespace {

using Args = absl::Span<const Value>;

constexpr double kTwoTo63 = 9223372036854775808.0;
constexpr double kTwoTo64 = 18446744073709551616.0;

Value RangeError(absl::string_view what) { return Value::Error(absl::StrCat(what, " is out of range")); }

// Decimal digits with an optional sign; no spaces.
bool ParseDecimal(absl::string_view s, bool allow_sign, bool* negative, uint64_t* magnitude) {
  *negative = false;
  if (!s.empty() && allow_sign && (s[0] == '-' || s[0] == '+')) {
    *negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || s.size() > 20) return false;
  uint64_t m = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const uint64_t d = c - '0';
    if (m > (UINT64_MAX - d) / 10) return false;
    m = m * 10 + d;
  }
  *magnitude = m;
  return true;
}

Value Identity(Args a) { return a[0]; }

Value UintToInt(Args a) {
  if (a[0].uint_value() > static_cast<uint64_t>(INT64_MAX)) return RangeError("int conversion");
  return Value::Int(static_cast<int64_t>(a[0].uint_value()));
}
Value DoubleToInt(Args a) {
  const double d = a[0].double_value();
  if (!(d >= -kTwoTo63 && d < kTwoTo63)) return RangeError("int conversion");
  return Value::Int(static_cast<int64_t>(d));
}
Value StringToInt(Args a) {
  bool negative = false;
  uint64_t m = 0;
  if (!ParseDecimal(a[0].string_value(), true, &negative, &m) ||
      m > (negative ? uint64_t{1} << 63 : static_cast<uint64_t>(INT64_MAX))) {
    return Value::Error(absl::StrCat("cannot convert \"", a[0].string_value(), "\" to int"));
  }
  return Value::Int(negative ? static_cast<int64_t>(0 - m) : static_cast<int64_t>(m));
}
Value TimestampToInt(Args a) { return Value::Int(absl::ToUnixSeconds(a[0].timestamp_value())); }

Value IntToUint(Args a) {
  if (a[0].int_value() < 0) return RangeError("uint conversion");
  return Value::Uint(static_cast<uint64_t>(a[0].int_value()));
}
Value DoubleToUint(Args a) {
  const double d = a[0].double_value();
  if (!(d >= 0 && d < kTwoTo64)) return RangeError("uint conversion");
  return Value::Uint(static_cast<uint64_t>(d));
}
Value StringToUint(Args a) {
  bool negative = false;
  uint64_t m = 0;
  if (!ParseDecimal(a[0].string_value(), false, &negative, &m)) {
    return Value::Error(absl::StrCat("cannot convert \"", a[0].string_value(), "\" to uint"));
  }
  return Value::Uint(m);
}

Value IntToDouble(Args a) { return Value::Double(static_cast<double>(a[0].int_value())); }
Value UintToDouble(Args a) { return Value::Double(static_cast<double>(a[0].uint_value())); }
Value StringToDouble(Args a) {
  const std::string s(a[0].string_value());
  char* end = nullptr;
  const double d = s.empty() || std::isspace(static_cast<unsigned char>(s[0])) ? 0 : std::strtod(s.c_str(), &end);
  if (end == nullptr || end != s.c_str() + s.size()) {
    return Value::Error(absl::StrCat("cannot convert \"", s, "\" to double"));
  }
  return Value::Double(d);
}

Value IntToString(Args a) { return Value::String(absl::StrCat(a[0].int_value())); }
Value UintToString(Args a) { return Value::String(absl::StrCat(a[0].uint_value())); }
Value DoubleToString(Args a) { return Value::String(FormatDoubleShortest(a[0].double_value())); }
Value BytesToString(Args a) {
  if (!IsValidUtf8(a[0].string_value())) {
    return Value::Error("cannot convert bytes to string: not valid UTF-8");
  }
  return Value::String(a[0].string_value());
}
Value BoolToString(Args a) { return Value::String(a[0].bool_value() ? "true" : "false"); }
Value TimestampToString(Args a) { return Value::String(FormatTimestampText(a[0])); }
Value DurationToString(Args a) { return Value::String(FormatDurationText(a[0])); }

Value StringToBytes(Args a) { return Value::Bytes(a[0].string_value()); }

Value StringToBool(Args a) {
  const absl::string_view s = a[0].string_value();
  if (s == "1" || s == "t" || s == "true" || s == "TRUE" || s == "True") return Value::Bool(true);
  if (s == "0" || s == "f" || s == "false" || s == "FALSE" || s == "False") {
    return Value::Bool(false);
  }
  return Value::Error(absl::StrCat("cannot convert \"", s, "\" to bool"));
}

Value StringToTimestamp(Args a) {
  absl::StatusOr<absl::Time> t = ParseRfc3339(a[0].string_value());
  if (!t.ok()) return Value::Error(t.status().message());
  return Value::Timestamp(*t);
}
Value IntToTimestamp(Args a) {
  const int64_t s = a[0].int_value();
  if (s < -62135596800 || s > 253402300799) return RangeError("timestamp");
  return Value::Timestamp(absl::FromUnixSeconds(s));
}
Value StringToDuration(Args a) {
  absl::StatusOr<absl::Duration> d = ParseDurationText(a[0].string_value());
  if (!d.ok()) return Value::Error(d.status().message());
  return Value::Duration(*d);
}

Value TypeOf(Args a) { return Value::Type(TypeNameOf(a[0])); }

}  // namespace

void AddConversionFunctions(ImplTable& t) {
  t.insert(t.end(), {
                        {"int64_to_int64", Identity},
                        {"uint64_to_int64", UintToInt},
                        {"double_to_int64", DoubleToInt},
                        {"string_to_int64", StringToInt},
                        {"timestamp_to_int64", TimestampToInt},
                        {"uint64_to_uint64", Identity},
                        {"int64_to_uint64", IntToUint},
                        {"double_to_uint64", DoubleToUint},
                        {"string_to_uint64", StringToUint},
                        {"double_to_double", Identity},
                        {"int64_to_double", IntToDouble},
                        {"uint64_to_double", UintToDouble},
                        {"string_to_double", StringToDouble},
                        {"string_to_string", Identity},
                        {"int64_to_string", IntToString},
                        {"uint64_to_string", UintToString},
                        {"double_to_string", DoubleToString},
                        {"bytes_to_string", BytesToString},
                        {"bool_to_string", BoolToString},
                        {"timestamp_to_string", TimestampToString},
                        {"duration_to_string", DurationToString},
                        {"bytes_to_bytes", Identity},
                        {"string_to_bytes", StringToBytes},
                        {"bool_to_bool", Identity},
                        {"string_to_bool", StringToBool},
                        {"timestamp_to_timestamp", Identity},
                        {"string_to_timestamp", StringToTimestamp},
                        {"int64_to_timestamp", IntToTimestamp},
                        {"duration_to_duration", Identity},
                        {"string_to_duration", StringToDuration},
                        {"to_dyn", Identity},
                        {"type", TypeOf},
                    });
}

}  // namespace proactive::eval::internal
