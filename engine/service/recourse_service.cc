#include "engine/service/recourse_service.h"

#include "absl/strings/str_cat.h"
#include "engine/common/field_error.h"
#include "engine/common/proto_time.h"
#include "engine/common/status_macros.h"
#include "engine/common/text_formats.h"
#include "engine/ingest/amended_parameters.h"
#include "engine/ingest/gateway_commands.h"
#include "engine/ingest/value_conversion.h"
#include "engine/recourse/recourse_cases.h"
#include "engine/service/grpc_status.h"
#include "proactive/v1/recourse.grpc.pb.h"

namespace proactive {
namespace {

class RecourseService final : public v1::Recourse::CallbackService {
 public:
  explicit RecourseService(RecourseServiceDeps deps) : deps_(deps) {}

  grpc::ServerUnaryReactor* ListCases(grpc::CallbackServerContext* context, const v1::ListCasesRequest* request,
                                      v1::ListCasesResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::Status status = deps_.access->Get()->Authorize(*context, kListCasesMethod);
    if (status.ok()) status = List(*request, response);
    reactor->Finish(ToGrpcStatus(status));
    return reactor;
  }

  grpc::ServerUnaryReactor* GetCase(grpc::CallbackServerContext* context, const v1::GetCaseRequest* request,
                                    v1::RecourseCase* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::Status status = deps_.access->Get()->Authorize(*context, kGetCaseMethod);
    if (status.ok()) status = CheckIdentifier(request->case_id(), "case_id");
    if (status.ok()) {
      absl::StatusOr<std::optional<storage::v1::RecourseCase>> c = ReadCase(*deps_.store, request->case_id());
      status = c.status();
      if (c.ok() && !c->has_value()) {
        status = FieldErrorWithCode(absl::StatusCode::kNotFound, "case_id",
                                    absl::StrCat("no recourse case \"", request->case_id(), "\""));
      } else if (c.ok()) {
        *response = ToApiCase(**c, deps_.clock->Now());
      }
    }
    reactor->Finish(ToGrpcStatus(status));
    return reactor;
  }

  grpc::ServerUnaryReactor* ClaimCase(grpc::CallbackServerContext* context, const v1::ClaimCaseRequest* request,
                                      v1::RecourseCase* response) override {
    const int lease = request->has_lease_seconds() ? request->lease_seconds() : 1800;
    absl::Status valid =
        lease >= 1 && lease <= 86400 ? absl::OkStatus() : FieldError("lease_seconds", "must be in 1..86400");
    return Command(context, kClaimCaseMethod, request->case_id(), valid, response,
                   [id = request->case_id(), lease](EventApplier& a, const std::string& who, absl::Time now) {
                     return a.commands().Claim(id, who, absl::Seconds(lease), now);
                   });
  }

  grpc::ServerUnaryReactor* AddNote(grpc::CallbackServerContext* context, const v1::AddNoteRequest* request,
                                    v1::RecourseCase* response) override {
    return Command(
        context, kAddNoteMethod, request->case_id(), CheckTextField(request->text(), "text", kMaxNoteBytes), response,
        [id = request->case_id(), text = request->text()](EventApplier& a, const std::string& who, absl::Time now) {
          return a.commands().AddNote(id, who, text, now);
        });
  }

  grpc::ServerUnaryReactor* ResolveCase(grpc::CallbackServerContext* context, const v1::ResolveCaseRequest* request,
                                        v1::RecourseCase* response) override {
    storage::v1::ReviewOutcome outcome = request->outcome() == "upheld"       ? storage::v1::OUTCOME_UPHELD
                                         : request->outcome() == "overturned" ? storage::v1::OUTCOME_OVERTURNED
                                         : request->outcome() == "amended"    ? storage::v1::OUTCOME_AMENDED
                                                                              : storage::v1::REVIEW_OUTCOME_UNSPECIFIED;
    absl::Status valid = outcome != storage::v1::REVIEW_OUTCOME_UNSPECIFIED
                             ? absl::OkStatus()
                             : FieldError("outcome", "is upheld, overturned or amended");
    if (valid.ok()) valid = CheckTextField(request->reason(), "reason", kMaxReasonBytes);
    if (valid.ok()) valid = CheckTextField(request->legal_basis(), "legal_basis", kMaxReasonBytes);
    std::vector<v1::Attribute> amended;
    if (valid.ok()) valid = CheckAmendedParameterNames(request->amended_parameters(), &amended);
    return Command(context, kResolveCaseMethod, request->case_id(), valid, response,
                   [id = request->case_id(), outcome, reason = request->reason(), basis = request->legal_basis(),
                    amended = std::move(amended)](EventApplier& a, const std::string& who, absl::Time now) {
                     return a.commands().Resolve(id, who, outcome, reason, basis, now, amended);
                   });
  }

