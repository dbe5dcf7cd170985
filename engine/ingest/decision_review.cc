// DecisionCommands, the caseworker's part: claiming, noting and resolving a
// recourse case, and what a resolution changes besides the decision (its
// messages told again or withheld, the formal decision that followed an
// offer). Split from decision_commands.cc, which keeps the citizen's part.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/common/field_error.h"
#include "engine/common/log.h"
#include "engine/common/proto_time.h"
#include "engine/common/status_macros.h"
#include "engine/common/text_formats.h"
#include "engine/common/time_limit.h"
#include "engine/decision/decision_factory.h"
#include "engine/decision/decision_keys.h"
#include "engine/decision/decision_store.h"
#include "engine/ingest/amended_parameters.h"
#include "engine/ingest/decision_commands.h"
#include "engine/notify/outbox.h"
#include "engine/recourse/recourse_cases.h"
#include "engine/rules/person_graph.h"
#include "engine/store/column_families.h"
#include "engine/store/records.h"

namespace proactive {
constexpr char kAmendedMessageRefused[] =
    "its message cannot be sent again with the amended parameters (reload a rule set with that rule version, or "
    "amend without parameters and say what changed in the reason)";

absl::StatusOr<std::vector<storage::v1::OutboxMessage>> DecisionCommands::ComposeAmendedMessages(
    const storage::v1::DecisionRecord& d, absl::Time now) {
  std::shared_ptr<const RuleSet> rules = rules_ != nullptr ? rules_->Get() : nullptr;
  if (rules == nullptr) return std::vector<storage::v1::OutboxMessage>();
  ASSIGN_OR_RETURN(RuleSetVersions::DecidingRule made_by, RuleToTell(d, kAmendedMessageRefused));
  StorePersonSource persons(store_);
  const CitySpec& city = made_by.rules->city();
  ASSIGN_OR_RETURN(std::vector<storage::v1::OutboxMessage> messages,
                   proactive::ComposeAmendedMessages(d, *made_by.rule, city, &persons, OptOutReader(store_), now));
  RETURN_IF_ERROR(CheckLongestSms(messages, city, "amended_parameters: the amended decision"));
  return messages;
}

absl::Status DecisionCommands::CheckAmendedLength(const storage::v1::DecisionRecord& d,
                                                  const std::vector<storage::v1::OutboxMessage>& messages) const {
  absl::StatusOr<RuleSetVersions::DecidingRule> made_by = rule_set_versions_.RuleOf(d);
  // Its version lost, a first message cannot leave at all (undeliverable
  // when leased): nothing to measure.
  if (absl::IsDataLoss(made_by.status())) return absl::OkStatus();
  if (!made_by.ok()) return made_by.status();  // a read failed
  std::vector<storage::v1::OutboxMessage> rendered = messages;
  for (storage::v1::OutboxMessage& m : rendered) RenderRuleMessage(d, *made_by->rule, made_by->rules->city(), &m);
  return CheckLongestSms(rendered, made_by->rules->city(), "amended_parameters: the amended decision");
}

absl::StatusOr<bool> DecisionCommands::OwnMessageNames(const storage::v1::DecisionRecord& d,
                                                       const std::set<std::string>& names,
                                                       bool in_every_language) const {
  // Not knowing would skip telling them the new values: refused instead.
  ASSIGN_OR_RETURN(RuleSetVersions::DecidingRule made_by, RuleToTell(d, kAmendedMessageRefused));
  const LocalizedText& texts = made_by.rule->spec.action.message;
  if (texts.empty()) return false;
  for (const auto& [language, text] : texts) {
    bool named = false;
    for (const std::string& placeholder : Placeholders(text)) named = named || names.count(placeholder) > 0;
    if (named && !in_every_language) return true;
    if (!named && in_every_language) return false;
  }
  return in_every_language;
}

void DecisionCommands::AmendFormalDecision(WriteBatch* batch, storage::v1::DecisionRecord formal,
                                           const storage::v1::RecourseCase& amending_case,
                                           const std::string& caseworker, absl::Time now) {
  // Cancelled, it has nothing left to amend.
  if (formal.status() == storage::v1::OVERTURNED) return;
  // Each value the offer had, and only that: a value its own review changed
  // since is that review's.
  std::vector<std::string> kept;
  bool changed = false;
  for (int i = 0; i < amending_case.amended_parameters_size(); ++i) {
    const storage::v1::NamedValue& after = amending_case.amended_parameters(i);
    for (storage::v1::NamedValue& p : *formal.mutable_parameters()) {
      if (p.name() != after.name()) continue;
      if (i < amending_case.parameters_before_size() &&
          p.value().SerializeAsString() == amending_case.parameters_before(i).value().SerializeAsString()) {
        *p.mutable_value() = after.value();
        changed = true;
      } else {
        kept.push_back(p.name());
      }
    }
  }
  if (!kept.empty()) {
    LogInfo("recourse", absl::StrCat("decision ", formal.decision_id(), " keeps its own ", absl::StrJoin(kept, ", "),
                                     " though the offer it followed was amended (case ", amending_case.case_id(),
                                     "): changed since by its own review"));
  }
  if (!changed) return;
  const std::string cause = absl::StrCat("case ", amending_case.case_id());
  storage::v1::StatusChange* change = formal.add_history();
  change->set_status(formal.status());
  *change->mutable_at() = ToProtoTimestamp(now);
  change->set_actor(caseworker);
  change->set_reason("the offer it followed was amended after review");
  change->set_cause(cause);
  audit_->AppendEncoded(batch, now,
                        AuditRecord{"decision.amended", formal.decision_id(), amending_case.case_id(), caseworker,
                                    std::string(DecisionStatusName(formal.status())),
                                    std::string(DecisionStatusName(formal.status())), cause},
                        PutDecision(batch, &formal));
}

absl::StatusOr<DecisionCommands::OverturnedReads> DecisionCommands::ReadOverturned(
    const storage::v1::DecisionRecord& d) const {
  OverturnedReads reads;
  ASSIGN_OR_RETURN(reads.messages, MessagesOfDecision(*store_, d.decision_id()));
  ASSIGN_OR_RETURN(reads.formal, FindFormalDecision(*store_, d));
  if (reads.formal) {
    ASSIGN_OR_RETURN(reads.formal_messages, MessagesOfDecision(*store_, reads.formal->decision_id()));
  }
  return reads;
}

void DecisionCommands::OverturnFormalDecision(WriteBatch* batch, const storage::v1::DecisionRecord& offer,
                                              OverturnedReads reads, const std::string& case_id,
                                              const std::string& caseworker, absl::Time now) {
  std::optional<storage::v1::DecisionRecord>& formal = reads.formal;
  if (!formal) return;  // the offer was never accepted
  absl::StatusOr<storage::v1::DecisionStatus> to =
      NextStatus(*formal, LifecycleAction::kParentOverturned, now, CityZone());
  if (!to.ok()) {
    // In review on its own (its caseworker decides), or cancelled already.
    LogInfo("recourse",
            absl::StrCat("decision ", formal->decision_id(), " stays ", DecisionStatusName(formal->status()),
                         " though the offer ", offer.decision_id(), " was overturned: ", to.status().message()));
    return;
  }
  Transition(batch, &*formal, *to, caseworker, "the offer it followed was overturned after review", "",
             absl::StrCat("case ", case_id), now);
  WithholdOverturned(batch, reads.formal_messages, case_id, caseworker, now);
}

void DecisionCommands::WithholdOverturned(WriteBatch* batch, const std::vector<storage::v1::OutboxMessage>& messages,
                                          const std::string& case_id, const std::string& caseworker, absl::Time now) {
  // Its own message and the answers' acknowledgements; the review's outcome
  // and the contest's acknowledgement still go.
  WithholdMessagesOf(
      messages, batch, audit_,
      [](const storage::v1::OutboxMessage& m) {
        return m.kind() == kDecisionMessageKind || m.kind() == kAcceptedMessageKind || m.kind() == kDeclinedMessageKind;
      },
      "its decision was overturned on review before it left", caseworker, absl::StrCat("case ", case_id), now);
}

absl::StatusOr<storage::v1::RecourseCase> DecisionCommands::Claim(const std::string& case_id,
                                                                  const std::string& caseworker, absl::Duration lease,
                                                                  absl::Time now) {
  ASSIGN_OR_RETURN(storage::v1::RecourseCase c, LoadCase(case_id));
  const storage::v1::RecourseCase before = c;
  std::string expired;
  RETURN_IF_ERROR(proactive::Claim(&c, caseworker, now, lease, &expired));
  WriteBatch batch(*store_);
  PutCase(&batch, &before, c);
  if (!expired.empty()) {
    audit_->Append(&batch, now, AuditRecord{"case.claim_expired", c.decision_id(), case_id, expired, "", "", ""},
                   before);
  }
  audit_->Append(&batch, now, AuditRecord{"case.claimed", c.decision_id(), case_id, caseworker, "", "", ""}, c);
  RETURN_IF_ERROR(store_->Write(&batch, false));
  return c;
}

absl::StatusOr<storage::v1::RecourseCase> DecisionCommands::AddNote(const std::string& case_id,
                                                                    const std::string& caseworker,
                                                                    const std::string& text, absl::Time now) {
  ASSIGN_OR_RETURN(storage::v1::RecourseCase c, LoadCase(case_id));
  const storage::v1::RecourseCase before = c;
  RETURN_IF_ERROR(proactive::AddNote(&c, caseworker, text, now));
  WriteBatch batch(*store_);
  PutCase(&batch, &before, c);
  audit_->Append(&batch, now, AuditRecord{"case.note", c.decision_id(), case_id, caseworker, "", "", ""}, c);
  RETURN_IF_ERROR(store_->Write(&batch, false));
  return c;
}

absl::StatusOr<storage::v1::RecourseCase> DecisionCommands::Resolve(
    const std::string& case_id, const std::string& caseworker, storage::v1::ReviewOutcome outcome,
    const std::string& reason, const std::string& legal_basis, absl::Time now,
    const std::vector<v1::Attribute>& amended_parameters) {
  if (!amended_parameters.empty() && outcome != storage::v1::OUTCOME_AMENDED) {
    return FieldError("amended_parameters", "are given only with the outcome amended");
  }
  ASSIGN_OR_RETURN(storage::v1::RecourseCase c, LoadCase(case_id));
  ASSIGN_OR_RETURN(storage::v1::DecisionRecord d, Load(c.decision_id()));
  const storage::v1::RecourseCase before = c;
  RETURN_IF_ERROR(proactive::Resolve(&c, caseworker, outcome, reason, legal_basis, now));
  std::map<std::string, TypeSpec> declared;
  if (!amended_parameters.empty()) {
    // Unknown when the rule's version is lost: the stored values' kinds then.
    if (absl::StatusOr<RuleSetVersions::DecidingRule> made_by = rule_set_versions_.RuleOf(d); made_by.ok()) {
      for (const auto& [name, program] : made_by->rule->parameters) {
        if (std::optional<TypeSpec> kind = ParameterKindOf(program->result_type())) declared[name] = *kind;
      }
    }
  }
  RETURN_IF_ERROR(AmendParameters(amended_parameters, declared, &d, &c));
  LifecycleAction action = outcome == storage::v1::OUTCOME_UPHELD    ? LifecycleAction::kResolveUpheld
                           : outcome == storage::v1::OUTCOME_AMENDED ? LifecycleAction::kResolveAmended
                                                                     : LifecycleAction::kResolveOverturned;
  ASSIGN_OR_RETURN(storage::v1::DecisionStatus to, NextStatus(d, action, now, CityZone()));
  // Composed before anything is appended to the audit chain: a refusal
  // (a reason too long to send, a rule whose texts are lost) leaves the
  // chain's head where the store has it.
  std::vector<storage::v1::OutboxMessage> messages;
  std::string superseded_deadline_key;
  // An offer reviewed while it waited for its answer (reviewed before anyone
  // was told, or contested before answering) waits for it again, unless
  // overturned: with the time its rule gives, from today, as the review may
  // have taken longer than the deadline set when it was made.
  // A contest sent once its deadline had passed (in the grace before the
  // deadline applies) buys no more time: that offer keeps its deadline, which
  // applies (lapse, or acceptance by silence) at the engine's next turn.
  const bool reopen = to != storage::v1::OVERTURNED && OfferWaitedWhenReviewed(d) && d.has_reply_deadline();
  // An amended offer is a new one to answer, whenever the contest came.
  const bool fresh_deadline = reopen && (c.kind() == storage::v1::REVIEW_BEFORE_NOTIFY || to == storage::v1::AMENDED ||
                                         FromProtoTimestamp(c.opened_at()) <= FromProtoTimestamp(d.reply_deadline()));
  if (d.action_kind() == storage::v1::ACTION_PROPOSE) d.set_answer_reopened(reopen);
  if (reopen) superseded_deadline_key = ReplyDeadlineKey(d);  // written again below, moved or not
  if (fresh_deadline) {
    const absl::TimeZone zone = CityZone();
    // The days its rule gives count from the day it was evaluated for (a
    // daily run's day, not when the sweep ran).
    absl::StatusOr<absl::CivilDay> evaluated = ParseIsoDate(d.evaluation_date());
    const absl::CivilDay made =
        evaluated.ok() ? *evaluated : absl::ToCivilDay(FromProtoTimestamp(d.created_at()), zone);
    const absl::CivilDay due = absl::ToCivilDay(FromProtoTimestamp(d.reply_deadline()), zone);
    *d.mutable_reply_deadline() = ToProtoTimestamp(EndOfDay(absl::ToCivilDay(now, zone) + (due - made), zone));
  }
  // Read before anything is appended to the audit chain (see above).
  std::optional<storage::v1::DecisionRecord> formal_to_amend;
  if (!amended_parameters.empty() && d.action_kind() == storage::v1::ACTION_PROPOSE) {
    ASSIGN_OR_RETURN(formal_to_amend, FindFormalDecision(*store_, d));
  }
  bool told_again = false;
  if (c.kind() == storage::v1::REVIEW_BEFORE_NOTIFY) {
    // Reviewed before anyone was told: now they are, unless overturned.
    if (to != storage::v1::OVERTURNED) {
      ASSIGN_OR_RETURN(messages, ComposeDecisionMessages(d, now));
      // Their text is written when they leave: with amended values, it must
      // still fit in the SMS parts the gateway sends.
      if (!amended_parameters.empty()) RETURN_IF_ERROR(CheckAmendedLength(d, messages));
    }
  } else {
    ASSIGN_OR_RETURN(messages, ComposeTold(d, kReviewMessageKind,
                                           to == storage::v1::UPHELD    ? &CityMessages::review_upheld
                                           : to == storage::v1::AMENDED ? &CityMessages::review_amended
                                                                        : &CityMessages::review_overturned,
                                           {{"reason", reason}}, now, "the reason"));
    // Amended: the decision told again as it now is, unless it no longer
    // asks anything of them (an offer already answered) or has no message of
    // its own (a formal decision): the review's reason says what changed.
    // Only when its message names a value that changed: the same words
    // again would tell them nothing.
    std::set<std::string> amended_names;
    for (const storage::v1::NamedValue& p : c.amended_parameters()) amended_names.insert(p.name());
    bool tell_again = !amended_names.empty() && d.parent_decision_id().empty() &&
                      (d.action_kind() != storage::v1::ACTION_PROPOSE || reopen);
    if (tell_again) {
      ASSIGN_OR_RETURN(tell_again, OwnMessageNames(d, amended_names, /*in_every_language=*/false));
    }
    if (tell_again) {
      ASSIGN_OR_RETURN(std::vector<storage::v1::OutboxMessage> amended, ComposeAmendedMessages(d, now));
      told_again = !amended.empty();
      for (storage::v1::OutboxMessage& m : amended) messages.push_back(std::move(m));
    }
    // Contested before answering: the offer waits for that answer again.
    std::shared_ptr<const RuleSet> rules = rules_ != nullptr ? rules_->Get() : nullptr;
    // A rule set loaded with an offer rule has the city's words for it; a
    // rule set without one (the rule removed since) may not. An offer told
    // again whose message gives its deadline needs no more words.
    bool deadline_told = false;
    if (told_again) {
      ASSIGN_OR_RETURN(deadline_told, OwnMessageNames(d, {"deadline"}, /*in_every_language=*/true));
    }
    if (fresh_deadline && rules != nullptr && !rules->city().messages.offer_open_again.empty() && !deadline_told) {
      ASSIGN_OR_RETURN(
          std::vector<storage::v1::OutboxMessage> again,
          ComposeTold(d, kAnswerAgainMessageKind, &CityMessages::offer_open_again,
                      {{"deadline", CitizenDate(FromProtoTimestamp(d.reply_deadline()), CityZone())}}, now));
      for (storage::v1::OutboxMessage& m : again) messages.push_back(std::move(m));
    }
  }
  // Read before anything is appended to the audit chain: the first
  // message, replaced by the amended one.
  std::vector<storage::v1::OutboxMessage> first_messages;
  if (!amended_parameters.empty() && c.kind() != storage::v1::REVIEW_BEFORE_NOTIFY) {
    ASSIGN_OR_RETURN(first_messages, MessagesOfDecision(*store_, d.decision_id()));
  }
  if (!told_again && !first_messages.empty()) {
    // Not told again (an offer answered at a desk before its SMS left):
    // a first message not leased yet is written when it leaves, with the
    // new values, and must still fit in the parts the gateway sends.
    std::vector<storage::v1::OutboxMessage> unwritten;
    for (const storage::v1::OutboxMessage& m : first_messages) {
      if (m.kind() == kDecisionMessageKind && m.status() == storage::v1::MESSAGE_PENDING && m.attempts() == 0 &&
          m.channel() == storage::v1::CHANNEL_SMS) {
        unwritten.push_back(m);
      }
    }
    if (!unwritten.empty()) RETURN_IF_ERROR(CheckAmendedLength(d, unwritten));
  }
  std::optional<OverturnedReads> overturned;
  if (to == storage::v1::OVERTURNED) {
    ASSIGN_OR_RETURN(overturned, ReadOverturned(d));
  }
  WriteBatch batch(*store_);
  PutCase(&batch, &before, c);
  audit_->Append(&batch, now,
                 AuditRecord{"case.resolved", c.decision_id(), case_id, caseworker, "open",
                             std::string(CaseOutcomeName(outcome)), ""},
                 c);
  Transition(&batch, &d, to, caseworker, reason, legal_basis, absl::StrCat("case ", case_id), now);
  if (!superseded_deadline_key.empty()) {
    batch.Delete(Family::kDeadlines, superseded_deadline_key);
    batch.Put(Family::kDeadlines, ReplyDeadlineKey(d), "");
  }
  if (overturned) {
    WithholdOverturned(&batch, overturned->messages, case_id, caseworker, now);
    OverturnFormalDecision(&batch, d, *std::move(overturned), case_id, caseworker, now);
  }
  if (told_again) {
    // Its first message, not left yet, would leave after the amended one
    // with the same words (its text is written when it leaves) or, a letter
    // printed already, with the old values: the amended one replaces it.
    // Even when its lease ran out: the gateway may have handed it to the SMS
    // centre and not told us yet (its acknowledgement still marks it sent).
    // Pending too when a send is under way after the last failure counted
    // (a late failure of an earlier send, counted while it was leased by an
    // engine before 2026-12-07, which made it pending).
    const auto held_by_gateway = [](const storage::v1::OutboxMessage& m) {
      return m.status() == storage::v1::MESSAGE_LEASED ||
             (m.status() == storage::v1::MESSAGE_PENDING && m.attempts() > m.last_failed_attempt());
    };
    WithholdMessagesOf(
        first_messages, &batch, audit_,
        [&](const storage::v1::OutboxMessage& m) { return m.kind() == kDecisionMessageKind && !held_by_gateway(m); },
        kReplacedOnReview, caseworker, absl::StrCat("case ", case_id), now);
    // One a gateway holds may still leave, with the old values: if that
    // send fails, or it is leased again after its lease ran out, it is
    // suppressed then (Lease, ReportDelivery), never sent after the amended
    // one.
    for (const storage::v1::OutboxMessage& m : first_messages) {
      if (m.kind() != kDecisionMessageKind || !held_by_gateway(m)) continue;
      storage::v1::OutboxMessage marked = m;
      marked.set_replaced_by_case(case_id);
      PutMessage(&batch, &m, marked);
    }
  }
  if (formal_to_amend) AmendFormalDecision(&batch, *std::move(formal_to_amend), c, caseworker, now);
  for (const storage::v1::OutboxMessage& m : messages) PutNewMessage(&batch, m);
  RETURN_IF_ERROR(store_->Write(&batch, false));
  return c;
}

}  // namespace proactive
