// Equality, ordering and text conversions of Values, with CEL's semantics:
// numbers compare by value across int, uint and double (1 == 1u == 1.0),
// lists and maps compare element-wise, values of unrelated types are unequal
// (not an error), NaN is unequal to everything.
//
//   ValuesEqual(Value::Int(1), Value::Double(1.0));            // true
//   std::string error;
//   CompareValues(Value::String("a"), Value::Int(1), &error);  // kInvalid
#ifndef PROACTIVE_ENGINE_EVAL_VALUE_OPS_H_
#define PROACTIVE_ENGINE_EVAL_VALUE_OPS_H_

#include <string>

#include "engine/eval/value.h"

namespace proactive::eval {

// CEL equality. REQUIRES: neither is an error.
bool ValuesEqual(const Value& a, const Value& b);

enum class Ordering { kLess, kEqual, kGreater, kUnordered /* NaN */, kInvalid };

// CEL ordering, for <, <=, >, >=. kInvalid (with `*error` set) when the two
// values have no order: different non-numeric kinds, lists, maps, null,
// money in two currencies.
Ordering CompareValues(const Value& a, const Value& b, std::string* error);

// The shortest decimal text that reads back as `d`: "1.5", "1e+100", "3".
// NaN and infinities as "NaN", "Infinity", "-Infinity".
std::string FormatDoubleShortest(double d);

// CEL's text of a duration: "1.5s", "-3600s".
std::string FormatDurationText(const Value& duration);
// RFC 3339 in UTC with only the fractional digits needed.
std::string FormatTimestampText(const Value& timestamp);

}  // namespace proactive::eval

#endif  // PROACTIVE_ENGINE_EVAL_VALUE_OPS_H_
