#include "engine/decision/stored_decision.h"

#include "absl/strings/str_cat.h"
#include "engine/common/status_macros.h"
#include "engine/decision/replay.h"
#include "engine/rules/packed_trace.h"
#include "engine/store/codec.h"
#include "engine/store/records.h"

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

absl::StatusOr<RuleSetVersions::DecidingRule> RuleSetVersions::RuleOf(
    const storage::v1::DecisionRecord& decision) const {
  std::shared_ptr<const RuleSet> current = current_ != nullptr ? current_->Get() : nullptr;
  const CompiledRule* running = current != nullptr ? current->FindRule(decision.rule_id()) : nullptr;
  if (running != nullptr && running->version == decision.rule_version()) return DecidingRule{current, running};
  const std::string missing = absl::StrCat("decision ", decision.decision_id(), ": rule ", decision.rule_id(),
                                           " at version ", decision.rule_version().substr(0, 12), " is not running");
  absl::StatusOr<std::shared_ptr<const RuleSet>> made_by = Get(decision.rule_set_version());
  if (!made_by.ok()) {
    const absl::StatusCode code = made_by.status().code();
    // A snapshot missing or refused by this engine (it does not compile) is
    // lost; any other error is a read that failed.
    if (code != absl::StatusCode::kNotFound && code != absl::StatusCode::kDataLoss &&
        code != absl::StatusCode::kInvalidArgument && code != absl::StatusCode::kFailedPrecondition) {
      return made_by.status();
    }
    return absl::DataLossError(absl::StrCat(missing, " and its rule set ", decision.rule_set_version().substr(0, 12),
                                            " cannot be read: ", made_by.status().message()));
  }
  const CompiledRule* rule = (*made_by)->FindRule(decision.rule_id());
  if (rule == nullptr || rule->version != decision.rule_version()) {
    return absl::DataLossError(
        absl::StrCat(missing, " nor in its rule set ", decision.rule_set_version().substr(0, 12)));
  }
  return DecidingRule{*std::move(made_by), rule};
}

namespace {

std::string RuleTextsKey(absl::string_view rule_version) { return absl::StrCat("ruletext/", rule_version); }

storage::v1::RuleTexts TextsOfRule(const CompiledRule& rule) {
  storage::v1::RuleTexts texts;
  texts.set_format_version(kStorageFormatVersion);
  texts.set_rule_id(rule.spec.id);
  texts.set_rule_version(rule.version);
  texts.set_title(rule.spec.title);
  texts.set_purpose(rule.spec.purpose);
  for (const std::string& basis : rule.spec.legal_basis) texts.add_legal_basis(basis);
  if (rule.when != nullptr) texts.set_condition(std::string(rule.when->source()));
  return texts;
}

}  // namespace

absl::StatusOr<storage::v1::RuleTexts> RuleSetVersions::TextsOf(const storage::v1::DecisionRecord& decision) const {
  const std::string& version = decision.rule_version();
  std::shared_ptr<const RuleSet> current = current_ != nullptr ? current_->Get() : nullptr;
  const CompiledRule* running = current != nullptr ? current->FindRule(decision.rule_id()) : nullptr;
  if (running != nullptr && running->version == version) return TextsOfRule(*running);
  {
    absl::MutexLock lock(&mu_);
    auto found = texts_.find(version);
    if (found != texts_.end()) return found->second;
  }
  absl::StatusOr<storage::v1::RuleTexts> texts;
  ASSIGN_OR_RETURN(std::optional<std::string> bytes, store_->Get(Family::kMeta, RuleTextsKey(version)));
  if (bytes) {
    ASSIGN_OR_RETURN(texts, DecodeRecord<storage::v1::RuleTexts>(*bytes, absl::StrCat("rule texts ", version)));
  } else {
    // Decisions made before RuleTexts were stored (2026-12-04).
    absl::StatusOr<DecidingRule> made_by = RuleOf(decision);
    if (!made_by.ok()) {
      if (!absl::IsDataLoss(made_by.status())) return made_by.status();
      return absl::DataLossError(
          absl::StrCat(made_by.status().message(), "; the texts of that version are not stored either"));
    }
    texts = TextsOfRule(*made_by->rule);
  }
  absl::MutexLock lock(&mu_);
  if (texts_.size() >= kTextsKept) texts_.clear();
  texts_.emplace(version, *texts);
  return texts;
}

absl::Status StoreRuleTexts(const Store& store, const RuleSet& rules, WriteBatch* batch) {
  for (const auto& rule : rules.rules()) {
    const std::string key = RuleTextsKey(rule->version);
    ASSIGN_OR_RETURN(std::optional<std::string> existing, store.Get(Family::kMeta, key));
    if (!existing) batch->Put(Family::kMeta, key, EncodeRecord(TextsOfRule(*rule)));
  }
  return absl::OkStatus();
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
  if (!decision->rule_texts_by_version()) return absl::OkStatus();
  ASSIGN_OR_RETURN(storage::v1::RuleTexts texts, versions.TextsOf(*decision));
  decision->set_title(texts.title());
  *decision->mutable_legal_basis() = texts.legal_basis();
  // As NewDecision: the condition goes with a trace.
  if (decision->trace_size() > 0) decision->set_condition(texts.condition());
  decision->set_rule_texts_by_version(false);
  return absl::OkStatus();
}

}  // namespace proactive
