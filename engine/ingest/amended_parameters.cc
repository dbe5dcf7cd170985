#include "engine/ingest/amended_parameters.h"

#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/common/field_error.h"
#include "engine/common/proto_time.h"
#include "engine/common/status_macros.h"
#include "engine/common/text_formats.h"
#include "engine/ingest/value_conversion.h"

namespace proactive {
namespace {

// The kind a stored value has; nullopt for null (any kind replaces it).
std::optional<TypeSpec> StoredType(const storage::v1::Value& value) {
  TypeSpec type;
  switch (value.kind_case()) {
    case storage::v1::Value::kBoolValue:
      type.kind = ValueKind::kBool;
      return type;
    case storage::v1::Value::kIntValue:
      type.kind = ValueKind::kInt;
      return type;
    case storage::v1::Value::kDoubleValue:
      type.kind = ValueKind::kDouble;
      return type;
    case storage::v1::Value::kStringValue:
      type.kind = ValueKind::kString;
      return type;
    case storage::v1::Value::kDateDays:
      type.kind = ValueKind::kDate;
      return type;
    case storage::v1::Value::kMoneyValue:
      type.kind = ValueKind::kMoney;
      return type;
    case storage::v1::Value::kTimestampValue:
      type.kind = ValueKind::kTimestamp;
      return type;
    case storage::v1::Value::kDurationValue:
      type.kind = ValueKind::kDuration;
      return type;
    case storage::v1::Value::kPersonId:
      type.kind = ValueKind::kPerson;
      return type;
    case storage::v1::Value::kListValue: {
      type.kind = ValueKind::kList;
      const auto& values = value.list_value().values();
      if (!values.empty()) {
        if (std::optional<TypeSpec> element = StoredType(values[0]); element && element->kind != ValueKind::kList) {
          type.element = element->kind;
        }
      }
      return type;
    }
    case storage::v1::Value::kNullValue:
    case storage::v1::Value::KIND_NOT_SET:
      break;
  }
  return std::nullopt;
}

// The kind of an API value, to type a parameter that had none (null).
TypeSpec GivenType(const v1::Value& value) {
  TypeSpec type;
  switch (value.kind_case()) {
    case v1::Value::kBoolValue:
      type.kind = ValueKind::kBool;
      break;
    case v1::Value::kIntValue:
      type.kind = ValueKind::kInt;
      break;
    case v1::Value::kDoubleValue:
      type.kind = ValueKind::kDouble;
      break;
    case v1::Value::kDateValue:
      type.kind = ValueKind::kDate;
      break;
    case v1::Value::kMoneyValue:
      type.kind = ValueKind::kMoney;
      break;
    case v1::Value::kTimestampValue:
      type.kind = ValueKind::kTimestamp;
      break;
    case v1::Value::kDurationValue:
      type.kind = ValueKind::kDuration;
      break;
    case v1::Value::kPersonValue:
      type.kind = ValueKind::kPerson;
      break;
    case v1::Value::kListValue:
      type.kind = ValueKind::kList;
      if (!value.list_value().values().empty()) {
        const TypeSpec element = GivenType(value.list_value().values(0));
        if (element.kind != ValueKind::kList) type.element = element.kind;
      }
      break;
    default:
      type.kind = ValueKind::kString;
      break;
  }
  return type;
}

bool Matches(const v1::Value& value, const TypeSpec& type) {
  return GivenType(value).kind == type.kind || (type.kind == ValueKind::kList && value.has_list_value());
}

// `text` read as a scalar of `kind`, in the forms events use.
absl::StatusOr<v1::Value> FromText(absl::string_view text, ValueKind kind) {
  v1::Value value;
  switch (kind) {
    case ValueKind::kBool:
      if (text != "true" && text != "false") return absl::InvalidArgumentError("expected true or false");
      value.set_bool_value(text == "true");
      return value;
    case ValueKind::kInt: {
      int64_t n = 0;
      if (!absl::SimpleAtoi(text, &n)) return absl::InvalidArgumentError("expected an integer");
      value.set_int_value(n);
      return value;
    }
    case ValueKind::kDouble: {
      double d = 0;
      if (!absl::SimpleAtod(text, &d)) return absl::InvalidArgumentError("expected a number");
      value.set_double_value(d);
      return value;
    }
    case ValueKind::kDate: {
      ASSIGN_OR_RETURN(absl::CivilDay day, ParseIsoDate(text));
      value.mutable_date_value()->set_year(static_cast<int32_t>(day.year()));
      value.mutable_date_value()->set_month(day.month());
      value.mutable_date_value()->set_day(day.day());
      return value;
    }
    case ValueKind::kMoney: {
      ASSIGN_OR_RETURN(Money money, ParseMoney(text));
      value.mutable_money_value()->set_cents(money.cents);
      value.mutable_money_value()->set_currency(money.currency);
      return value;
    }
    case ValueKind::kTimestamp: {
      ASSIGN_OR_RETURN(absl::Time time, ParseRfc3339(text));
      *value.mutable_timestamp_value() = ToProtoTimestamp(time);
      return value;
    }
    case ValueKind::kDuration: {
      ASSIGN_OR_RETURN(absl::Duration d, ParseDurationText(text));
      absl::Duration rest;
      value.mutable_duration_value()->set_seconds(absl::IDivDuration(d, absl::Seconds(1), &rest));
      value.mutable_duration_value()->set_nanos(static_cast<int32_t>(absl::ToInt64Nanoseconds(rest)));
      return value;
    }
    case ValueKind::kPerson:
      value.mutable_person_value()->set_person_id(std::string(text));
      return value;
    case ValueKind::kString:
      value.set_string_value(std::string(text));
      return value;
    case ValueKind::kList:
      break;
  }
  return absl::InvalidArgumentError("a list cannot be given as text");
}

// `value` as `type`: as given when it has that kind, an int for a double,
// else read from its text form (a form typed in by a caseworker gives text).
absl::StatusOr<v1::Value> AsType(const v1::Value& value, const TypeSpec& type, const std::string& field,
                                 const std::string& name) {
  if (Matches(value, type)) return value;
  if (type.kind == ValueKind::kDouble && value.has_int_value()) {
    v1::Value widened;
    widened.set_double_value(static_cast<double>(value.int_value()));
    return widened;
  }
  if (!value.has_string_value() || type.kind == ValueKind::kList) {
    return FieldError(field,
                      absl::StrCat("parameter \"", name, "\" is ", type.Name(), ", not ", ApiValueKindName(value)));
  }
  absl::StatusOr<v1::Value> read = FromText(value.string_value(), type.kind);
  if (!read.ok()) {
    return FieldError(field, absl::StrCat("parameter \"", name, "\" is ", type.Name(), ": \"", value.string_value(),
                                          "\" is not one (", read.status().message(), ")"));
  }
  return *std::move(read);
}

}  // namespace

absl::Status CheckAmendedParameterNames(const google::protobuf::RepeatedPtrField<v1::Attribute>& parameters,
                                        std::vector<v1::Attribute>* out) {
  std::set<std::string> seen;
  for (int i = 0; i < parameters.size(); ++i) {
    const FieldPath at("amended_parameters", i);
    const v1::Attribute& p = parameters[i];
    RETURN_IF_ERROR(CheckTextField(p.name(), FieldPath(at, "name"), 128));
    if (p.name().empty()) return FieldError(FieldPath(at, "name").Text(), "is missing");
    if (!seen.insert(p.name()).second) {
      return FieldError(FieldPath(at, "name").Text(), absl::StrCat("\"", p.name(), "\" is given twice"));
    }
    if (!p.has_value() || p.value().kind_case() == v1::Value::KIND_NOT_SET) {
      return FieldError(FieldPath(at, "value").Text(), absl::StrCat("is missing for \"", p.name(), "\""));
    }
  }
  out->assign(parameters.begin(), parameters.end());
  return absl::OkStatus();
}

std::optional<TypeSpec> ParameterKindOf(const lang::Type& type) {
  static constexpr std::pair<lang::TypeKind, ValueKind> kScalars[] = {
      {lang::TypeKind::kBool, ValueKind::kBool},           {lang::TypeKind::kInt, ValueKind::kInt},
      {lang::TypeKind::kDouble, ValueKind::kDouble},       {lang::TypeKind::kString, ValueKind::kString},
      {lang::TypeKind::kDate, ValueKind::kDate},           {lang::TypeKind::kMoney, ValueKind::kMoney},
      {lang::TypeKind::kTimestamp, ValueKind::kTimestamp}, {lang::TypeKind::kDuration, ValueKind::kDuration},
  };
  TypeSpec spec;
  for (const auto& [from, to] : kScalars) {
    if (type.kind() != from) continue;
    spec.kind = to;
    return spec;
  }
  if (type.kind() != lang::TypeKind::kList) return std::nullopt;  // dyn, uint, maps, objects: as stored
  const std::optional<TypeSpec> element = ParameterKindOf(type.elem());
  if (!element || element->kind == ValueKind::kList) return std::nullopt;
  spec.kind = ValueKind::kList;
  spec.element = element->kind;
  return spec;
}

absl::Status AmendParameters(const std::vector<v1::Attribute>& amended, const std::map<std::string, TypeSpec>& declared,
                             storage::v1::DecisionRecord* decision, storage::v1::RecourseCase* amending_case) {
  storage::v1::DecisionRecord changed = *decision;
  storage::v1::RecourseCase recorded = *amending_case;
  recorded.clear_amended_parameters();
  recorded.clear_parameters_before();
  std::set<std::string> seen;
  for (size_t i = 0; i < amended.size(); ++i) {
    const FieldPath at("amended_parameters", static_cast<int>(i));
    const std::string name_field = FieldPath(at, "name").Text();
    const std::string value_field = FieldPath(at, "value").Text();
    const v1::Attribute& given = amended[i];
    if (!seen.insert(given.name()).second) {
      return FieldError(name_field, absl::StrCat("\"", given.name(), "\" is given twice"));
    }
    storage::v1::NamedValue* parameter = nullptr;
    std::vector<std::string> names;
    for (storage::v1::NamedValue& p : *changed.mutable_parameters()) {
      names.push_back(p.name());
      if (p.name() == given.name()) parameter = &p;
    }
    if (parameter == nullptr) {
      return FieldError(
          name_field,
          absl::StrCat(
              "\"", given.name(), "\" is not a parameter of decision ", decision->decision_id(),
              names.empty() ? " (it has none)" : absl::StrCat(" (its parameters: ", absl::StrJoin(names, ", "), ")")));
    }
    if (given.value().kind_case() == v1::Value::KIND_NOT_SET || given.value().has_null_value()) {
      return FieldError(value_field, absl::StrCat("a value for \"", given.name(),
                                                  "\" is needed; an amendment "
                                                  "changes a parameter, it does not empty it"));
    }
    // The rule's kind first; else the stored value's, unless it is null or
    // an empty list (whose elements' kind it does not say); else as given.
    std::optional<TypeSpec> stored = StoredType(parameter->value());
    if (parameter->value().has_list_value() && parameter->value().list_value().values().empty()) stored.reset();
    const auto rule_kind = declared.find(given.name());
    const TypeSpec type = rule_kind != declared.end() ? rule_kind->second : stored ? *stored : GivenType(given.value());
    ASSIGN_OR_RETURN(v1::Value typed, AsType(given.value(), type, value_field, given.name()));
    FieldSpec spec;
    spec.name = given.name();
    spec.type = type;
    const std::string currency =
        parameter->value().has_money_value() ? parameter->value().money_value().currency() : std::string("EUR");
    storage::v1::Value value;
    RETURN_IF_ERROR(ToStorageValue(typed, spec, currency, FieldPath(at, "value"), &value));
    if (value.SerializeAsString() == parameter->value().SerializeAsString()) {
      return FieldError(value_field, absl::StrCat("\"", given.name(), "\" has that value already"));
    }
    storage::v1::NamedValue* before = recorded.add_parameters_before();
    *before = *parameter;
    *parameter->mutable_value() = value;
    *recorded.add_amended_parameters() = *parameter;
  }
  *decision = std::move(changed);
  *amending_case = std::move(recorded);
  return absl::OkStatus();
}

}  // namespace proactive
