#include "engine/client/value_text.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/common/field_error.h"
#include "engine/common/status_macros.h"
#include "engine/common/text_formats.h"

namespace proactive {
namespace {

absl::string_view JsonKind(const nlohmann::json& json) {
  switch (json.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::boolean:
      return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return "an integer";
    case nlohmann::json::value_t::number_float:
      return "a decimal number";
    case nlohmann::json::value_t::string:
      return "a string";
    case nlohmann::json::value_t::array:
      return "a list";
    case nlohmann::json::value_t::object:
      return "an object";
    default:
      return "something else";
  }
}

absl::Status Expected(absl::string_view path, absl::string_view what, const nlohmann::json& got) {
  std::string shown = got.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (shown.size() > 40) shown = absl::StrCat(shown.substr(0, 37), "...");
  return FieldError(path, absl::StrCat("expected ", what, ", got ", JsonKind(got), " ", shown));
}

absl::StatusOr<v1::Value> ScalarFromJson(const nlohmann::json& json, ValueKind kind, absl::string_view path) {
  v1::Value value;
  switch (kind) {
    case ValueKind::kBool:
      if (!json.is_boolean()) return Expected(path, "true or false", json);
      value.set_bool_value(json.get<bool>());
      return value;
    case ValueKind::kInt:
      if (json.is_number_unsigned()) {
        uint64_t u = json.get<uint64_t>();
        if (u > static_cast<uint64_t>(INT64_MAX)) return FieldError(path, "integer too large");
        value.set_int_value(static_cast<int64_t>(u));
        return value;
      }
      if (!json.is_number_integer()) return Expected(path, "an integer", json);
      value.set_int_value(json.get<int64_t>());
      return value;
    case ValueKind::kDouble:
      if (!json.is_number()) return Expected(path, "a number", json);
      value.set_double_value(json.get<double>());
      return value;
    case ValueKind::kString:
      if (!json.is_string()) return Expected(path, "a string", json);
      value.set_string_value(json.get<std::string>());
      return value;
    case ValueKind::kDate: {
      if (!json.is_string()) return Expected(path, "a date \"YYYY-MM-DD\"", json);
      absl::StatusOr<absl::CivilDay> day = ParseIsoDate(json.get<std::string>());
      if (!day.ok()) return FieldError(path, day.status().message());
      value.mutable_date_value()->set_year(static_cast<int32_t>(day->year()));
      value.mutable_date_value()->set_month(day->month());
      value.mutable_date_value()->set_day(day->day());
      return value;
    }
    case ValueKind::kMoney: {
      if (!json.is_string()) return Expected(path, "an amount like \"1234.56 EUR\"", json);
      absl::StatusOr<Money> money = ParseMoney(json.get<std::string>());
      if (!money.ok()) return FieldError(path, money.status().message());
      value.mutable_money_value()->set_cents(money->cents);
      value.mutable_money_value()->set_currency(money->currency);
      return value;
    }
    case ValueKind::kTimestamp: {
      if (!json.is_string()) return Expected(path, "an RFC 3339 time", json);
      absl::StatusOr<absl::Time> time = ParseRfc3339(json.get<std::string>());
      if (!time.ok()) return FieldError(path, time.status().message());
      *value.mutable_timestamp_value() = ToProtoTimestamp(*time);
      return value;
    }
    case ValueKind::kDuration: {
      if (!json.is_string()) return Expected(path, "a duration like \"3600s\"", json);
      absl::StatusOr<absl::Duration> d = ParseDurationText(json.get<std::string>());
      if (!d.ok()) return FieldError(path, d.status().message());
      absl::Duration rem;
      int64_t seconds = absl::IDivDuration(*d, absl::Seconds(1), &rem);
      value.mutable_duration_value()->set_seconds(seconds);
      value.mutable_duration_value()->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(rem)));
      return value;
    }
    case ValueKind::kPerson:
      if (!json.is_string()) return Expected(path, "a person id", json);
      value.mutable_person_value()->set_person_id(json.get<std::string>());
      return value;
    case ValueKind::kList:
      break;
  }
  return FieldError(path, "lists of lists are not supported");
}

}  // namespace

absl::StatusOr<v1::Value> ValueFromJson(const nlohmann::json& json, const TypeSpec& type, absl::string_view path) {
  if (json.is_null()) {
    return FieldError(path, "null is not a value; list the attribute in \"remove\" to clear it");
  }
  if (type.kind != ValueKind::kList) return ScalarFromJson(json, type.kind, path);
  if (!json.is_array()) return Expected(path, absl::StrCat("a list (", type.Name(), ")"), json);
  v1::Value value;
  v1::ValueList* list = value.mutable_list_value();
  for (size_t i = 0; i < json.size(); ++i) {
    ASSIGN_OR_RETURN(*list->add_values(), ScalarFromJson(json[i], type.element, absl::StrCat(path, "[", i, "]")));
  }
  return value;
}

nlohmann::json ValueToJson(const v1::Value& value) {
  switch (value.kind_case()) {
    case v1::Value::kBoolValue:
      return value.bool_value();
    case v1::Value::kIntValue:
      return value.int_value();
    case v1::Value::kDoubleValue:
      return value.double_value();
    case v1::Value::kStringValue:
      return value.string_value();
    case v1::Value::kDateValue: {
      const v1::Date& d = value.date_value();
      return FormatIsoDate(absl::CivilDay(d.year(), d.month(), d.day()));
    }
    case v1::Value::kMoneyValue:
      return FormatMoney(Money{value.money_value().cents(), value.money_value().currency()});
    case v1::Value::kTimestampValue:
      return FormatRfc3339(FromProtoTimestamp(value.timestamp_value()));
    case v1::Value::kDurationValue:
      return FormatDurationSeconds(absl::Seconds(value.duration_value().seconds()) +
                                   absl::Nanoseconds(value.duration_value().nanos()));
    case v1::Value::kListValue: {
      nlohmann::json list = nlohmann::json::array();
      for (const v1::Value& v : value.list_value().values()) list.push_back(ValueToJson(v));
      return list;
    }
    case v1::Value::kPersonValue:
      return value.person_value().person_id();
    case v1::Value::kNullValue:
    case v1::Value::KIND_NOT_SET:
      return nullptr;
  }
  return nullptr;
}

std::string FormatValue(const v1::Value& value) {
  if (value.has_string_value()) {
    return nlohmann::json(value.string_value()).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  if (value.has_list_value()) {
    std::vector<std::string> items;
    for (const v1::Value& v : value.list_value().values()) items.push_back(FormatValue(v));
    return absl::StrCat("[", absl::StrJoin(items, ", "), "]");
  }
  nlohmann::json json = ValueToJson(value);
  return json.is_string() ? json.get<std::string>()
                          : json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace proactive
