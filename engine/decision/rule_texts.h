// A decision made by a rule does not copy the rule's title, legal basis and
// condition text: it names the rule's version and its rule set's version,
// whose snapshot (every file of the set) is stored with the first decision
// made with it. At about 0.5 kB per decision, a heatwave broadcast of
// 100,000 decisions writes 50 MB less. Readers restore the texts:
//
//   RuleSetVersions versions(&store, &holder.rules());
//   RETURN_IF_ERROR(RestoreRuleTexts(versions, &record));  // record.title() ...
#ifndef PROACTIVE_ENGINE_DECISION_RULE_TEXTS_H_
#define PROACTIVE_ENGINE_DECISION_RULE_TEXTS_H_

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

 private:
  static constexpr size_t kKept = 8;
  const Store* const store_;
  const Swappable<RuleSet>* const current_;
  mutable absl::Mutex mu_;
  mutable std::map<std::string, std::shared_ptr<const RuleSet>> kept_ ABSL_GUARDED_BY(mu_);
};

// Fills title, legal_basis and condition of a decision that left them to its
// rule set's snapshot (rule_texts_in_snapshot), and clears that flag; leaves
// other decisions as they are. DATA_LOSS when the snapshot is missing or
// lacks the decision's rule at its version.
absl::Status RestoreRuleTexts(const RuleSetVersions& versions, storage::v1::DecisionRecord* decision);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_DECISION_RULE_TEXTS_H_
