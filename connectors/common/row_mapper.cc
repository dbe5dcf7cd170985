#include "connectors/common/row_mapper.h"

#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "engine/client/event_json.h"
#include "engine/common/sha256.h"
#include "engine/common/status_macros.h"

namespace proactive {
namespace {

using json = nlohmann::json;

const json& Cell(const json& record, const std::string& column) {
  static const json kNull;
  auto it = record.find(column);
  return it == record.end() ? kNull : *it;
}

std::string Describe(const CellRule& rule, absl::string_view target) {
  if (!rule.template_text.empty()) return absl::StrCat("template of ", target);
  if (rule.column.empty()) return absl::StrCat("value of ", target);
  if (rule.column == target) return absl::StrCat("column \"", rule.column, "\"");
  return absl::StrCat("column \"", rule.column, "\" (", target, ")");
}

// The cell's value, converted; nullopt when empty.
absl::StatusOr<std::optional<v1::Value>> Convert(const json& record, const TargetRule& target,
                                                 absl::string_view currency) {
  json expanded;
  if (!target.cell.template_text.empty()) {
    absl::StatusOr<std::string> text = ExpandTemplate(target.cell.template_text, record);
    if (!text.ok()) return text.status();
    expanded = *text;
  }
  const json& cell = !target.cell.template_text.empty() ? expanded
                     : target.cell.constant             ? *target.cell.constant
                                                        : Cell(record, target.cell.column);
  absl::StatusOr<std::optional<v1::Value>> value = ConvertCell(cell, target.cell, target.type, currency);
  if (!value.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(Describe(target.cell, target.name), ": ", value.status().message()));
  }
  if (!value->has_value() && target.cell.on_empty == EmptyCell::kReject) {
    return absl::InvalidArgumentError(absl::StrCat(Describe(target.cell, target.name), ": is empty"));
  }
  return value;
}

absl::StatusOr<std::string> RequiredText(const json& record, const CellRule& rule, absl::string_view what) {
  std::string text = CellText(rule.constant ? *rule.constant : Cell(record, rule.column));
  if (text.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(Describe(rule, what), ": is empty"));
  }
  return text;
}

std::string RowKeyText(const Mapping& mapping, const json& record) {
  std::vector<std::string> parts;
  for (const std::string& column : mapping.row_key) parts.push_back(CellText(Cell(record, column)));
  return absl::StrJoin(parts, "/");
}

std::string Escape(absl::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c <= 0x20 || c == 0x7F || c == '%' || c == ':' || c == '/') {
      absl::StrAppendFormat(&out, "%%%02X", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

}  // namespace

std::string MakeEventId(absl::string_view source, absl::string_view dataset, absl::string_view row_key,
                        absl::string_view content_hash) {
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(row_key, '/')) parts.push_back(Escape(part));
  std::string id = absl::StrCat(source, ":", dataset, ":", absl::StrJoin(parts, "/"), ":", content_hash);
  if (id.size() <= 128) return id;
  return absl::StrCat(source, ":", dataset, ":sha-", ToHex(Sha256Digest(row_key)).substr(0, 32), ":", content_hash);
}

std::string EventContentHash(const v1::PublishRequest& request) {
  v1::PublishRequest copy = request;
  if (copy.has_person()) copy.mutable_person()->clear_event_id();
  if (copy.has_broadcast()) copy.mutable_broadcast()->clear_event_id();
  return ToHex(Sha256Digest(EventToJson(copy))).substr(0, 12);
}

