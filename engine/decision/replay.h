// Replaying a decision: the rule version that made it, evaluated again on
// the inputs the decision recorded (and nothing else), must give the same
// result. This is what makes an explanation checkable.
//
//   ASSIGN_OR_RETURN(std::shared_ptr<const RuleSet> rules, LoadRuleSetSnapshot(store, d.rule_set_version()));
//   ASSIGN_OR_RETURN(RuleOutcome again, ReplayDecision(d, *rules));
//   again.fires() && again.once_per == d.once_per()
#ifndef PROACTIVE_ENGINE_DECISION_REPLAY_H_
#define PROACTIVE_ENGINE_DECISION_REPLAY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "engine/rules/rule_evaluator.h"
#include "engine/rules/rule_set.h"
#include "engine/store/store.h"
#include "proactive/storage/v1/storage.pb.h"

namespace proactive {

// The rule set with this version, compiled from its stored snapshot.
// NOT_FOUND when no decision was made with it.
absl::StatusOr<std::shared_ptr<const RuleSet>> LoadRuleSetSnapshot(const Store& store, absl::string_view version);

// Evaluates the decision's rule from `rules` on the decision's recorded
// inputs and evaluation date. FAILED_PRECONDITION when `rules` does not have
// the decision's rule at the decision's version.
absl::StatusOr<RuleOutcome> ReplayDecision(const storage::v1::DecisionRecord& decision, const RuleSet& rules);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_DECISION_REPLAY_H_
