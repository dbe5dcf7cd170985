#include "engine/service/decision_conversion.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/common/field_error.h"
#include "engine/common/status_macros.h"
#include "engine/decision/decision_factory.h"
#include "engine/decision/decision_store.h"
#include "engine/decision/lifecycle.h"
#include "engine/ingest/value_conversion.h"
#include "engine/store/records.h"

namespace proactive {

v1::Decision ToApiDecision(const storage::v1::DecisionRecord& r) {
  v1::Decision d;
  d.set_decision_id(r.decision_id());
  d.set_reference_code(r.reference_code());
  d.set_person_id(r.person_id());
  // A place emptied by an erasure (its subject forgotten) names nobody.
  for (const std::string& recipient : r.recipients()) {
    if (!recipient.empty()) d.add_recipients(recipient);
  }
  d.set_rule_id(r.rule_id());
  d.set_rule_version(r.rule_version());
  d.set_pack(r.pack());
  d.set_pack_version(r.pack_version());
  d.set_rule_set_version(r.rule_set_version());
  d.set_title(r.title());
  d.set_once_per(r.once_per());
  d.set_action(static_cast<v1::ActionKind>(r.action_kind()));
  d.set_service(r.service());
  for (const storage::v1::NamedValue& p : r.parameters()) {
    v1::Attribute* a = d.add_parameters();
    a->set_name(p.name());
    if (p.has_value()) *a->mutable_value() = ToApiValue(p.value());  // erased when pseudonymised
  }
  for (const std::string& basis : r.legal_basis()) d.add_legal_basis(basis);
  for (const storage::v1::DecisionInput& in : r.inputs()) {
    v1::DecisionInput* out = d.add_inputs();
    out->set_path(in.path());
    if (!in.person_id().empty()) out->set_person_id(in.person_id());
    out->set_present(in.present());
    if (in.present() && in.has_value()) *out->mutable_value() = ToApiValue(in.value());
    if (!in.source().empty()) out->set_source(in.source());
    if (in.has_occurred_at()) *out->mutable_occurred_at() = in.occurred_at();
    if (!in.event_id().empty()) out->set_event_id(in.event_id());
  }
  for (const storage::v1::AppliedParameter& p : r.parameters_applied()) {
    v1::AppliedParameter* out = d.add_parameters_applied();
    out->set_name(p.name());
    *out->mutable_value() = ToApiValue(p.value());
    out->set_since(p.since());
    out->set_legal_basis(p.legal_basis());
  }
  for (const storage::v1::TraceStep& t : r.trace()) {
    v1::TraceStep* out = d.add_trace();
    out->set_expression(std::string(TraceStepExpression(r, t)));
    out->set_value(t.value());
  }
  d.set_triggered_by(r.triggered_by());
  d.set_evaluation_date(r.evaluation_date());
  *d.mutable_created_at() = r.created_at();
  d.set_status(std::string(DecisionStatusName(r.status())));
  for (const storage::v1::StatusChange& c : r.history()) {
    v1::StatusChange* out = d.add_history();
    out->set_status(std::string(DecisionStatusName(c.status())));
    *out->mutable_at() = c.at();
    out->set_actor(c.actor());
    if (!c.reason().empty()) out->set_reason(c.reason());
    if (!c.legal_basis().empty()) out->set_legal_basis(c.legal_basis());
    if (!c.cause().empty()) out->set_cause(c.cause());
  }
  if (r.has_reply_deadline()) *d.mutable_reply_deadline() = r.reply_deadline();
  // Before notification the stored deadline is provisional: not shown.
  if (r.has_recourse_deadline() && TimeToContestStarted(r)) *d.mutable_recourse_deadline() = r.recourse_deadline();
  if (r.has_pseudonymised_at()) *d.mutable_pseudonymised_at() = r.pseudonymised_at();
  if (r.has_notified_at()) *d.mutable_notified_at() = r.notified_at();
  if (r.has_recourse_window()) d.set_recourse_window(TimeLimitText(TimeLimitFromRecord(r.recourse_window())));
  return d;
}

absl::StatusOr<std::vector<std::string>> DecisionIdsNamed(const Store& store, const std::string& given,
                                                          absl::string_view field) {
  RETURN_IF_ERROR(CheckIdentifier(given, field));
  if (absl::StartsWith(given, "d-")) return std::vector<std::string>{given};
  ASSIGN_OR_RETURN(std::vector<std::string> ids, FindDecisionIdsByReference(store, given));
  if (ids.empty()) {
    return FieldErrorWithCode(
        absl::StatusCode::kNotFound, field,
        absl::StrCat("no decision \"", given, "\" (neither a decision id, d-..., nor the reference code of one)"));
  }
  return ids;
}

absl::StatusOr<std::string> DecisionIdNamed(const Store& store, const std::string& given, absl::string_view field) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids, DecisionIdsNamed(store, given, field));
  if (ids.size() > 1) {
    return FieldErrorWithCode(absl::StatusCode::kFailedPrecondition, field,
                              absl::StrCat(ids.size(), " decisions have the reference code \"", given,
                                           "\": give the decision id (the person's decisions list it)"));
  }
  return ids[0];
}

}  // namespace proactive
