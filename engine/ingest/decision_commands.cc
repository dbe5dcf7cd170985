#include "engine/ingest/decision_commands.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "engine/common/clock.h"
#include "engine/common/log.h"
#include "engine/common/proto_time.h"
#include "engine/common/sms_length.h"
#include "engine/common/status_macros.h"
#include "engine/common/time_limit.h"
#include "engine/decision/decision_factory.h"
#include "engine/decision/decision_keys.h"
#include "engine/decision/decision_store.h"
#include "engine/decision/pseudonymise.h"
#include "engine/ingest/amended_parameters.h"
#include "engine/notify/outbox.h"
#include "engine/recourse/recourse_cases.h"
#include "engine/rules/person_graph.h"
#include "engine/store/column_families.h"
#include "engine/store/records.h"

namespace proactive {
namespace {

std::string StatusText(storage::v1::DecisionStatus s) { return std::string(DecisionStatusName(s)); }

}  // namespace

std::string ReplyDeadlineKey(const storage::v1::DecisionRecord& offer) {
  return absl::StrCat(DecimalKey(offer.reply_deadline().seconds()).view(), "/reply/", offer.decision_id());
}

absl::StatusOr<storage::v1::DecisionRecord> DecisionCommands::Load(const std::string& decision_id) const {
  ASSIGN_OR_RETURN(std::optional<storage::v1::DecisionRecord> d, ReadDecision(*store_, decision_id));
  if (!d) return absl::NotFoundError(absl::StrCat("decision_id: no decision \"", decision_id, "\""));
  return *std::move(d);
}

absl::StatusOr<storage::v1::RecourseCase> DecisionCommands::LoadCase(const std::string& case_id) const {
  ASSIGN_OR_RETURN(std::optional<storage::v1::RecourseCase> c, ReadCase(*store_, case_id));
  if (!c) return absl::NotFoundError(absl::StrCat("case_id: no recourse case \"", case_id, "\""));
  return *std::move(c);
}

absl::Status DecisionCommands::RecordContactRevealed(const std::string& person_id, const std::string& decision_or_case,
                                                     const std::string& actor, absl::Time now) {
  ASSIGN_OR_RETURN(std::optional<storage::v1::RecourseCase> c, ReadCase(*store_, decision_or_case));
  ASSIGN_OR_RETURN(std::optional<storage::v1::DecisionRecord> d,
                   ReadDecision(*store_, c ? c->decision_id() : decision_or_case));
  if (!d) {
    return absl::NotFoundError(
        absl::StrCat("reveal_contact_for: no decision or recourse case \"", decision_or_case, "\""));
  }
  // Whose contact it was, by their place in the decision: never their id.
  std::string whose;
  if (d->person_id() == person_id) {
    whose = "subject";
  } else if (auto it = std::find(d->recipients().begin(), d->recipients().end(), person_id);
             it != d->recipients().end()) {
    whose = absl::StrCat("recipient ", it - d->recipients().begin() + 1);
  } else {
    return absl::PermissionDeniedError(absl::StrCat("reveal_contact_for: ", c ? "case " : "decision ", decision_or_case,
                                                    " does not concern person \"", person_id,
                                                    "\" (neither its subject nor a recipient)"));
  }
  WriteBatch batch(*store_);
  audit_->Append(&batch, now,
                 AuditRecord{"person.contact_revealed", d->decision_id(), c ? c->case_id() : "", actor, "masked",
                             "revealed", whose},
                 *d);
  return store_->Write(&batch, /*sync=*/false);
}

void DecisionCommands::Transition(WriteBatch* batch, storage::v1::DecisionRecord* d, storage::v1::DecisionStatus to,
                                  const std::string& actor, const std::string& reason, const std::string& legal_basis,
                                  const std::string& cause, absl::Time now) {
  const storage::v1::DecisionStatus from = d->status();
  d->set_status(to);
  storage::v1::StatusChange* change = d->add_history();
  change->set_status(to);
  *change->mutable_at() = ToProtoTimestamp(now);
  change->set_actor(actor);
  change->set_reason(reason);
  change->set_legal_basis(legal_basis);
  change->set_cause(cause);
  audit_->AppendEncoded(
      batch, now,
      AuditRecord{"decision.status", d->decision_id(), d->case_id(), actor, StatusText(from), StatusText(to), cause},
      PutDecision(batch, d));
}

absl::StatusOr<ContestResult> DecisionCommands::Contest(const std::string& decision_id, const std::string& actor,
                                                        const std::string& reason, absl::Time now) {
  WriteBatch batch(*store_);
  ASSIGN_OR_RETURN(ContestResult result, ContestInto(&batch, decision_id, actor, reason, now));
  if (!result.already_contested) RETURN_IF_ERROR(store_->Write(&batch, false));
  return result;
}

absl::StatusOr<ContestResult> DecisionCommands::ContestInto(WriteBatch* batch, const std::string& decision_id,
                                                            const std::string& actor, const std::string& reason,
                                                            absl::Time now, std::optional<absl::Time> received_at) {
  const absl::Time received = received_at.value_or(now);
  ASSIGN_OR_RETURN(storage::v1::DecisionRecord d, Load(decision_id));
  const std::string case_id = ContestCaseId(decision_id);
  ASSIGN_OR_RETURN(std::optional<storage::v1::RecourseCase> existing, ReadCase(*store_, case_id));
  const absl::TimeZone zone = CityZone();
  if (existing && existing->status() == storage::v1::CASE_RESOLVED) {
    return absl::FailedPreconditionError(absl::StrCat(
        "decision ", decision_id, " was reviewed already (case ", case_id, ", ", CaseOutcomeName(existing->outcome()),
        " on ", absl::FormatTime("%Y-%m-%d", FromProtoTimestamp(existing->resolved_at()), zone),
        "): it can no longer be contested here, only before the administrative court"));
  }
  if (existing) return ContestResult{case_id, true};
  if (d.has_pseudonymised_at() && IsPseudonym(d.person_id())) {
    // Its subject was forgotten at their request: a review would write about
    // them again (an amendment's values, a case) where no erasure reaches. A
    // decision that only named someone forgotten (a guardian) stays open to
    // the others.
    return absl::FailedPreconditionError(
        absl::StrCat("decision ", decision_id, " is about a person forgotten on ",
                     absl::FormatTime("%Y-%m-%d", FromProtoTimestamp(d.pseudonymised_at()), zone),
                     " (GDPR erasure): it can no longer be contested"));
  }
  ASSIGN_OR_RETURN(storage::v1::DecisionStatus to, NextStatus(d, LifecycleAction::kContest, received, CityZone()));
  ASSIGN_OR_RETURN(std::optional<storage::v1::PersonState> subject, ReadPersonState(*store_, d.person_id()));
  // Opened, and due, from the day of the contest: an SMS sent at 23:58 and
  // read after midnight was made the day it was sent (decisions.md).
  storage::v1::RecourseCase c =
      NewCase(d, storage::v1::CONTEST, actor, reason, received, zone, subject ? &*subject : nullptr);
  // The acknowledgement is composed before anything is appended to the
  // audit chain (AuditLog::Append).
  ASSIGN_OR_RETURN(
      std::vector<storage::v1::OutboxMessage> acknowledgements,
      ComposeTold(d, kContestReceivedMessageKind, &CityMessages::contest_received,
                  {{"received_on", CitizenDate(received, zone)},
                   {"review_by", CitizenDate(FromProtoTimestamp(c.due_at()), zone)},
                   {"deemed_rejected_on", CitizenDate(DeadlineAfter(kSilenceRejectsAfter, received, zone), zone)}},
                  now));
  d.set_case_id(case_id);
  Transition(batch, &d, to, actor, "contested", "", absl::StrCat("case ", case_id), now);
  PutCase(batch, nullptr, c);
  audit_->Append(batch, now, AuditRecord{"case.opened", decision_id, case_id, actor, "", "open", "contest"}, c);
  for (const storage::v1::OutboxMessage& m : acknowledgements) PutNewMessage(batch, m);
  return ContestResult{case_id, false};
}

absl::StatusOr<storage::v1::DecisionRecord> DecisionCommands::Answer(const std::string& decision_id, bool accept,
                                                                     const std::string& actor, const std::string& cause,
                                                                     absl::Time now) {
  WriteBatch batch(*store_);
  ASSIGN_OR_RETURN(storage::v1::DecisionRecord d, AnswerInto(&batch, decision_id, accept, actor, cause, now));
  RETURN_IF_ERROR(store_->Write(&batch, false));
  return d;
}

absl::StatusOr<storage::v1::DecisionRecord> DecisionCommands::AnswerInto(WriteBatch* batch,
                                                                         const std::string& decision_id, bool accept,
                                                                         const std::string& actor,
                                                                         const std::string& cause, absl::Time now,
                                                                         std::optional<absl::Time> received_at) {
  ASSIGN_OR_RETURN(storage::v1::DecisionRecord d, Load(decision_id));
  // In time if it was sent before the deadline, whenever it is read.
  ASSIGN_OR_RETURN(storage::v1::DecisionStatus to,
                   NextStatus(d, accept ? LifecycleAction::kAccept : LifecycleAction::kDecline,
                              received_at.value_or(now), CityZone()));
  // Composed before anything is appended to the audit chain: a read that
  // fails refuses the answer and leaves the chain as it was.
  ASSIGN_OR_RETURN(std::vector<storage::v1::OutboxMessage> told,
                   ComposeTold(d, accept ? kAcceptedMessageKind : kDeclinedMessageKind,
                               accept ? &CityMessages::accepted : &CityMessages::declined, {}, now));
  Transition(batch, &d, to, actor, accept ? "the citizen accepted the offer" : "the citizen declined the offer", "",
             cause, now);
  batch->Delete(Family::kDeadlines, ReplyDeadlineKey(d));
  if (to == storage::v1::CONFIRMED) PutFormalDecision(batch, d, now);
  for (const storage::v1::OutboxMessage& m : told) PutNewMessage(batch, m);
  return d;
}

absl::StatusOr<storage::v1::DecisionRecord> DecisionCommands::WithdrawOfferInto(WriteBatch* batch,
                                                                                const std::string& decision_id,
                                                                                const std::string& actor,
                                                                                const std::string& cause,
                                                                                absl::Time now) {
  ASSIGN_OR_RETURN(storage::v1::DecisionRecord d, Load(decision_id));
  if (!IsOfferAwaitingAnswer(d)) {
    return absl::FailedPreconditionError(
        absl::StrCat("decision ", decision_id, " is ", StatusText(d.status()), ", not an offer waiting for an answer"));
  }
  Transition(batch, &d, storage::v1::DECLINED, actor, "the offer is withdrawn: the person asked to be forgotten",
             "RGPD art. 17", cause, now);
  batch->Delete(Family::kDeadlines, ReplyDeadlineKey(d));
  return d;
}

storage::v1::DecisionRecord DecisionCommands::WithRuleTexts(const storage::v1::DecisionRecord& d) const {
  storage::v1::DecisionRecord out = d;
  const absl::Status expanded = ExpandDecision(rule_set_versions_, &out);
  if (expanded.ok()) return out;
  // It should never happen (the texts are stored with the first decision of
  // their rule version); if it does, a command is not refused for it.
  LogError("decisions", absl::StrCat(expanded.message(), "; it is named by its rule id"));
  out = d;
  out.set_rule_texts_by_version(false);
  out.set_title(d.rule_id());
  return out;
}

absl::StatusOr<std::vector<storage::v1::OutboxMessage>> DecisionCommands::ComposeTold(
    const storage::v1::DecisionRecord& d, const std::string& kind, LocalizedText CityMessages::*message,
    const std::map<std::string, std::string>& values, absl::Time now, absl::string_view too_long_what) {
  std::vector<storage::v1::OutboxMessage> messages;
  std::shared_ptr<const RuleSet> rules = rules_ != nullptr ? rules_->Get() : nullptr;
  if (rules == nullptr) return messages;
  storage::v1::DecisionRecord titled = WithRuleTexts(d);  // the messages name it by its title
  // An acceptance's acknowledgement notifies the formal decision
  // (GatewayCommands::DecisionReached): it quotes that decision's code, the
  // one to contest it with, also once the offer's own time has ended.
  if (kind == kAcceptedMessageKind) titled.set_reference_code(ReferenceCodeFor(FormalDecisionId(d)));
  StorePersonSource persons(store_);
  const CitySpec& city = rules->city();
  for (const std::string& recipient : d.recipients()) {
    if (!IsReachable(recipient)) continue;
    ASSIGN_OR_RETURN(std::optional<storage::v1::OutboxMessage> existing,
                     ReadMessage(*store_, MessageIdFor(d, kind, recipient)));
    if (existing) continue;  // told already: the same command again changes nothing
    ASSIGN_OR_RETURN(storage::v1::OutboxMessage m, ComposeEngineMessage(titled, recipient, kind, city.messages.*message,
                                                                        values, city, &persons, *store_, now));
    messages.push_back(std::move(m));
  }
  if (!too_long_what.empty()) RETURN_IF_ERROR(CheckLongestSms(messages, city, too_long_what));
  return messages;
}

absl::Status DecisionCommands::CheckLongestSms(const std::vector<storage::v1::OutboxMessage>& messages,
                                               const CitySpec& city, absl::string_view what) const {
  // Only a message that will be an SMS: not one withheld (opted out), nor
  // a letter (no phone). The longest is the one to shorten.
  const storage::v1::OutboxMessage* longest = nullptr;
  for (const storage::v1::OutboxMessage& m : messages) {
    if (m.status() != storage::v1::MESSAGE_PENDING) continue;
    ASSIGN_OR_RETURN(std::optional<storage::v1::PersonState> recipient, ReadPersonState(*store_, m.recipient()));
    if (!recipient || StringAttribute(*recipient, city.sms_attribute).empty()) continue;
    if (longest == nullptr || SmsPartsAsSent(m.text()) > SmsPartsAsSent(longest->text())) longest = &m;
  }
  return longest != nullptr ? CheckSmsLength(longest->text(), city, what) : absl::OkStatus();
}

absl::StatusOr<RuleSetVersions::DecidingRule> DecisionCommands::RuleToTell(const storage::v1::DecisionRecord& d,
                                                                           absl::string_view refused) const {
  absl::StatusOr<RuleSetVersions::DecidingRule> made_by = rule_set_versions_.RuleOf(d);
  if (made_by.ok() || !absl::IsDataLoss(made_by.status())) return made_by;  // found, or a read failed
  // Refused, and nothing changes: the case stays open, the error says why.
  return absl::FailedPreconditionError(absl::StrCat(made_by.status().message(), ": ", refused));
}

absl::StatusOr<std::vector<storage::v1::OutboxMessage>> DecisionCommands::ComposeDecisionMessages(
    const storage::v1::DecisionRecord& d, absl::Time now) {
  std::shared_ptr<const RuleSet> rules = rules_ != nullptr ? rules_->Get() : nullptr;
  if (rules == nullptr) return std::vector<storage::v1::OutboxMessage>();
  // The message of the rule that made the decision, even if the packs were
  // reloaded while it waited for its review (or its rule was removed): its
  // text is written when it leaves (ExpandMessage); quiet hours are today's.
  ASSIGN_OR_RETURN(RuleSetVersions::DecidingRule made_by,
                   RuleToTell(d,
                              "its messages cannot be composed (reload a rule set with that rule version, or resolve "
                              "the case as overturned)"));
  StorePersonSource persons(store_);
  return ComposeMessages(d, *made_by.rule, rules->city(), &persons, OptOutReader(store_), now);
}

LocalizedText CityMessages::*DecisionCommands::AcceptedByDefaultText() const {
  std::shared_ptr<const RuleSet> rules = rules_ != nullptr ? rules_->Get() : nullptr;
  if (rules == nullptr || !rules->city().messages.accepted_by_default.empty())
    return &CityMessages::accepted_by_default;
  // An offer made under a rule that accepted without reply, the rule and
  // the city's text gone since: told as after OUI rather than with no words.
  LogWarning("decisions",
             "city.yaml has no messages.accepted_by_default: an offer accepted without reply is acknowledged with "
             "messages.accepted");
  return &CityMessages::accepted;
}

absl::TimeZone DecisionCommands::CityZone() const {
  std::shared_ptr<const RuleSet> rules = rules_ != nullptr ? rules_->Get() : nullptr;
  return ZoneOrUtc(rules != nullptr ? rules->city().timezone : "");
}

std::string DecisionCommands::FormalDecisionId(const storage::v1::DecisionRecord& offer) const {
  return ids_->For({offer.rule_id() + "#formal", offer.person_id(), offer.once_per()});
}

void DecisionCommands::PutFormalDecision(WriteBatch* batch, const storage::v1::DecisionRecord& offer, absl::Time now) {
  // Helsinki's model: the formal decision follows the acceptance, as a
  // record of its own with its own recourse window. It keeps its own title,
  // so it carries the offer's texts rather than refer to the snapshot.
  storage::v1::DecisionRecord formal = WithRuleTexts(offer);
  formal.set_decision_id(FormalDecisionId(offer));
  formal.set_reference_code(ReferenceCodeFor(formal.decision_id()));
  formal.set_parent_decision_id(offer.decision_id());
  formal.set_action_kind(storage::v1::ACTION_GRANT);
  formal.set_title(absl::StrCat("Décision : ", formal.title()));
  formal.set_status(storage::v1::ISSUED);
  formal.clear_reply_deadline();
  formal.set_case_id("");
  formal.clear_history();
  formal.clear_notified_at();  // the offer's: the formal decision reaches them with the acknowledgement
  *formal.mutable_created_at() = ToProtoTimestamp(now);
  formal.set_triggered_by(absl::StrCat("accepted offer ", offer.decision_id()));
  // The formal decision's own window runs from the day it is issued.
  const TimeLimit window = RecourseWindow(offer, CityZone());
  *formal.mutable_recourse_window() = TimeLimitToRecord(window);
  *formal.mutable_recourse_deadline() = ToProtoTimestamp(ContestDeadline(window, now, CityZone()));
  storage::v1::StatusChange* change = formal.add_history();
  change->set_status(storage::v1::ISSUED);
  *change->mutable_at() = ToProtoTimestamp(now);
  change->set_actor("engine");
  change->set_reason("the offer was accepted");
  change->set_cause(offer.decision_id());
  audit_->AppendEncoded(
      batch, now,
      AuditRecord{"decision.created", formal.decision_id(), "", "engine", "", "issued", offer.decision_id()},
      PutNewDecision(batch, &formal));
}

absl::Status DecisionCommands::MarkNotifiedInto(WriteBatch* batch, const std::string& decision_id,
                                                const std::string& cause, std::optional<absl::Time> reached,
                                                absl::Time now) {
  ASSIGN_OR_RETURN(storage::v1::DecisionRecord d, Load(decision_id));
  ASSIGN_OR_RETURN(storage::v1::DecisionStatus to, NextStatus(d, LifecycleAction::kNotified, now, CityZone()));
  // The time to contest runs from the day the decision reaches the citizen:
  // later than the day it was made when it waited (quiet hours, a review
  // before notifying, a letter posted days after). A record made before
  // its window was stored keeps the one it was given, before it moves; its
  // time has run since it was made (TimeToContestStarted), so the window is
  // stored only once something proves it reached someone: stored at a mere
  // hand-off, it would stop that time until a delivery report that may
  // never come.
  const absl::TimeZone zone = CityZone();
  if (!d.has_recourse_window() && reached.has_value()) {
    *d.mutable_recourse_window() = TimeLimitToRecord(RecourseWindow(d, zone));
  }
  std::string why = cause;
  if (reached.has_value()) {
    // The first time it reached someone: a letter taken to arrive later than
    // an SMS delivered after it does not count first.
    if (!d.has_notified_at() || *reached < FromProtoTimestamp(d.notified_at())) {
      *d.mutable_notified_at() = ToProtoTimestamp(*reached);
    }
    const absl::Time deadline = ContestDeadline(TimeLimitFromRecord(d.recourse_window()), *reached, zone);
    if (deadline > FromProtoTimestamp(d.recourse_deadline()))
      *d.mutable_recourse_deadline() = ToProtoTimestamp(deadline);
    absl::StrAppend(&why, "; time to contest until ",
                    absl::FormatTime("%Y-%m-%d", FromProtoTimestamp(d.recourse_deadline()), zone));
  }
  Transition(batch, &d, to, "engine",
             reached.has_value() ? "it reached its recipient" : "its message was handed to the gateway", "", why, now);
  return absl::OkStatus();
}

absl::Status DecisionCommands::FormalDecisionNotifiedInto(WriteBatch* batch, const std::string& offer_id,
                                                          const std::string& cause, std::optional<absl::Time> reached,
                                                          absl::Time now) {
  ASSIGN_OR_RETURN(storage::v1::DecisionRecord offer, Load(offer_id));
  ASSIGN_OR_RETURN(std::optional<storage::v1::DecisionRecord> formal, FindFormalDecision(*store_, offer));
  if (!formal) return absl::OkStatus();  // declined, or accepted before formal decisions existed
  return MarkNotifiedInto(batch, formal->decision_id(), cause, reached, now);
}

absl::Time DecisionCommands::LetterArrives(absl::Time posted) const {
  std::shared_ptr<const RuleSet> rules = rules_ != nullptr ? rules_->Get() : nullptr;
  const int days = rules != nullptr ? rules->city().letter_delivery_days : CitySpec().letter_delivery_days;
  const absl::TimeZone zone = CityZone();
  return absl::FromCivil(WorkingDaysAfter(absl::ToCivilDay(posted, zone), days), zone);
}

absl::StatusOr<bool> DecisionCommands::DeadlineDue(absl::Time now) const {
  bool due = false;
  const std::string limit = std::string(DecimalKey(absl::ToUnixSeconds(now - kReplyDeadlineGrace)).view());
  RETURN_IF_ERROR(store_->Scan(Family::kDeadlines, "", [&](absl::string_view key, absl::string_view) {
    due = key.substr(0, 20) <= limit;
    return false;
  }));
  return due;
}

absl::StatusOr<int> DecisionCommands::ProcessDueDeadlines(absl::Time now, int max) {
  std::vector<std::string> keys;
  const std::string limit = std::string(DecimalKey(absl::ToUnixSeconds(now - kReplyDeadlineGrace)).view());
  RETURN_IF_ERROR(store_->Scan(Family::kDeadlines, "", [&](absl::string_view key, absl::string_view) {
    if (key.substr(0, 20) > limit) return false;
    keys.emplace_back(key);
    return static_cast<int>(keys.size()) < max;
  }));
  for (const std::string& key : keys) {
    const std::string decision_id = key.substr(key.rfind('/') + 1);
    WriteBatch batch(*store_);
    batch.Delete(Family::kDeadlines, key);
    ASSIGN_OR_RETURN(std::optional<storage::v1::DecisionRecord> d, ReadDecision(*store_, decision_id));
    if (d) {
      absl::StatusOr<storage::v1::DecisionStatus> to = NextStatus(*d, LifecycleAction::kReplyDeadline, now, CityZone());
      // Answered, or in review: the deadline no longer applies.
      if (to.ok()) {
        // Told as an acceptance is: its leaving, then reaching them,
        // notifies the formal decision (GatewayCommands::DecisionReached).
        // Composed first: a read that fails leaves the audit chain as it was.
        std::vector<storage::v1::OutboxMessage> told;
        if (*to == storage::v1::CONFIRMED) {
          ASSIGN_OR_RETURN(told, ComposeTold(*d, kAcceptedMessageKind, AcceptedByDefaultText(), {}, now));
        }
        Transition(&batch, &*d, *to, "engine",
                   *to == storage::v1::LAPSED ? "no answer before the deadline: the offer lapsed"
                                              : "no answer before the deadline: accepted as the rule "
                                                "provides",
                   "", "reply deadline", now);
        if (*to == storage::v1::CONFIRMED) PutFormalDecision(&batch, *d, now);
        for (const storage::v1::OutboxMessage& m : told) PutNewMessage(&batch, m);
      }
    }
    RETURN_IF_ERROR(store_->Write(&batch, false));
  }
  return static_cast<int>(keys.size());
}

}  // namespace proactive
