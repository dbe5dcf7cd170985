// Turning a rule that fired into a decision record: identity from (rule,
// person, once_per), initial status by action kind, deadlines, everything the
// explanation needs (the rule's version, whose texts are stored once per
// version; inputs, parameters, trace).
//
//   storage::v1::DecisionRecord record =
//       NewDecision(*rule, rule_set, "P1", ids.For(KeyOf(*rule, "P1", outcome)), outcome,
//                   {today, now, "event civ-1", &ids});
#ifndef PROACTIVE_ENGINE_DECISION_DECISION_FACTORY_H_
#define PROACTIVE_ENGINE_DECISION_DECISION_FACTORY_H_

#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/common/time_limit.h"
#include "engine/decision/decision_keys.h"
#include "engine/rules/rule_evaluator.h"
#include "engine/rules/rule_set.h"
#include "proactive/storage/v1/storage.pb.h"

namespace proactive {

struct DecisionContext {
  absl::CivilDay today;      // the evaluation date
  absl::Time now;            // when the decision is made
  std::string triggered_by;  // "event civ-1", "broadcast mf-2026-07-01-75", "daily 2026-01-12"
  const DecisionIds* ids;    // the store's (OpenDecisionIds); REQUIRES: outlives the context's use
};

// The record as stored (format_version set). The outcome's inputs and
// trace move into it; the rule's title, legal basis and condition text stay
// in its RuleTexts, which the caller stores in the same batch with the rule
// set's snapshot (StoreRuleTexts). REQUIRES: outcome.fires();
// `decision_id` == context.ids->For(KeyOf(rule, person_id, outcome)), which
// the caller computed to look for the decision first.
storage::v1::DecisionRecord NewDecision(const CompiledRule& rule, const RuleSet& rules, const std::string& person_id,
                                        const std::string& decision_id, RuleOutcome outcome,
                                        const DecisionContext& context);
// The same into `*decision`, cleared first; its buffers and the outcome's
// trade places (the outcome gets back cleared ones), so that a maker that
// reuses both allocates little per decision. REQUIRES: `person_id` and
// `decision_id` are not `*decision`'s own fields (the clear empties them).
void FillNewDecision(const CompiledRule& rule, const RuleSet& rules, const std::string& person_id,
                     const std::string& decision_id, RuleOutcome* outcome, const DecisionContext& context,
                     storage::v1::DecisionRecord* decision);

// `subject`'s district as the decision keeps it (city.yaml
// district_attribute, an int or string attribute, as text: "11"); empty
// when the city names none or the person has none.
std::string DistrictOf(const CitySpec& city, const storage::v1::PersonState& subject);

// The decision key of a firing.
inline DecisionKey KeyOf(const CompiledRule& rule, const std::string& person_id, const RuleOutcome& outcome) {
  return DecisionKey{rule.spec.id, person_id, outcome.once_per};
}

// The source text of a trace step: a range of the record's condition (an
// empty view when the range is outside it), or the text itself in records
// made before conditions were stored.
absl::string_view TraceStepExpression(const storage::v1::DecisionRecord& decision, const storage::v1::TraceStep& step);

// Status names as people read them ("proposed", "in review", ...).
absl::string_view DecisionStatusName(storage::v1::DecisionStatus status);

// The time to contest `decision` (a délai franc from the day it reaches the
// citizen: LastDayToContest). Records made before it was stored: the days
// from its creation to its deadline, in `zone`.
TimeLimit RecourseWindow(const storage::v1::DecisionRecord& decision, absl::TimeZone zone);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_DECISION_DECISION_FACTORY_H_
