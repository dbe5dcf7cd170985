#include "engine/rules/typed_text.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/common/text_formats.h"

namespace proactive {

absl::StatusOr<eval::Value> TypedValueFromText(const TypeSpec& type, absl::string_view text) {
  switch (type.kind) {
    case ValueKind::kBool:
      if (text == "true") return eval::Value::Bool(true);
      if (text == "false") return eval::Value::Bool(false);
      return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not true or false"));
    case ValueKind::kInt: {
      int64_t i = 0;
      if (!absl::SimpleAtoi(text, &i))
        return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not an integer"));
      return eval::Value::Int(i);
    }
    case ValueKind::kDouble: {
      double d = 0;
      if (!absl::SimpleAtod(text, &d))
        return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not a number"));
      return eval::Value::Double(d);
    }
    case ValueKind::kString:
    case ValueKind::kPerson:
      return eval::Value::String(text);
    case ValueKind::kDate: {
      absl::StatusOr<absl::CivilDay> day = ParseIsoDate(text);
      if (!day.ok()) return day.status();
      return eval::Value::Date(*day);
    }
    case ValueKind::kMoney: {
      absl::StatusOr<Money> money = ParseMoney(text);
      if (!money.ok()) return money.status();
      return eval::Value::Money(*money);
    }
    case ValueKind::kTimestamp: {
      absl::StatusOr<absl::Time> time = ParseRfc3339(text);
      if (!time.ok()) return time.status();
      return eval::Value::Timestamp(*time);
    }
    case ValueKind::kDuration: {
      absl::StatusOr<absl::Duration> duration = ParseDurationText(text);
      if (!duration.ok()) return duration.status();
      return eval::Value::Duration(*duration);
    }
    case ValueKind::kList:
      break;
  }
  return absl::InvalidArgumentError(absl::StrCat("a ", type.Name(), " cannot be written as text"));
}

}  // namespace proactive
