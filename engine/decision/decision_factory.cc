#include "engine/decision/decision_factory.h"

#include <algorithm>

#include "engine/common/clock.h"
#include "engine/common/proto_time.h"
#include "engine/common/text_formats.h"
#include "engine/decision/decision_store.h"
#include "engine/store/codec.h"
#include "engine/store/records.h"

namespace proactive {
namespace {

storage::v1::ActionKind StoredKind(ActionKind kind) {
  switch (kind) {
    case ActionKind::kNotify:
      return storage::v1::ACTION_NOTIFY;
    case ActionKind::kPropose:
      return storage::v1::ACTION_PROPOSE;
    case ActionKind::kGrant:
      return storage::v1::ACTION_GRANT;
    case ActionKind::kRefer:
      return storage::v1::ACTION_REFER;
  }
  return storage::v1::ACTION_KIND_UNSPECIFIED;
}

}  // namespace

TimeLimit RecourseWindow(const storage::v1::DecisionRecord& decision, absl::TimeZone zone) {
  if (decision.has_recourse_window()) return TimeLimitFromRecord(decision.recourse_window());
  const int64_t days = absl::ToCivilDay(FromProtoTimestamp(decision.recourse_deadline()), zone) -
                       absl::ToCivilDay(FromProtoTimestamp(decision.created_at()), zone);
  return TimeLimit::Days(static_cast<int>(std::max<int64_t>(days, 1)));
}

absl::string_view DecisionStatusName(storage::v1::DecisionStatus status) {
  switch (status) {
    case storage::v1::PROPOSED:
      return "proposed";
    case storage::v1::NOTIFIED:
      return "notified";
    case storage::v1::CONFIRMED:
      return "confirmed";
    case storage::v1::DECLINED:
      return "declined";
    case storage::v1::LAPSED:
      return "lapsed";
    case storage::v1::ISSUED:
      return "issued";
    case storage::v1::REFERRED:
      return "referred";
    case storage::v1::IN_REVIEW:
      return "in review";
    case storage::v1::UPHELD:
      return "upheld";
    case storage::v1::OVERTURNED:
      return "overturned";
    case storage::v1::AMENDED:
      return "amended";
    default:
      return "unknown";
  }
}

std::string DistrictOf(const CitySpec& city, const storage::v1::PersonState& subject) {
  if (city.district_attribute.empty()) return "";
  for (const storage::v1::AttributeEntry& a : subject.attributes()) {
    if (a.name() != city.district_attribute || a.removed()) continue;
    if (a.value().has_int_value()) return absl::StrCat(a.value().int_value());
    if (a.value().has_string_value()) return a.value().string_value();
  }
  return "";
}

storage::v1::DecisionRecord NewDecision(const CompiledRule& rule, const RuleSet& rules, const std::string& person_id,
                                        const std::string& decision_id, RuleOutcome outcome,
                                        const DecisionContext& context) {
  storage::v1::DecisionRecord d;
  FillNewDecision(rule, rules, person_id, decision_id, &outcome, context, &d);
  return d;
}

void FillNewDecision(const CompiledRule& rule, const RuleSet& rules, const std::string& person_id,
                     const std::string& decision_id, RuleOutcome* outcome, const DecisionContext& context,
                     storage::v1::DecisionRecord* decision) {
  decision->Clear();
  storage::v1::DecisionRecord& d = *decision;
  d.set_format_version(StorageFormat<storage::v1::DecisionRecord>::kWritten);
  d.set_decision_id(decision_id);
  d.set_reference_code(ReferenceCodeFor(d.decision_id()));
  d.set_person_id(person_id);
  for (const std::string& r : outcome->recipients) d.add_recipients(r);
  d.set_rule_id(rule.spec.id);
  d.set_rule_version(rule.version);
  d.set_pack(rule.pack->pack);
  d.set_pack_version(rule.pack->version);
  d.set_rule_set_version(rules.version());
  // Title, legal basis and condition are stored once per rule version (stored_decision.h).
  d.set_rule_texts_by_version(true);
  d.set_once_per(outcome->once_per);
  d.set_action_kind(StoredKind(rule.spec.action.kind));
  d.set_service(rule.spec.action.service);
  for (const auto& [name, value] : outcome->parameters) {
    storage::v1::NamedValue* p = d.add_parameters();
    p->set_name(name);
    *p->mutable_value() = ToStorageValue(value);
  }
  d.mutable_inputs()->Swap(&outcome->inputs);  // both on the heap: no copy
  d.mutable_parameters_applied()->Swap(&outcome->parameters_applied);
  d.mutable_packed_trace()->swap(outcome->packed_trace);
  d.set_triggered_by(context.triggered_by);
  d.set_evaluation_date(FormatIsoDate(context.today));
  *d.mutable_created_at() = ToProtoTimestamp(context.now);
  d.set_urgent(rule.spec.action.urgent);
  d.set_letter_fallback(rule.spec.action.letter);

  const absl::TimeZone zone = ZoneOrUtc(rules.city().timezone);
  storage::v1::DecisionStatus status = storage::v1::ISSUED;
  switch (rule.spec.action.kind) {
    case ActionKind::kPropose:
      status = storage::v1::PROPOSED;
      *d.mutable_reply_deadline() =
          ToProtoTimestamp(EndOfDay(context.today + rule.spec.action.reply_deadline_days, zone));
      d.set_accept_without_reply(rule.spec.action.without_reply == WithoutReply::kAccept);
      break;
    case ActionKind::kRefer:
      status = storage::v1::REFERRED;
      break;
    case ActionKind::kNotify:
    case ActionKind::kGrant:
      status = storage::v1::ISSUED;
      break;
  }
  if (rule.spec.action.review == "before_notify") status = storage::v1::IN_REVIEW;
  const TimeLimit window = rule.spec.action.recourse_window.value_or(rules.city().recourse_window);
  *d.mutable_recourse_window() = TimeLimitToRecord(window);
  *d.mutable_review_within() = TimeLimitToRecord(rule.spec.action.review_within.value_or(rules.city().review_within));
  // From the day it is made; moved later when it reaches the citizen later
  // (DecisionCommands::MarkNotified).
  *d.mutable_recourse_deadline() = ToProtoTimestamp(EndOfDay(LastDayToContest(window, context.today), zone));
  d.set_status(status);
  storage::v1::StatusChange* change = d.add_history();
  change->set_status(status);
  *change->mutable_at() = ToProtoTimestamp(context.now);
  change->set_actor("engine");
  change->set_cause(context.triggered_by);
  change->set_reason(std::string(CreationReason(status)));
}

absl::string_view TraceStepExpression(const storage::v1::DecisionRecord& decision, const storage::v1::TraceStep& step) {
  if (!step.expression().empty()) return step.expression();
  const absl::string_view condition = decision.condition();
  if (step.begin() < 0 || step.end() < step.begin() || static_cast<size_t>(step.end()) > condition.size()) return "";
  return condition.substr(step.begin(), step.end() - step.begin());
}

}  // namespace proactive
