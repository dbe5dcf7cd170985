#include "engine/decision/stored_decision.h"

#include "absl/strings/str_cat.h"
#include "engine/common/status_macros.h"
#include "engine/decision/replay.h"
#include "engine/rules/packed_trace.h"

namespace proactive {

absl::StatusOr<std::shared_ptr<const RuleSet>> RuleSetVersions::Get(const std::string& version) const {
  std::shared_ptr<const RuleSet> current = current_ != nullptr ? current_->Get() : nullptr;
  if (current != nullptr && current->version() == version) return current;
  {
    absl::MutexLock lock(&mu_);
    auto found = kept_.find(version);
    if (found != kept_.end()) return found->second;
  }
  // Compiled outside the lock: two readers may compile the same one.
  ASSIGN_OR_RETURN(std::shared_ptr<const RuleSet> loaded, LoadRuleSetSnapshot(*store_, version));
  absl::MutexLock lock(&mu_);
  if (kept_.size() >= kKept) kept_.clear();
  kept_.emplace(version, loaded);
  return loaded;
}

absl::Status ExpandDecision(const RuleSetVersions& versions, storage::v1::DecisionRecord* decision) {
  if (!decision->packed_trace().empty()) {
    absl::StatusOr<std::vector<PackedTraceStep>> steps = UnpackTrace(decision->packed_trace());
    if (!steps.ok())
      return absl::DataLossError(absl::StrCat("decision ", decision->decision_id(), ": ", steps.status().message()));
    for (PackedTraceStep& step : *steps) {
      storage::v1::TraceStep* out = decision->add_trace();
      out->set_begin(step.begin);
      out->set_end(step.end);
      out->set_value(std::move(step.value));
    }
    decision->clear_packed_trace();
  }
  if (!decision->rule_texts_in_snapshot()) return absl::OkStatus();
  absl::StatusOr<std::shared_ptr<const RuleSet>> rules = versions.Get(decision->rule_set_version());
  const CompiledRule* rule = rules.ok() ? (*rules)->FindRule(decision->rule_id()) : nullptr;
  if (rule == nullptr || rule->version != decision->rule_version()) {
    return absl::DataLossError(absl::StrCat("decision ", decision->decision_id(), ": the texts of rule ",
                                            decision->rule_id(), " at version ", decision->rule_version().substr(0, 12),
                                            " are not in the stored rule set ",
                                            decision->rule_set_version().substr(0, 12),
                                            rules.ok() ? "" : absl::StrCat(" (", rules.status().message(), ")")));
  }
  decision->set_title(rule->spec.title);
  decision->clear_legal_basis();
  for (const std::string& basis : rule->spec.legal_basis) decision->add_legal_basis(basis);
  // As NewDecision: the condition goes with a trace.
  if (decision->trace_size() > 0 && rule->when != nullptr) decision->set_condition(std::string(rule->when->source()));
  decision->set_rule_texts_in_snapshot(false);
  return absl::OkStatus();
}

}  // namespace proactive
