// A decision as stored is compact, and readers expand it. It does not copy
// its rule's title, legal basis and condition text: it names the rule's
// version, whose RuleTexts are stored with the rule set's snapshot in the
// batch of the first decision made with it. Its trace is packed
// (engine/rules/packed_trace.h). Together about 0.7 kB less per decision: a
// heatwave broadcast of 100,000 decisions writes 70 MB less.
//
//   RuleSetVersions versions(&store, &holder.rules());
//   RETURN_IF_ERROR(ExpandDecision(versions, &record));  // record.title(), record.trace() ...
#ifndef PROACTIVE_ENGINE_DECISION_STORED_DECISION_H_
#define PROACTIVE_ENGINE_DECISION_STORED_DECISION_H_

#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "engine/common/swappable.h"
#include "engine/rules/rule_set.h"
#include "engine/store/store.h"
#include "proactive/storage/v1/storage.pb.h"

namespace proactive {

// Rule sets by version: the running one, or compiled from its stored
// snapshot and kept (a few versions). Thread-safe.
class RuleSetVersions {
 public:
  // REQUIRES: both outlive it; `current` may hold null.
  RuleSetVersions(const Store* store, const Swappable<RuleSet>* current) : store_(store), current_(current) {}
  RuleSetVersions(const RuleSetVersions&) = delete;
  RuleSetVersions& operator=(const RuleSetVersions&) = delete;

  // NOT_FOUND when no decision was made with `version` (no snapshot).
  absl::StatusOr<std::shared_ptr<const RuleSet>> Get(const std::string& version) const;
  // The rule that made `decision` and the set it is read from: the running
  // set when it has the rule at that version (nothing compiled), else the
  // decision's rule set compiled from its snapshot. DATA_LOSS naming what is
  // missing when neither has it; other errors are reads that failed.
  struct DecidingRule {
    std::shared_ptr<const RuleSet> rules;
    const CompiledRule* rule;  // in `rules`
  };
  absl::StatusOr<DecidingRule> RuleOf(const storage::v1::DecisionRecord& decision) const;

  // The texts of the rule that made `decision`: from the running set when it
  // has that rule version, else its stored RuleTexts (nothing compiled),
  // else its rule set's snapshot compiled. DATA_LOSS when none has it.
  absl::StatusOr<storage::v1::RuleTexts> TextsOf(const storage::v1::DecisionRecord& decision) const;

 private:
  static constexpr size_t kKept = 8;
  static constexpr size_t kTextsKept = 256;
  const Store* const store_;
  const Swappable<RuleSet>* const current_;
  mutable absl::Mutex mu_;
  mutable std::map<std::string, std::shared_ptr<const RuleSet>> kept_ ABSL_GUARDED_BY(mu_);
  mutable std::map<std::string, storage::v1::RuleTexts> texts_ ABSL_GUARDED_BY(mu_);  // by rule version
};

// Adds to `batch` the RuleTexts of each rule of `rules` not stored yet; with
// the rule set's snapshot, in the batch of the first decision made with it.
absl::Status StoreRuleTexts(const Store& store, const RuleSet& rules, WriteBatch* batch);

// Fills title, legal_basis and condition of a decision that left them to its
// rule set's snapshot (rule_texts_by_version, then cleared), and unpacks
// packed_trace into trace; leaves older records as they are. DATA_LOSS when
// the snapshot is missing or lacks the decision's rule at its version, or
// the packed trace is malformed.
absl::Status ExpandDecision(const RuleSetVersions& versions, storage::v1::DecisionRecord* decision);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_DECISION_STORED_DECISION_H_
