#include "engine/decision/replay.h"

#include <algorithm>
#include <map>
#include <regex>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/common/status_macros.h"
#include "engine/common/text_formats.h"
#include "engine/store/codec.h"

namespace proactive {

absl::StatusOr<std::shared_ptr<const RuleSet>> LoadRuleSetSnapshot(const Store& store, absl::string_view version) {
  ASSIGN_OR_RETURN(std::optional<std::string> bytes, store.Get(Family::kMeta, absl::StrCat("ruleset/", version)));
  if (!bytes) return absl::NotFoundError(absl::StrCat("no snapshot of rule set ", version));
  ASSIGN_OR_RETURN(storage::v1::RuleSetSnapshot snapshot,
                   DecodeRecord<storage::v1::RuleSetSnapshot>(*bytes, absl::StrCat("rule set ", version)));
  std::vector<RuleFile> files;
  for (const storage::v1::NamedValue& f : snapshot.files()) files.push_back({f.name(), f.value().string_value()});
  std::vector<Diagnostic> diagnostics;
  return CompileRuleSet(files, &diagnostics, CityFileOrigin::kStoredSnapshot);
}

absl::StatusOr<RuleOutcome> ReplayDecision(const storage::v1::DecisionRecord& d, const RuleSet& rules) {
  if (d.has_pseudonymised_at()) {
    return absl::FailedPreconditionError(absl::StrCat("decision ", d.decision_id(),
                                                      " cannot be replayed: a person it named was forgotten and "
                                                      "its inputs were erased"));
  }
  const CompiledRule* rule = rules.FindRule(d.rule_id());
  if (rule == nullptr || rule->version != d.rule_version()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the rule set has no rule ", d.rule_id(), " at version ", d.rule_version().substr(0, 12)));
  }
  ASSIGN_OR_RETURN(absl::CivilDay today, ParseIsoDate(d.evaluation_date()));
  // Rebuild the persons from the recorded inputs.
  std::map<std::string, storage::v1::PersonState> persons;
  storage::v1::PersonState& subject = persons[d.person_id()];
  subject.set_person_id(d.person_id());
  storage::v1::BroadcastEventRecord broadcast;
  bool has_broadcast = false;
  // The rows the rule read of reference tables, by person and table,
  // rebuilt from what it read of them.
  std::map<std::pair<std::string, const JoinedTable*>, storage::v1::ReferenceRowRecord> rows;
  const auto add_row_input = [&](const std::string& person_id, const JoinedTable* joined, const std::string& column,
                                 const storage::v1::DecisionInput& in) {
    if (!in.present()) return;
    storage::v1::ReferenceRowRecord& row = rows[{person_id, joined}];
    if (column.empty() || column == joined->key_attribute) return;
    storage::v1::NamedValue* value = row.add_columns();
    value->set_name(column);
    *value->mutable_value() = in.value();
  };
  static const std::regex kIndexed(
      R"(^(person\.guardians|person\.children|household\.members)\[(\d+)\](?:\.(\w+)(?:\.(\w+))?)?$)");
  for (const storage::v1::DecisionInput& in : d.inputs()) {
    std::smatch m;
    if (std::regex_match(in.path(), m, kIndexed)) {
      const std::string list = m[1];
      storage::v1::PersonState& other = persons[in.person_id()];
      other.set_person_id(in.person_id());
      const JoinedTable* joined = m[3].matched ? rule->env->person_fields().FindJoined(m[3].str()) : nullptr;
      if (joined != nullptr) {
        add_row_input(in.person_id(), joined, m[4].matched ? m[4].str() : "", in);
      } else if (m[4].matched) {
        continue;  // not a path this engine records
      } else if (!m[3].matched) {
        if (list == "household.members") {
          subject.set_household_id("household");
          other.set_household_id("household");
        } else if (in.person_id() != d.person_id()) {
          bool guardian = list == "person.guardians";
          storage::v1::LinkEntry* link = subject.add_links();
          link->set_relation(guardian ? storage::v1::RELATION_GUARDIAN : storage::v1::RELATION_CHILD);
          link->set_person_id(in.person_id());
        }
      } else if (in.present()) {
        storage::v1::AttributeEntry* a = other.add_attributes();
        a->set_name(m[3]);
        *a->mutable_value() = in.value();
      }
      continue;
    }
    std::vector<std::string> parts = absl::StrSplit(in.path(), '.');
    if (const JoinedTable* joined =
            parts[0] == "person" && parts.size() >= 2 ? rule->env->person_fields().FindJoined(parts[1]) : nullptr;
        joined != nullptr) {
      add_row_input(d.person_id(), joined, parts.size() == 3 ? parts[2] : "", in);
    } else if (parts.size() == 2 && parts[0] == "person" && in.present()) {
      storage::v1::AttributeEntry* a = subject.add_attributes();
      a->set_name(parts[1]);
      *a->mutable_value() = in.value();
    } else if (parts.size() == 2 && parts[0] == "broadcast") {
      has_broadcast = true;
      if (!in.present()) continue;
      if (parts[1] == "area") {
        broadcast.set_area(in.value().string_value());
      } else if (parts[1] != "topic") {
        storage::v1::NamedValue* field = broadcast.add_fields();
        field->set_name(parts[1]);
        *field->mutable_value() = in.value();
      }
    }
  }
  MapPersonSource source;
  // Each row goes in its table under its person's key attribute: the
  // recorded value if the rule read it, else one made up for the person.
  // Persons at the same key share the row: its columns are the union of
  // what was read of it.
  std::map<std::pair<std::string, std::string>, storage::v1::ReferenceRowRecord> by_key;  // (table, key)
  for (auto& [owner, row] : rows) {
    const auto& [person_id, joined] = owner;
    storage::v1::PersonState& person = persons[person_id];
    person.set_person_id(person_id);
    std::string key = absl::StrCat("replayed:", person_id);
    bool recorded = false;
    for (const storage::v1::AttributeEntry& a : person.attributes()) {
      if (a.name() != joined->key_attribute) continue;
      key = a.value().string_value();
      recorded = true;
    }
    if (!recorded) {
      storage::v1::AttributeEntry* a = person.add_attributes();
      a->set_name(joined->key_attribute);
      a->mutable_value()->set_string_value(key);
    }
    storage::v1::ReferenceRowRecord& merged = by_key[{joined->table, key}];
    merged.set_key(key);
    for (storage::v1::NamedValue& column : *row.mutable_columns()) {
      const bool known = std::any_of(merged.columns().begin(), merged.columns().end(),
                                     [&](const storage::v1::NamedValue& c) { return c.name() == column.name(); });
      if (!known) *merged.add_columns() = std::move(column);
    }
  }
  for (auto& [table_key, row] : by_key) {
    std::sort(row.mutable_columns()->begin(), row.mutable_columns()->end(),
              [](const auto& a, const auto& b) { return a.name() < b.name(); });
    source.AddRow(table_key.first, std::move(row));
  }
  for (auto& [id, state] : persons) {
    std::sort(state.mutable_attributes()->begin(), state.mutable_attributes()->end(),
              [](const auto& a, const auto& b) { return a.name() < b.name(); });
    source.Add(state);
  }
  broadcast.set_topic(rule->spec.trigger.broadcast);
  ASSIGN_OR_RETURN(std::unique_ptr<PersonGraph> graph, PersonGraph::Build(d.person_id(), *rule->env, &source));
  EvaluationContext context{today, has_broadcast || !rule->spec.trigger.broadcast.empty() ? &broadcast : nullptr};
  return EvaluateRule(*rule, *graph, context, /*with_trace=*/false);
}

}  // namespace proactive
