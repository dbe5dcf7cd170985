#include "engine/ingest/value_conversion.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/common/field_error.h"
#include "engine/common/status_macros.h"
#include "engine/common/text_formats.h"
#include "engine/common/utf8.h"

namespace proactive {
namespace {

// google.protobuf.Timestamp range: 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;
// google.protobuf.Duration range: +-10,000 years.
constexpr int64_t kMaxDurationSeconds = 315576000000;

bool KindMatches(const v1::Value& value, ValueKind kind) {
  switch (kind) {
    case ValueKind::kBool:
      return value.has_bool_value();
    case ValueKind::kInt:
      return value.has_int_value();
    case ValueKind::kDouble:
      return value.has_double_value();
    case ValueKind::kString:
      return value.has_string_value();
    case ValueKind::kDate:
      return value.has_date_value();
    case ValueKind::kMoney:
      return value.has_money_value();
    case ValueKind::kTimestamp:
      return value.has_timestamp_value();
    case ValueKind::kDuration:
      return value.has_duration_value();
    case ValueKind::kList:
      return value.has_list_value();
    case ValueKind::kPerson:
      return value.has_person_value();
  }
  return false;
}

// Converts a scalar (non-list) value of the expected kind.
absl::Status ConvertScalar(const v1::Value& value, ValueKind kind, const FieldSpec& spec, absl::string_view currency,
                           const FieldPath& field, storage::v1::Value* out) {
  if (value.kind_case() == v1::Value::KIND_NOT_SET) {
    return FieldError(field.Text(), absl::StrCat("is missing; \"", spec.name, "\" expects ", ValueKindName(kind)));
  }
  if (value.has_null_value()) {
    return FieldError(field.Text(), absl::StrCat("null is not a value of \"", spec.name,
                                                 "\"; list the attribute in `removed` to clear it"));
  }
  if (!KindMatches(value, kind)) {
    return FieldError(field.Text(), absl::StrCat("\"", spec.name, "\" expects ", ValueKindName(kind), ", got ",
                                                 ApiValueKindName(value)));
  }
  switch (kind) {
    case ValueKind::kBool:
      out->set_bool_value(value.bool_value());
      return absl::OkStatus();
    case ValueKind::kInt:
      if (spec.min && value.int_value() < *spec.min) {
        return FieldError(field.Text(), absl::StrCat(value.int_value(), " is below the minimum ", *spec.min, " of \"",
                                                     spec.name, "\""));
      }
      if (spec.max && value.int_value() > *spec.max) {
        return FieldError(field.Text(), absl::StrCat(value.int_value(), " is above the maximum ", *spec.max, " of \"",
                                                     spec.name, "\""));
      }
      out->set_int_value(value.int_value());
      return absl::OkStatus();
    case ValueKind::kDouble:
      if (!std::isfinite(value.double_value())) {
        return FieldError(field.Text(), "must be a finite number");
      }
      out->set_double_value(value.double_value());
      return absl::OkStatus();
    case ValueKind::kString: {
      RETURN_IF_ERROR(CheckTextField(value.string_value(), field, spec.max_length));
      if (!spec.allowed.empty()) {
        bool allowed = false;
        for (const std::string& a : spec.allowed) allowed = allowed || a == value.string_value();
        if (!allowed) {
          return FieldError(field.Text(), absl::StrCat("\"", value.string_value(), "\" is not one of the values of \"",
                                                       spec.name, "\": ", absl::StrJoin(spec.allowed, ", ")));
        }
      }
      out->set_string_value(value.string_value());
      return absl::OkStatus();
    }
    case ValueKind::kDate: {
      const v1::Date& date = value.date_value();
      if (!date.has_year() || !date.has_month() || !date.has_day()) {
        return FieldError(FieldPath(field, "date_value").Text(), "needs year, month and day");
      }
      absl::StatusOr<absl::CivilDay> day = MakeDate(date.year(), date.month(), date.day());
      if (!day.ok()) return FieldError(FieldPath(field, "date_value").Text(), day.status().message());
      out->set_date_days(DaysSinceEpoch(*day));
      return absl::OkStatus();
    }
    case ValueKind::kMoney: {
      const v1::Money& money = value.money_value();
      if (!money.has_cents()) {
        return FieldError(FieldPath(field, "money_value.cents").Text(), "is required");
      }
      // Checked before it is quoted in an error: answers stay valid UTF-8.
      RETURN_IF_ERROR(CheckTextField(money.currency(), FieldPath(field, "money_value.currency"), 16));
      if (money.currency() != currency) {
        return FieldError(FieldPath(field, "money_value.currency").Text(),
                          absl::StrCat("\"", money.currency(), "\" is not the schema's currency ", currency));
      }
      out->mutable_money_value()->set_cents(money.cents());
      out->mutable_money_value()->set_currency(money.currency());
      return absl::OkStatus();
    }
    case ValueKind::kTimestamp: {
      const auto& ts = value.timestamp_value();
      if (ts.seconds() < kMinTimestampSeconds || ts.seconds() > kMaxTimestampSeconds || ts.nanos() < 0 ||
          ts.nanos() > 999999999) {
        return FieldError(FieldPath(field, "timestamp_value").Text(),
                          "is outside 0001-01-01..9999-12-31 or has invalid nanos");
      }
      // Seconds and nanos only, never unknown fields from the wire: they would
      // be stored and change the event's fingerprint.
      out->mutable_timestamp_value()->set_seconds(ts.seconds());
      out->mutable_timestamp_value()->set_nanos(ts.nanos());
      return absl::OkStatus();
    }
    case ValueKind::kDuration: {
      const auto& d = value.duration_value();
      bool sign_ok = (d.seconds() >= 0 && d.nanos() >= 0) || (d.seconds() <= 0 && d.nanos() <= 0);
      if (d.seconds() < -kMaxDurationSeconds || d.seconds() > kMaxDurationSeconds || d.nanos() < -999999999 ||
          d.nanos() > 999999999 || !sign_ok) {
        return FieldError(FieldPath(field, "duration_value").Text(),
                          "is outside +-10000 years or has inconsistent nanos");
      }
      out->mutable_duration_value()->set_seconds(d.seconds());
      out->mutable_duration_value()->set_nanos(d.nanos());
      return absl::OkStatus();
    }
    case ValueKind::kPerson:
      RETURN_IF_ERROR(CheckIdentifier(value.person_value().person_id(), FieldPath(field, "person_value.person_id")));
      out->set_person_id(value.person_value().person_id());
      return absl::OkStatus();
    case ValueKind::kList:
      break;
  }
  return FieldError(field.Text(), "lists of lists are not supported");
}

}  // namespace

absl::string_view ApiValueKindName(const v1::Value& value) {
  switch (value.kind_case()) {
    case v1::Value::kNullValue:
      return "null";
    case v1::Value::kBoolValue:
      return "bool";
    case v1::Value::kIntValue:
      return "int";
    case v1::Value::kDoubleValue:
      return "double";
    case v1::Value::kStringValue:
      return "string";
    case v1::Value::kDateValue:
      return "date";
    case v1::Value::kMoneyValue:
      return "money";
    case v1::Value::kTimestampValue:
      return "timestamp";
    case v1::Value::kDurationValue:
      return "duration";
    case v1::Value::kListValue:
      return "list";
    case v1::Value::kPersonValue:
      return "person";
    case v1::Value::KIND_NOT_SET:
      return "nothing";
  }
  return "?";
}

absl::Status ToStorageValue(const v1::Value& value, const FieldSpec& spec, absl::string_view currency,
                            const FieldPath& field, storage::v1::Value* out) {
  if (spec.type.kind != ValueKind::kList) {
    return ConvertScalar(value, spec.type.kind, spec, currency, field, out);
  }
  if (!value.has_list_value()) {
    if (value.kind_case() == v1::Value::KIND_NOT_SET) {
      return FieldError(field.Text(), absl::StrCat("is missing; \"", spec.name, "\" expects ", spec.type.Name()));
    }
    return FieldError(field.Text(), absl::StrCat("\"", spec.name, "\" expects ", spec.type.Name(), ", got ",
                                                 ApiValueKindName(value)));
  }
  storage::v1::ValueList* list = out->mutable_list_value();
  const auto& values = value.list_value().values();
  if (values.size() > 1000) {
    return FieldError(field.Text(), absl::StrCat(values.size(), " elements exceed the limit of 1000"));
  }
  for (int i = 0; i < values.size(); ++i) {
    RETURN_IF_ERROR(ConvertScalar(values[i], spec.type.element, spec, currency,
                                  FieldPath(field, "list_value.values", i), list->add_values()));
  }
  return absl::OkStatus();
}

v1::Value ToApiValue(const storage::v1::Value& value) {
  v1::Value out;
  switch (value.kind_case()) {
    case storage::v1::Value::kNullValue:
      out.set_null_value(v1::NULL_VALUE);
      break;
    case storage::v1::Value::kBoolValue:
      out.set_bool_value(value.bool_value());
      break;
    case storage::v1::Value::kIntValue:
      out.set_int_value(value.int_value());
      break;
    case storage::v1::Value::kDoubleValue:
      out.set_double_value(value.double_value());
      break;
    case storage::v1::Value::kStringValue:
      out.set_string_value(value.string_value());
      break;
    case storage::v1::Value::kDateDays: {
      absl::CivilDay day = DayFromEpochDays(value.date_days());
      out.mutable_date_value()->set_year(static_cast<int32_t>(day.year()));
      out.mutable_date_value()->set_month(day.month());
      out.mutable_date_value()->set_day(day.day());
      break;
    }
    case storage::v1::Value::kMoneyValue:
      out.mutable_money_value()->set_cents(value.money_value().cents());
      out.mutable_money_value()->set_currency(value.money_value().currency());
      break;
    case storage::v1::Value::kTimestampValue:
      *out.mutable_timestamp_value() = value.timestamp_value();
      break;
    case storage::v1::Value::kDurationValue:
      *out.mutable_duration_value() = value.duration_value();
      break;
    case storage::v1::Value::kListValue:
      for (const storage::v1::Value& v : value.list_value().values()) {
        *out.mutable_list_value()->add_values() = ToApiValue(v);
      }
      if (value.list_value().values().empty()) out.mutable_list_value();
      break;
    case storage::v1::Value::kPersonId:
      out.mutable_person_value()->set_person_id(value.person_id());
      break;
    case storage::v1::Value::KIND_NOT_SET:
      break;
  }
  return out;
}

absl::Status CheckIdentifier(absl::string_view id, const FieldPath& field) {
  if (id.empty()) return FieldError(field.Text(), "is required");
  if (id.size() > 128) {
    return FieldError(field.Text(), absl::StrCat(id.size(), " bytes exceed the limit of 128"));
  }
  // Printable ASCII, what ids almost always are, in one pass: valid UTF-8
  // without spaces or control characters.
  bool printable_ascii = true;
  for (const char ch : id) {
    const auto c = static_cast<unsigned char>(ch);
    printable_ascii &= c > 0x20 && c < 0x7F;
  }
  if (printable_ascii) return absl::OkStatus();
  size_t bad = 0;
  if (!IsValidUtf8(id, &bad)) return FieldError(field.Text(), absl::StrCat("invalid UTF-8 at byte ", bad));
  for (size_t i = 0; i < id.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(id[i]);
    if (c <= 0x20 || c == 0x7F) {
      return FieldError(field.Text(), absl::StrCat("has a space or control character at byte ", i));
    }
  }
  return absl::OkStatus();
}

}  // namespace proactive
