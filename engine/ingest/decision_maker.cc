#include "engine/ingest/decision_maker.h"

#include "absl/container/inlined_vector.h"
#include "engine/common/clock.h"
#include "engine/common/status_macros.h"
#include "engine/decision/decision_store.h"
#include "engine/ingest/decision_commands.h"
#include "engine/notify/outbox.h"
#include "engine/recourse/recourse_cases.h"
#include "engine/store/codec.h"

namespace proactive {

void DecisionMaker::Audit(WriteBatch* batch, AuditRecord record, absl::string_view changed_encoded) {
  if (staged_ != nullptr) {
    staged_->push_back(AuditLog::Stage(context_.now, std::move(record), changed_encoded));
  } else {
    audit_->AppendEncoded(batch, context_.now, record, changed_encoded);
  }
}

absl::Status DecisionMaker::Consider(const CompiledRule& rule, const std::string& person_id, PersonSource* source,
                                     const EvaluationContext& evaluation, WriteBatch* batch) {
  absl::StatusOr<std::unique_ptr<PersonGraph>> graph =
      PersonGraph::Build(person_id, *rule.env, source, GraphNeedsOf(rule));
  if (absl::IsNotFound(graph.status())) return absl::OkStatus();
  RETURN_IF_ERROR(graph.status());
  return ConsiderGraph(rule, **graph, source, evaluation, batch);
}

absl::Status DecisionMaker::ConsiderAll(absl::Span<const Planned> plan, PersonSource* source,
                                        const EvaluationContext& evaluation, WriteBatch* batch) {
  struct PersonGraphSlot {
    const RuleEnvironment* env = nullptr;
    bool shared = true;  // every rule of the person shares the person types of `env`
    GraphNeeds needs{false, false, false};
    bool built = false;
    std::unique_ptr<PersonGraph> graph;  // null when the person is unknown
  };
  // A plan names a few persons: a flat map, on the stack for most plans.
  absl::InlinedVector<std::pair<const std::string*, PersonGraphSlot>, 4> slots;
  const auto slot_of = [&slots](const std::string& person_id) -> PersonGraphSlot& {
    for (auto& [id, slot] : slots) {
      if (*id == person_id) return slot;
    }
    return slots.emplace_back(&person_id, PersonGraphSlot()).second;
  };
  for (const Planned& planned : plan) {
    PersonGraphSlot& slot = slot_of(*planned.person_id);
    if (slot.env == nullptr) slot.env = planned.rule->env.get();
    slot.shared = slot.shared && slot.env->SharesPersonTypesWith(*planned.rule->env);
    slot.needs.links = slot.needs.links || planned.rule->reads_links;
    slot.needs.household = slot.needs.household || planned.rule->reads_household;
    slot.needs.tables = slot.needs.tables || planned.rule->reads_tables;
  }
  for (const Planned& planned : plan) {
    PersonGraphSlot& slot = slot_of(*planned.person_id);
    if (!slot.shared) {
      RETURN_IF_ERROR(Consider(*planned.rule, *planned.person_id, source, evaluation, batch));
      continue;
    }
    if (!slot.built) {
      slot.built = true;
      absl::StatusOr<std::unique_ptr<PersonGraph>> graph =
          PersonGraph::Build(*planned.person_id, *slot.env, source, slot.needs);
      if (!graph.ok() && !absl::IsNotFound(graph.status())) return graph.status();
      if (graph.ok()) slot.graph = *std::move(graph);
    }
    if (slot.graph == nullptr) continue;  // unknown person: skipped, as by Consider
    RETURN_IF_ERROR(ConsiderGraph(*planned.rule, *slot.graph, source, evaluation, batch));
  }
  return absl::OkStatus();
}

DecisionMaker::FiringCount& DecisionMaker::FiringCountOf(const CompiledRule& rule) {
  for (auto& [counted, count] : firing_counts_) {
    if (counted == &rule) return count;
  }
  return firing_counts_.emplace_back(&rule, FiringCount()).second;
}

absl::Status DecisionMaker::ConsiderGraph(const CompiledRule& rule, const PersonGraph& graph, PersonSource* source,
                                          const EvaluationContext& evaluation, WriteBatch* batch) {
  const std::string& person_id = graph.subject().id();
  // A trace costs about one more evaluation: worth it at once while at
  // least half of this rule's evaluations fire. Counted per rule: of a
  // broadcast's two heatwave rules, each person the filter leaves fires one.
  FiringCount& count = FiringCountOf(rule);
  const bool traced_first = expect_firing_ && (count.evaluations < 16 || 2 * count.firings >= count.evaluations);
  RuleOutcome& outcome = outcome_;
  EvaluateRuleInto(rule, graph, evaluation, /*with_trace=*/traced_first, &outcome);
  ++count.evaluations;
  if (!outcome.fires()) return absl::OkStatus();
  ++count.firings;
  DecisionKey key = KeyOf(rule, person_id, outcome);
  std::string firing = context_.ids->For(key);
  if (keys_in_batch_.count(firing) > 0) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::optional<storage::v1::DecisionRecord> held, ReadDecision(*store_, firing));
  if (held) {  // the rule fired already for this person and period
    if (held->status() == storage::v1::IN_REVIEW) {
      // Recorded, never acted on: only a caseworker changes a decision in
      // review. Its digest is of the bytes this engine stores for it: those
      // stored, unless it was written at an older format.
      Audit(batch,
            AuditRecord{"decision.reevaluated", held->decision_id(), held->case_id(), "engine", "in review",
                        "in review", context_.triggered_by},
            EncodeDecision(&*held));
      keys_in_batch_.insert(firing);
    }
    return absl::OkStatus();
  }
  // Evaluate again with the trace: only for the few that fire.
  if (!traced_first) EvaluateRuleInto(rule, graph, evaluation, /*with_trace=*/true, &outcome);
  storage::v1::DecisionRecord& decision = decision_;
  FillNewDecision(rule, rules_, person_id, firing, &outcome, context_, &decision);
  decision.set_district(DistrictOf(rules_.city(), graph.subject().state()));
  if (decision.status() == storage::v1::IN_REVIEW) {
    storage::v1::RecourseCase review =
        NewCase(decision, storage::v1::REVIEW_BEFORE_NOTIFY, "engine", "the rule requires a review before notifying",
                context_.now, ZoneOrUtc(rules_.city().timezone), &graph.subject().state());
    decision.set_case_id(review.case_id());
    PutCase(batch, nullptr, review);
    Audit(batch,
          AuditRecord{"case.opened", decision.decision_id(), review.case_id(), "engine", "", "open",
                      "review before notify"},
          EncodeRecord(review));
  }
  if (decision.action_kind() == storage::v1::ACTION_PROPOSE && decision.has_reply_deadline()) {
    batch->Put(Family::kDeadlines, ReplyDeadlineKey(decision), "");
  }
  const std::string encoded = PutNewDecision(batch, &decision);
  Audit(batch,
        AuditRecord{"decision.created", decision.decision_id(), decision.case_id(), "engine", "",
                    std::string(DecisionStatusName(decision.status())), context_.triggered_by},
        encoded);
  if (decision.status() != storage::v1::IN_REVIEW) {  // reviewed first, told after
    ASSIGN_OR_RETURN(std::vector<storage::v1::OutboxMessage> messages,
                     ComposeMessages(decision, rule, rules_.city(), source, opt_outs_, context_.now));
    for (const storage::v1::OutboxMessage& m : messages) {
      PutNewMessage(batch, m);
      if (m.status() == storage::v1::MESSAGE_SUPPRESSED) {
        Audit(batch,
              AuditRecord{"message.suppressed", decision.decision_id(), "", "engine", "", "opted out", m.message_id()},
              EncodeRecord(m));
      }
    }
  }
  keys_in_batch_.insert(firing);
  ++decisions_made_;
  return absl::OkStatus();
}

}  // namespace proactive
