// FormatValue: the stable text form of values.
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/common/text_formats.h"
#include "engine/eval/object_value.h"
#include "engine/eval/value.h"
#include "engine/eval/value_ops.h"
#include "engine/lang/literals.h"

namespace proactive::eval {
namespace {

void Append(const Value& value, int object_depth, std::string* out) {
  using K = Value::Kind;
  switch (value.kind()) {
    case K::kNull:
      out->append("null");
      return;
    case K::kBool:
      out->append(value.bool_value() ? "true" : "false");
      return;
    case K::kInt:
      absl::StrAppend(out, value.int_value());
      return;
    case K::kUint:
      absl::StrAppend(out, value.uint_value(), "u");
      return;
    case K::kDouble: {
      std::string d = FormatDoubleShortest(value.double_value());
      // Keep doubles recognisable: 3.0, not 3.
      if (d.find_first_of(".eIN") == std::string::npos) d += ".0";
      out->append(d);
      return;
    }
    case K::kString:
      out->append(lang::QuoteString(value.string_value()));
      return;
    case K::kBytes:
      out->append(lang::QuoteBytes(value.string_value()));
      return;
    case K::kDuration:
      absl::StrAppend(out, "duration(\"", FormatDurationText(value), "\")");
      return;
    case K::kTimestamp:
      absl::StrAppend(out, "timestamp(\"", FormatTimestampText(value), "\")");
      return;
    case K::kDate:
      absl::StrAppend(out, "date(\"", FormatIsoDate(value.date_value()), "\")");
      return;
    case K::kMoney:
      absl::StrAppend(out, "money(\"", FormatMoney(proactive::Money{value.money_cents(), value.money_currency()}),
                      "\")");
      return;
    case K::kList: {
      out->push_back('[');
      bool first = true;
      for (const Value& e : value.list_elements()) {
        if (!first) out->append(", ");
        first = false;
        Append(e, object_depth, out);
      }
      out->push_back(']');
      return;
    }
    case K::kMap: {
      out->push_back('{');
      bool first = true;
      for (const auto& [k, v] : value.map_value().entries()) {
        if (!first) out->append(", ");
        first = false;
        Append(k, object_depth, out);
        out->append(": ");
        Append(v, object_depth, out);
      }
      out->push_back('}');
      return;
    }
    case K::kObject: {
      const ObjectValue* object = value.object_value();
      if (object == nullptr) {
        out->append("object{}");
        return;
      }
      const lang::ObjectType& type = object->object_type();
      out->append(type.name());
      // Records link to each other (children, guardians): show one level.
      if (object_depth > 0) {
        out->append("{...}");
        return;
      }
      out->push_back('{');
      bool first = true;
      for (const lang::FieldDecl& field : type.fields()) {
        const Value* v = object->Field(field.index);
        if (v == nullptr) continue;
        if (!first) out->append(", ");
        first = false;
        absl::StrAppend(out, field.name, ": ");
        Append(*v, object_depth + 1, out);
      }
      out->push_back('}');
      return;
    }
    case K::kType:
      absl::StrAppend(out, value.type_name());
      return;
    case K::kError:
      absl::StrAppend(out, "error: ", value.error_message());
      return;
  }
}

}  // namespace

std::string FormatValue(const Value& value) {
  std::string out;
  Append(value, 0, &out);
  return out;
}

std::ostream& operator<<(std::ostream& out, const Value& value) { return out << FormatValue(value); }

}  // namespace proactive::eval
