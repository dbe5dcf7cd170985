#include "engine/service/decisions_service.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/common/clock.h"
#include "engine/common/field_error.h"
#include "engine/common/proto_time.h"
#include "engine/common/status_macros.h"
#include "engine/decision/decision_store.h"
#include "engine/decision/explanation.h"
#include "engine/decision/stored_decision.h"
#include "engine/ingest/value_conversion.h"
#include "engine/recourse/recourse_cases.h"
#include "engine/service/decision_conversion.h"
#include "engine/service/grpc_status.h"
#include "proactive/v1/decisions.grpc.pb.h"

namespace proactive {
namespace {

// Who acted for a citizen, for the history and the audit log: a caseworker
// entering a contest received by post or at a desk is recorded as one
// (audit list --actor caseworker:), a citizen desk as a back office.
std::string ActorForCitizen(const Principal& caller) {
  const bool caseworker = caller.roles.count(Role::kCaseworker) > 0 && !caller.citizen_desk;
  return absl::StrCat(caseworker ? "caseworker:" : "back-office:", caller.name);
}

class DecisionsService final : public v1::Decisions::CallbackService {
 public:
  explicit DecisionsService(DecisionsServiceDeps deps)
      : access_(deps.access), store_(deps.store), deps_(deps), rule_set_versions_(deps.store, &deps.rules->rules()) {}

  grpc::ServerUnaryReactor* Contest(grpc::CallbackServerContext* context, const v1::ContestRequest* request,
                                    v1::ContestResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::StatusOr<Principal> caller = access_->Get()->AuthorizeCaller(*context, kContestMethod);
    absl::Status status = caller.status();
    if (status.ok()) status = caller->AuthorizeForCitizens("contest decisions", /*as_caseworker=*/true);
    if (status.ok()) status = CheckTextField(request->reason(), "reason", kMaxReasonBytes);
    absl::StatusOr<std::string> decision_id = status.ok() ? DecisionIdIn(request->decision_id()) : status;
    if (!decision_id.ok()) {
      reactor->Finish(ToGrpcStatus(decision_id.status()));
      return reactor;
    }
    auto result = std::make_shared<ContestResult>();
    const std::string actor = ActorForCitizen(*caller);
    deps_.writer->Execute(
        [id = *decision_id, reason = request->reason(), actor, result, clock = deps_.clock](EventApplier& a) {
          absl::StatusOr<ContestResult> r = a.commands().Contest(id, actor, reason, clock->Now());
          if (!r.ok()) return r.status();
          *result = *r;
          return absl::OkStatus();
        },
        [reactor, response, result](absl::Status s) {
          if (s.ok()) {
            response->set_case_id(result->case_id);
            response->set_already_contested(result->already_contested);
          }
          reactor->Finish(ToGrpcStatus(s));
        });
    return reactor;
  }

  grpc::ServerUnaryReactor* AnswerOffer(grpc::CallbackServerContext* context, const v1::AnswerOfferRequest* request,
                                        v1::Decision* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::StatusOr<Principal> caller = access_->Get()->AuthorizeCaller(*context, kAnswerOfferMethod);
    absl::Status status = caller.status();
    if (status.ok()) status = caller->AuthorizeForCitizens("answer offers", /*as_caseworker=*/false);
    absl::StatusOr<std::string> decision_id = status.ok() ? DecisionIdIn(request->decision_id()) : status;
    if (decision_id.ok() && !request->has_accept()) decision_id = FieldError("accept", "is required (true or false)");
    if (!decision_id.ok()) {
      reactor->Finish(ToGrpcStatus(decision_id.status()));
      return reactor;
    }
    auto result = std::make_shared<storage::v1::DecisionRecord>();
    const std::string actor = ActorForCitizen(*caller);
    deps_.writer->Execute(
        [id = *decision_id, accept = request->accept(), actor, result, clock = deps_.clock](EventApplier& a) {
          absl::StatusOr<storage::v1::DecisionRecord> r =
              a.commands().Answer(id, accept, actor, "answer received by the back office", clock->Now());
          if (!r.ok()) return r.status();
          *result = *r;
          return absl::OkStatus();
        },
        [this, reactor, response, result](absl::Status s) {
          if (s.ok()) s = ExpandDecision(rule_set_versions_, result.get());
          if (s.ok()) *response = ToApiDecision(*result);
          reactor->Finish(ToGrpcStatus(s));
        });
    return reactor;
  }

