// Makes the decisions of one batch: evaluates rules for persons and, for
// each that fires with no decision yet for its (rule, person, once_per) key,
// writes the decision into the batch. The key is checked in the store and
// among the decisions already in this batch, so the same person and period
// never get two decisions, whatever triggers the rule again. A new decision
// comes with its audit entry, its reply deadline (offers) and, when the rule
// requires a review before notifying, its recourse case. A rule firing again
// for a decision in review is recorded in the audit log and changes nothing.
//
//   DecisionMaker maker(rules, store, audit, {today, now, "event civ-1", &decision_ids});
//   RETURN_IF_ERROR(maker.Consider(*rule, "P1", &source, evaluation, &batch));
#ifndef PROACTIVE_ENGINE_INGEST_DECISION_MAKER_H_
#define PROACTIVE_ENGINE_INGEST_DECISION_MAKER_H_

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/status.h"
#include "absl/types/span.h"
#include "engine/audit/audit_log.h"
#include "engine/decision/decision_factory.h"
#include "engine/notify/outbox.h"
#include "engine/rules/person_graph.h"
#include "engine/rules/rule_evaluator.h"
#include "engine/rules/rule_set.h"
#include "engine/store/store.h"

namespace proactive {

// What `rule` reads of a person's graph.
inline GraphNeeds GraphNeedsOf(const CompiledRule& rule) {
  return GraphNeeds{rule.reads_links, rule.reads_household, rule.reads_tables};
}

class DecisionMaker {
 public:
  // REQUIRES: `rules`, `store` and `audit` outlive the maker.
  DecisionMaker(const RuleSet& rules, const Store* store, AuditLog* audit, DecisionContext context)
      : rules_(rules), store_(store), audit_(audit), context_(std::move(context)), opt_outs_(store) {}

  // Evaluates `rule` for `person_id`; writes a new decision into `batch` when
  // it fires for a new key. Unknown persons are skipped. Errors are storage
  // errors.
  absl::Status Consider(const CompiledRule& rule, const std::string& person_id, PersonSource* source,
                        const EvaluationContext& evaluation, WriteBatch* batch);
  // The same on a graph already built, which several rules share.
  // REQUIRES: `graph` was built from an environment sharing the person types
  // of `rule.env`, with at least GraphNeedsOf(rule), from `source`.
  absl::Status ConsiderGraph(const CompiledRule& rule, const PersonGraph& graph, PersonSource* source,
                             const EvaluationContext& evaluation, WriteBatch* batch);

  // One rule to evaluate for one person. REQUIRES: both outlive the call.
  struct Planned {
    const CompiledRule* rule;
    const std::string* person_id;
  };
  // Considers each of `plan` in its order (the order of the decisions and
  // their audit entries). A person's rules share one graph (their
  // environments share the person types, as in one RuleSet), built once with
  // what any of them reads: the outcomes are those of Consider (a leaner
  // graph decides the same).
  absl::Status ConsiderAll(absl::Span<const Planned> plan, PersonSource* source, const EvaluationContext& evaluation,
                           WriteBatch* batch);

  // Audit entries are staged into `staged` (in the order they are made)
  // rather than chained, for a maker on a helper thread: the writer appends
  // them (AuditLog::AppendStaged) to the batch it writes. The maker then only
  // reads the store and its source, and is safe beside other makers.
  void StageAuditEntries(std::vector<StagedAuditEntry>* staged) { staged_ = staged; }

  // Most persons considered will get a decision (a sweep's filter left
  // only them): evaluate with the trace at once rather than twice, as long
  // as at least half of a rule's evaluations fire. The decisions are the same.
  void ExpectFiring() { expect_firing_ = true; }

  // Reads whether `person_ids` opted out with one batched read: the part of
  // a sweep's chunk this maker decides, whose persons are most of its
  // messages' recipients (others are read one by one).
  absl::Status PrefetchOptOuts(const std::vector<std::string>& person_ids) { return opt_outs_.Prefetch(person_ids); }

  int decisions_made() const { return decisions_made_; }
  const DecisionContext& context() const { return context_; }

 private:
  void Audit(WriteBatch* batch, AuditRecord record, absl::string_view changed_encoded);

  const RuleSet& rules_;
  const Store* store_;
  AuditLog* audit_;
  std::vector<StagedAuditEntry>* staged_ = nullptr;
  DecisionContext context_;
  OptOutReader opt_outs_;
  std::set<std::string> keys_in_batch_;
  int decisions_made_ = 0;
  bool expect_firing_ = false;
  struct FiringCount {
    int64_t evaluations = 0;
    int64_t firings = 0;
  };
  FiringCount& FiringCountOf(const CompiledRule& rule);
  // By rule: a sweep considers a few (a linear search is enough).
  absl::InlinedVector<std::pair<const CompiledRule*, FiringCount>, 4> firing_counts_;
  // Reused for every evaluation and new decision: their buffers stay
  // allocated from one person to the next.
  RuleOutcome outcome_;
  storage::v1::DecisionRecord decision_;
};

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_INGEST_DECISION_MAKER_H_