absl::StatusOr<v1::PublishRequest> MapRecordToEvent(const Mapping& mapping, const json& record,
                                                    absl::string_view dataset, absl::string_view currency) {
  if (!record.is_object()) return absl::InvalidArgumentError("the record is not a JSON object");
  v1::PublishRequest request;
  v1::PersonEvent* event = request.mutable_person();
  event->set_source(mapping.source);
  ASSIGN_OR_RETURN(std::string person_id, RequiredText(record, mapping.person_id, "person_id"));
  event->set_person_id(person_id);
  if (!mapping.household_id.column.empty() || mapping.household_id.constant) {
    std::string household = CellText(mapping.household_id.constant ? *mapping.household_id.constant
                                                                   : Cell(record, mapping.household_id.column));
    if (!household.empty()) event->set_household_id(household);
  }
  ASSIGN_OR_RETURN(std::string when, RequiredText(record, mapping.occurred_at, "occurred_at"));
  absl::StatusOr<absl::Time> time = ParseTimeWithFormat(when, mapping.occurred_at.format, mapping.zone);
  if (!time.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Describe(mapping.occurred_at, "occurred_at"), ": ", time.status().message()));
  }
  event->mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(*time));
  for (const TargetRule& target : mapping.attributes) {
    ASSIGN_OR_RETURN(std::optional<v1::Value> value, Convert(record, target, currency));
    if (value) {
      v1::Attribute* attribute = event->add_set();
      attribute->set_name(target.name);
      *attribute->mutable_value() = *std::move(value);
    } else if (target.cell.on_empty == EmptyCell::kRemove) {
      event->add_removed(target.name);
    }
  }
  for (const LinkRule& link : mapping.links) {
    std::string other = CellText(Cell(record, link.column));
    if (other.empty()) continue;
    v1::Link* added = event->add_links_added();
    added->set_relation(link.relation);
    added->set_person_id(other);
  }
  std::string row_key = RowKeyText(mapping, record);
  if (row_key.empty()) return absl::InvalidArgumentError("the row key is empty");
  event->set_event_id(MakeEventId(mapping.source, dataset, row_key, EventContentHash(request)));
  return request;
}

absl::StatusOr<v1::ReferenceRow> MapRecordToReferenceRow(const Mapping& mapping, const json& record,
                                                         absl::string_view currency) {
  if (!record.is_object()) return absl::InvalidArgumentError("the record is not a JSON object");
  v1::ReferenceRow row;
  for (const TargetRule& target : mapping.columns) {
    ASSIGN_OR_RETURN(std::optional<v1::Value> value, Convert(record, target, currency));
    if (target.name == mapping.key_column) {
      if (!value || !value->has_string_value() || value->string_value().empty()) {
        return absl::InvalidArgumentError(absl::StrCat(Describe(target.cell, target.name), ": the key is empty"));
      }
      row.set_key(value->string_value());
      continue;
    }
    if (!value) continue;
    v1::ReferenceCell* cell = row.add_cells();
    cell->set_column(target.name);
    *cell->mutable_value() = *std::move(value);
  }
  return row;
}

std::string DescribeEngineError(const Mapping& mapping, const v1::PublishRequest& request,
                                const v1::EventError& error) {
  absl::string_view field = error.field();
  int index = -1;
  if (absl::ConsumePrefix(&field, "set[")) {
    size_t end = field.find(']');
    if (end != absl::string_view::npos && absl::SimpleAtoi(field.substr(0, end), &index) && index >= 0 &&
        index < request.person().set_size()) {
      const std::string& name = request.person().set(index).name();
      for (const TargetRule& target : mapping.attributes) {
        if (target.name != name) continue;
        std::string message = error.message();
        absl::string_view rest = message;
        absl::ConsumePrefix(&rest, error.field());
        absl::ConsumePrefix(&rest, ": ");
        return absl::StrCat(Describe(target.cell, target.name), ": ", rest);
      }
    }
  }
  return error.message();
}

std::vector<std::string> MissingColumns(const Mapping& mapping, const std::vector<std::string>& header) {
  std::set<std::string> have(header.begin(), header.end());
  std::set<std::string> missing;
  auto need = [&](const CellRule& rule) {
    if (!rule.constant && rule.template_text.empty() && !rule.column.empty() && have.count(rule.column) == 0) {
      missing.insert(rule.column);
    }
  };
  need(mapping.person_id);
  need(mapping.household_id);
  need(mapping.occurred_at);
  for (const TargetRule& t : mapping.attributes) need(t.cell);
  for (const TargetRule& t : mapping.columns) need(t.cell);
  for (const LinkRule& l : mapping.links) {
    if (have.count(l.column) == 0) missing.insert(l.column);
  }
  for (const std::string& k : mapping.row_key) {
    if (have.count(k) == 0) missing.insert(k);
  }
  return {missing.begin(), missing.end()};
}

}  // namespace proactive
