// The cheap half of a sweep: which persons a rule certainly does not fire
// for, decided from one attribute at a time, without building graphs.
//
// A rule's filter terms (rule_set.h, FilterTerm) are the top-level conjuncts
// of its `when` that read at most one attribute of the subject. A term's
// value depends only on that attribute (and on today, the broadcast and the
// pack's parameters, which one sweep holds fixed), so a sweep evaluates it
// once per distinct value of the attribute instead of once per person:
//
//   std::vector<uint8_t> no = TermFalseFor(rule, term, context, distinct_values);
//   // no[i]: nobody whose attribute is distinct_values[i] gets the rule
//
// Everyone not ruled out goes through EvaluateRule, which alone decides: the
// filter never decides that a rule fires, so a sweep that uses it makes
// exactly the decisions of one that does not.
#ifndef PROACTIVE_ENGINE_RULES_SWEEP_FILTER_H_
#define PROACTIVE_ENGINE_RULES_SWEEP_FILTER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/eval/activation.h"
#include "engine/eval/object_value.h"
#include "engine/rules/rule_environment.h"
#include "engine/rules/rule_evaluator.h"
#include "engine/rules/rule_set.h"
#include "proactive/storage/v1/storage.pb.h"

namespace proactive {

// The filter terms of a `when` expression compiled in `env`. Conjuncts that
// read several attributes, links, the household or the whole person are
// left out (they are not necessary conditions one attribute can decide).
std::vector<FilterTerm> PlanFilterTerms(const std::string& when_source, const RuleEnvironment& env);

// For each of `values` (a stored value of term.attribute; null: the person
// has none), 1 when `term` is false for a person with that value, so `rule`
// cannot fire for them; 0 when it is true, an error, or not a boolean. A term
// without attribute gets one answer, for `values` = {nullptr}. For a
// presence-only term any non-null value stands for "present".
std::vector<uint8_t> TermFalseFor(const CompiledRule& rule, const FilterTerm& term, const EvaluationContext& context,
                                  const std::vector<const storage::v1::Value*>& values);

// TermFalseFor for one value at a time, with its scratch person, household
// and bindings made once: the event path tests each planned rule's terms on
// its subject, thousands of times a second with the same rules and day.
//
//   FilterTermTester tester(rule, context);
//   if (tester.FalseFor(term, value)) ...  // as TermFalseFor(...)[0] != 0
//
// REQUIRES: `rule` (and its rule set) and the context's broadcast record
// outlive the tester. Not copyable:
// the activation points into it. Not thread-safe.
class FilterTermTester {
 public:
  FilterTermTester(const CompiledRule& rule, const EvaluationContext& context);
  FilterTermTester(const FilterTermTester&) = delete;
  FilterTermTester& operator=(const FilterTermTester&) = delete;

  // TermFalseFor(rule, term, context, {value})[0] != 0. REQUIRES: `term` is
  // one of the rule's filter terms.
  bool FalseFor(const FilterTerm& term, const storage::v1::Value* value);
  const CompiledRule& rule() const { return rule_; }
  absl::CivilDay today() const { return today_; }

 private:
  const CompiledRule& rule_;
  const absl::CivilDay today_;
  eval::Activation activation_;
  std::optional<BroadcastRecord> broadcast_;
  bool bound_;  // false: the rule needs a broadcast the context lacks
  // A person with nothing but the term's attribute: a term reads nothing
  // else of them.
  eval::RecordObject person_;
  eval::RecordObject household_;
};

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_RULES_SWEEP_FILTER_H_