  grpc::ServerUnaryReactor* ListInbox(grpc::CallbackServerContext* context, const v1::ListInboxRequest* request,
                                      v1::ListInboxResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::Status status = deps_.access->Get()->Authorize(*context, kListInboxMethod);
    if (status.ok()) {
      absl::StatusOr<std::vector<storage::v1::ReplyRecord>> replies =
          proactive::ListInbox(*deps_.store, request->include_read());
      status = replies.status();
      if (replies.ok()) {
        for (const auto& r : *replies) *response->add_replies() = ToApiReply(r);
      }
    }
    reactor->Finish(ToGrpcStatus(status));
    return reactor;
  }

  grpc::ServerUnaryReactor* MarkRead(grpc::CallbackServerContext* context, const v1::MarkReadRequest* request,
                                     v1::InboxReply* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::Status status = deps_.access->Get()->Authorize(*context, kMarkReadMethod);
    if (status.ok()) status = CheckIdentifier(request->reply_id(), "reply_id");
    if (!status.ok()) {
      reactor->Finish(ToGrpcStatus(status));
      return reactor;
    }
    const std::string who = deps_.access->Get()->Actor(*context, "caseworker");
    auto result = std::make_shared<storage::v1::ReplyRecord>();
    deps_.writer->Execute(
        [id = request->reply_id(), who, result, clock = deps_.clock](EventApplier& a) {
          absl::StatusOr<storage::v1::ReplyRecord> r = a.gateway().MarkRead(id, who, clock->Now());
          if (!r.ok()) return r.status();
          *result = *std::move(r);
          return absl::OkStatus();
        },
        [reactor, response, result](absl::Status s) {
          if (s.ok()) *response = ToApiReply(*result);
          reactor->Finish(ToGrpcStatus(s));
        });
    return reactor;
  }

 private:
  static v1::InboxReply ToApiReply(const storage::v1::ReplyRecord& r) {
    v1::InboxReply out;
    out.set_reply_id(r.reply_id());
    *out.mutable_received_at() = r.received_at();
    if (!r.sender_person_id().empty()) out.set_sender_person_id(r.sender_person_id());
    out.set_text(r.text());
    out.set_why(r.outcome());
    if (!r.decision_id().empty()) out.set_decision_id(r.decision_id());
    out.set_read(r.read());
    return out;
  }

  using CaseCommand =
      std::function<absl::StatusOr<storage::v1::RecourseCase>(EventApplier&, const std::string&, absl::Time)>;

  // Checks the caller, then runs `command` on the writer thread with the
  // caller's identity; answers once durable.
  grpc::ServerUnaryReactor* Command(grpc::CallbackServerContext* context, absl::string_view method,
                                    const std::string& case_id, absl::Status valid, v1::RecourseCase* response,
                                    CaseCommand command) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::Status status = deps_.access->Get()->Authorize(*context, method);
    if (status.ok()) status = CheckIdentifier(case_id, "case_id");
    if (status.ok()) status = valid;
    if (!status.ok()) {
      reactor->Finish(ToGrpcStatus(status));
      return reactor;
    }
    const std::string who = deps_.access->Get()->Actor(*context, "caseworker");
    auto result = std::make_shared<storage::v1::RecourseCase>();
    Clock* clock = deps_.clock;
    deps_.writer->Execute(
        [command, who, result, clock](EventApplier& a) {
          absl::StatusOr<storage::v1::RecourseCase> c = command(a, who, clock->Now());
          if (!c.ok()) return c.status();
          *result = *std::move(c);
          return absl::OkStatus();
        },
        [reactor, response, result, clock](absl::Status s) {
          if (s.ok()) *response = ToApiCase(*result, clock->Now());
          reactor->Finish(ToGrpcStatus(s));
        });
    return reactor;
  }