  grpc::ServerUnaryReactor* Explain(grpc::CallbackServerContext* context, const v1::ExplainRequest* request,
                                    v1::Explanation* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::Status status = AuthorizeDecisionRead(*context, kExplainMethod);
    if (status.ok()) status = DoExplain(*request, response);
    reactor->Finish(ToGrpcStatus(status));
    return reactor;
  }

  grpc::ServerUnaryReactor* ListDecisions(grpc::CallbackServerContext* context, const v1::ListDecisionsRequest* request,
                                          v1::ListDecisionsResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::Status status = AuthorizeDecisionRead(*context, kListDecisionsMethod);
    if (status.ok()) status = List(*request, response);
    reactor->Finish(ToGrpcStatus(status));
    return reactor;
  }

  grpc::ServerUnaryReactor* GetDecision(grpc::CallbackServerContext* context, const v1::GetDecisionRequest* request,
                                        v1::Decision* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::Status status = AuthorizeDecisionRead(*context, kGetDecisionMethod);
    if (status.ok()) status = Get(*request, response);
    reactor->Finish(ToGrpcStatus(status));
    return reactor;
  }

 private:
  // The method's roles, then the principal's right to read decisions.
  absl::Status AuthorizeDecisionRead(const grpc::ServerContextBase& context, absl::string_view method) const {
    absl::StatusOr<Principal> caller = access_->Get()->AuthorizeCaller(context, method);
    return caller.ok() ? caller->AuthorizeDecisionReads() : caller.status();
  }

  absl::StatusOr<std::string> DecisionIdIn(const std::string& given) const {
    return DecisionIdNamed(*store_, given, "decision_id");
  }

  // A stored decision with its rule's texts.
  absl::StatusOr<std::optional<storage::v1::DecisionRecord>> Read(const std::string& decision_id) const {
    ASSIGN_OR_RETURN(std::optional<storage::v1::DecisionRecord> record, ReadDecision(*store_, decision_id));
    if (record) RETURN_IF_ERROR(ExpandDecision(rule_set_versions_, &*record));
    return record;
  }

  absl::Status List(const v1::ListDecisionsRequest& request, v1::ListDecisionsResponse* response) {
    RETURN_IF_ERROR(CheckIdentifier(request.person_id(), "person_id"));
    ASSIGN_OR_RETURN(std::vector<std::string> ids, ListDecisionIdsOfPerson(*store_, request.person_id()));
    std::vector<storage::v1::DecisionRecord> records;
    for (const std::string& id : ids) {
      ASSIGN_OR_RETURN(std::optional<storage::v1::DecisionRecord> record, Read(id));
      if (record) records.push_back(*std::move(record));
    }
    std::sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
      return std::make_pair(a.created_at().seconds(), a.decision_id()) <
             std::make_pair(b.created_at().seconds(), b.decision_id());
    });
    for (const auto& record : records) *response->add_decisions() = ToApiDecision(record);
    return absl::OkStatus();
  }

  absl::Status Get(const v1::GetDecisionRequest& request, v1::Decision* response) {
    ASSIGN_OR_RETURN(const std::string decision_id, DecisionIdIn(request.decision_id()));
    ASSIGN_OR_RETURN(std::optional<storage::v1::DecisionRecord> record, Read(decision_id));
    if (!record) {
      return FieldErrorWithCode(absl::StatusCode::kNotFound, "decision_id",
                                absl::StrCat("no decision \"", request.decision_id(), "\""));
    }
    *response = ToApiDecision(*record);
    return absl::OkStatus();
  }

