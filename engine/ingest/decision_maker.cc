#include "engine/ingest/decision_maker.h"

#include "engine/common/status_macros.h"
#include "engine/decision/decision_store.h"

namespace proactive {

absl::Status DecisionMaker::Consider(const CompiledRule& rule, const std::string& person_id, PersonSource* source,
                                     const EvaluationContext& evaluation, WriteBatch* batch) {
  absl::StatusOr<std::unique_ptr<PersonGraph>> graph = PersonGraph::Build(person_id, *rule.env, source);
  if (absl::IsNotFound(graph.status())) return absl::OkStatus();
  RETURN_IF_ERROR(graph.status());
  RuleOutcome outcome = EvaluateRule(rule, **graph, evaluation, /*with_trace=*/false);
  if (!outcome.fires()) return absl::OkStatus();
  DecisionKey key = KeyOf(rule, person_id, outcome);
  std::string firing = DecisionFiringKey(key);
  if (keys_in_batch_.count(firing) > 0) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::optional<std::string> existing, FindDecisionIdByKey(*store_, key));
  if (existing) return absl::OkStatus();
  // Evaluate again with the trace: only for the few that fire.
  RuleOutcome traced = EvaluateRule(rule, **graph, evaluation, /*with_trace=*/true);
  PutNewDecision(batch, NewDecision(rule, rules_, person_id, traced, context_));
  keys_in_batch_.insert(firing);
  ++decisions_made_;
  return absl::OkStatus();
}

}  // namespace proactive
