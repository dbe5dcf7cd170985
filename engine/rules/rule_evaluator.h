// Evaluating one compiled rule for one person on one day.
//
//   EvaluationContext context{absl::CivilDay(2026, 7, 1), &heatwave_broadcast};
//   RuleOutcome outcome = EvaluateRule(*rule, *graph, context, /*with_trace=*/true);
//   if (outcome.kind == RuleOutcome::kFires) ... outcome.once_per, outcome.recipients
//
// "Cannot decide" (an input the rule needs is missing, e.g. no birth date) is
// an outcome, kUndecided with its reason, never an error: the rule does not
// fire, and simulations count it.
#ifndef PROACTIVE_ENGINE_RULES_RULE_EVALUATOR_H_
#define PROACTIVE_ENGINE_RULES_RULE_EVALUATOR_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "engine/eval/object_value.h"
#include "engine/eval/program.h"
#include "engine/rules/person_graph.h"
#include "engine/rules/rule_set.h"
#include "proactive/storage/v1/storage.pb.h"

namespace proactive {

// A broadcast as rules see it: a record of the topic's type.
class BroadcastRecord final : public eval::ObjectValue {
 public:
  // Fields from a stored broadcast event. REQUIRES: `env` has a topic.
  BroadcastRecord(const RuleEnvironment& env, const storage::v1::BroadcastEventRecord& event);
  const eval::Value* Field(int index) const override;

 private:
  std::vector<eval::Value> values_;
  std::vector<bool> present_;
};

struct EvaluationContext {
  absl::CivilDay today;
  // For broadcast rules: the broadcast event; null otherwise.
  const storage::v1::BroadcastEventRecord* broadcast = nullptr;
  // Optional: `broadcast` as a record, built once for many evaluations (a
  // sweep's chunk, PrepareBroadcastRecord) rather than per evaluation. Read
  // by rules whose environment's broadcast type is the record's; others
  // build their own. Immutable, so threads may share it. REQUIRES: made
  // from *broadcast (the inputs a decision records come from *broadcast);
  // outlives the evaluations.
  const BroadcastRecord* broadcast_record = nullptr;
};

// `broadcast` as a record for the environment of the first of `rules` that
// reads a broadcast, to share as EvaluationContext::broadcast_record; none
// when no rule reads one.
std::optional<BroadcastRecord> PrepareBroadcastRecord(const std::vector<const CompiledRule*>& rules,
                                                      const storage::v1::BroadcastEventRecord& broadcast);

struct RuleOutcome {
  enum Kind { kFires, kDoesNotFire, kUndecided, kNotEffective };
  Kind kind = kDoesNotFire;
  std::string reason;  // kUndecided: what is missing; kNotEffective: the period
  std::string once_per;
  std::vector<std::string> recipients;  // person ids
  std::vector<std::pair<std::string, eval::Value>> parameters;
  // Repeated fields, as in the decision: NewDecision swaps them in without
  // copying or allocating each element again.
  google::protobuf::RepeatedPtrField<storage::v1::AppliedParameter> parameters_applied;
  google::protobuf::RepeatedPtrField<storage::v1::DecisionInput> inputs;  // filled when the rule fires
  // Filled when asked and it fires: each step's range of `condition` (the
  // rule's `when` source, owned by the rule) and its value, packed
  // (packed_trace.h).
  std::string packed_trace;
  absl::string_view condition;
  // Space for the evaluation's steps before they are packed, kept for the
  // next evaluation into this outcome (EvaluateRuleInto); always empty
  // between evaluations (its values pointed into the graph).
  eval::Trace trace_steps;

  bool fires() const { return kind == kFires; }
  // Empties the outcome and keeps its buffers: strings and vectors their
  // capacity, the repeated fields their cleared elements.
  void Reset();
};

// Binds what `rule`'s expressions read besides person and household: today,
// school_year, the broadcast (context.broadcast_record when of the rule's
// type, else built into *broadcast, which must outlive the evaluation) and
// the pack's parameters in force. False when the rule needs a broadcast and
// `context` has none.
bool BindRuleContext(const CompiledRule& rule, const EvaluationContext& context,
                     std::optional<BroadcastRecord>* broadcast, eval::Activation* activation);

// Thread-safe (reads only). `graph` must come from `rule.env`.
RuleOutcome EvaluateRule(const CompiledRule& rule, const PersonGraph& graph, const EvaluationContext& context,
                         bool with_trace);
// The same into `outcome`, Reset first: a caller evaluating many persons
// reuses one outcome and allocates little (a sweep's DecisionMaker).
void EvaluateRuleInto(const CompiledRule& rule, const PersonGraph& graph, const EvaluationContext& context,
                      bool with_trace, RuleOutcome* outcome);

// Text forms of values as written in rule tests and shown in explanations:
// "2027-01-19", "30000.00 EUR", "2026", "orange", "[G1, G2]".
std::string ValueText(const eval::Value& value);

// The stored form of an evaluator value (decision parameters).
storage::v1::Value ToStorageValue(const eval::Value& value);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_RULES_RULE_EVALUATOR_H_