  absl::Status DoExplain(const v1::ExplainRequest& request, v1::Explanation* out) {
    ASSIGN_OR_RETURN(const std::string decision_id, DecisionIdIn(request.decision_id()));
    if (request.has_language() && request.language() != "fr" && request.language() != "en") {
      return FieldError("language", "is fr or en");
    }
    ASSIGN_OR_RETURN(std::optional<storage::v1::DecisionRecord> d, Read(decision_id));
    if (!d) {
      return FieldErrorWithCode(absl::StatusCode::kNotFound, "decision_id",
                                absl::StrCat("no decision \"", request.decision_id(), "\""));
    }
    std::vector<storage::v1::RecourseCase> cases;
    for (const std::string& id : {ReviewCaseId(d->decision_id()), ContestCaseId(d->decision_id())}) {
      ASSIGN_OR_RETURN(std::optional<storage::v1::RecourseCase> c, ReadCase(*store_, id));
      if (c) cases.push_back(*std::move(c));
    }
    // A formal decision holds the values its offer's review amended, before
    // or after the offer was accepted: that review made them.
    if (!d->parent_decision_id().empty()) {
      for (const std::string& id : {ReviewCaseId(d->parent_decision_id()), ContestCaseId(d->parent_decision_id())}) {
        ASSIGN_OR_RETURN(std::optional<storage::v1::RecourseCase> c, ReadCase(*store_, id));
        if (!c || c->status() != storage::v1::CASE_RESOLVED || c->outcome() != storage::v1::OUTCOME_AMENDED ||
            c->amended_parameters_size() == 0) {
          continue;
        }
        // Made from the amended offer, or amended with it since (not when
        // it kept values of its own, or was cancelled).
        bool changed_by_it = FromProtoTimestamp(d->created_at()) >= FromProtoTimestamp(c->resolved_at());
        for (const storage::v1::StatusChange& change : d->history()) {
          changed_by_it = changed_by_it || change.cause() == absl::StrCat("case ", c->case_id());
        }
        if (changed_by_it) cases.push_back(*std::move(c));
      }
    }
    std::shared_ptr<const RuleSet> rules = deps_.rules->rules().Get();
    // The purpose of the rule that made it, or else of the running one.
    absl::StatusOr<storage::v1::RuleTexts> texts = rule_set_versions_.TextsOf(*d);
    std::string purpose = texts.ok() ? texts->purpose() : "";
    const CompiledRule* running = rules != nullptr ? rules->FindRule(d->rule_id()) : nullptr;
    if (purpose.empty() && running != nullptr) purpose = running->spec.purpose;
    DecisionExplanation e =
        ExplainDecision(*d, cases, rules != nullptr ? &rules->schema() : nullptr, purpose, request.language(),
                        deps_.clock->Now(), ZoneOrUtc(rules != nullptr ? rules->city().timezone : ""));
    out->set_decision_id(d->decision_id());
    out->set_language(e.language);
    out->set_text(e.text);
    out->set_automation(e.automation);
    for (const ExplainedData& data : e.data_used) {
      v1::ExplainedInput* in = out->add_data_used();
      in->set_path(data.path);
      if (!data.description.empty()) in->set_description(data.description);
      in->set_present(data.present);
      if (data.value_kept) in->set_value(data.value);
      if (!data.source.empty()) in->set_source(data.source);
      if (!data.as_of.empty()) in->set_as_of(data.as_of);
      if (!data.category.empty()) in->set_category(data.category);
    }
    v1::Decision api = ToApiDecision(*d);
    *out->mutable_parameters() = api.parameters_applied();
    for (const auto& [expression, value] : e.operations) {
      v1::TraceStep* step = out->add_operations();
      step->set_expression(expression);
      step->set_value(value);
    }
    *out->mutable_legal_basis() = api.legal_basis();
    out->set_how_to_contest(e.how_to_contest);
    out->set_appeal(e.appeal);
    *out->mutable_decision() = std::move(api);
    return absl::OkStatus();
  }

  const Swappable<AccessPolicy>* access_;
  const Store* store_;
  DecisionsServiceDeps deps_;
  RuleSetVersions rule_set_versions_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewDecisionsService(DecisionsServiceDeps deps) {
  return std::make_unique<DecisionsService>(deps);
}

}  // namespace proactive
