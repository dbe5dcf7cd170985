#include "engine/decision/replay.h"

#include <map>
#include <regex>

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
  return CompileRuleSet(files, &diagnostics);
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
  std::map<const JoinedTable*, storage::v1::ReferenceRowRecord> rows;
  static const std::regex kIndexed(R"(^(person\.guardians|person\.children|household\.members)\[(\d+)\](?:\.(\w+))?$)");
  for (const storage::v1::DecisionInput& in : d.inputs()) {
    std::smatch m;
    if (std::regex_match(in.path(), m, kIndexed)) {
      const std::string list = m[1];
      storage::v1::PersonState& other = persons[in.person_id()];
      other.set_person_id(in.person_id());
      if (!m[3].matched) {
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
      // The row the rule read of a reference table, rebuilt from what it read.
      if (!in.present()) continue;
      storage::v1::ReferenceRowRecord& row = rows[joined];
      if (parts.size() == 3 && parts[2] != joined->key_attribute) {
        storage::v1::NamedValue* column = row.add_columns();
        column->set_name(parts[2]);
        *column->mutable_value() = in.value();
      }
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
  for (auto& [joined, row] : rows) {
    // Found by the subject's key attribute: its recorded value if the rule
    // read it, else one made up here (the rule did not read the key).
    std::string key = "replayed";
    bool recorded = false;
    for (const storage::v1::AttributeEntry& a : subject.attributes()) {
      if (a.name() != joined->key_attribute) continue;
      key = a.value().string_value();
      recorded = true;
    }
    if (!recorded) {
      storage::v1::AttributeEntry* a = subject.add_attributes();
      a->set_name(joined->key_attribute);
      a->mutable_value()->set_string_value(key);
    }
    row.set_key(key);
    std::sort(row.mutable_columns()->begin(), row.mutable_columns()->end(),
              [](const auto& a, const auto& b) { return a.name() < b.name(); });
    source.AddRow(joined->table, std::move(row));
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