  absl::Status List(const v1::ListCasesRequest& request, v1::ListCasesResponse* response) {
    CaseFilter filter;
    filter.open_only = !request.include_resolved();
    filter.service = request.service();
    filter.arrondissement = request.arrondissement();
    if (request.has_due_before()) {
      absl::StatusOr<absl::CivilDay> day = ParseIsoDate(request.due_before());
      if (!day.ok()) return FieldError("due_before", day.status().message());
      // Due before the start of that day in the city, not in UTC.
      filter.due_before = absl::FromCivil(*day, CityZone(*deps_.rules));
    }
    if (request.has_limit()) {
      if (request.limit() < 1 || request.limit() > 1000) return FieldError("limit", "must be in 1..1000");
      filter.limit = request.limit();
    }
    ASSIGN_OR_RETURN(std::vector<storage::v1::RecourseCase> cases, proactive::ListCases(*deps_.store, filter));
    const absl::Time now = deps_.clock->Now();
    for (const auto& c : cases) *response->add_cases() = ToApiCase(c, now);
    return absl::OkStatus();
  }

  RecourseServiceDeps deps_;
};

}  // namespace

v1::RecourseCase ToApiCase(const storage::v1::RecourseCase& c, absl::Time now) {
  v1::RecourseCase out;
  out.set_case_id(c.case_id());
  out.set_decision_id(c.decision_id());
  out.set_person_id(c.person_id());
  out.set_service(c.service());
  out.set_rule_id(c.rule_id());
  out.set_arrondissement(c.arrondissement());
  out.set_kind(c.kind() == storage::v1::REVIEW_BEFORE_NOTIFY ? "review before notify" : "contest");
  out.set_status(c.status() == storage::v1::CASE_RESOLVED ? "resolved" : "open");
  *out.mutable_opened_at() = c.opened_at();
  *out.mutable_due_at() = c.due_at();
  out.set_overdue(c.status() == storage::v1::CASE_OPEN && FromProtoTimestamp(c.due_at()) < now);
  out.set_opened_by(c.opened_by());
  if (!c.contest_reason().empty()) out.set_contest_reason(c.contest_reason());
  if (IsClaimed(c, now)) {
    out.set_claimed_by(c.claimed_by());
    *out.mutable_claim_expires_at() = c.claim_expires_at();
  }
  for (const storage::v1::CaseNote& n : c.notes()) {
    v1::CaseNote* note = out.add_notes();
    note->set_caseworker(n.caseworker());
    *note->mutable_at() = n.at();
    note->set_text(n.text());
  }
  if (c.status() == storage::v1::CASE_RESOLVED) {
    out.set_outcome(std::string(CaseOutcomeName(c.outcome())));
    out.set_resolution_reason(c.resolution_reason());
    out.set_resolution_legal_basis(c.resolution_legal_basis());
    out.set_resolved_by(c.resolved_by());
    *out.mutable_resolved_at() = c.resolved_at();
  }
  for (int i = 0; i < c.amended_parameters_size(); ++i) {
    v1::AmendedParameter* p = out.add_amended_parameters();
    p->set_name(c.amended_parameters(i).name());
    if (i < c.parameters_before_size()) *p->mutable_before() = ToApiValue(c.parameters_before(i).value());
    *p->mutable_after() = ToApiValue(c.amended_parameters(i).value());
  }
  return out;
}

std::unique_ptr<grpc::Service> NewRecourseService(RecourseServiceDeps deps) {
  return std::make_unique<RecourseService>(deps);
}

}  // namespace proactive
