#include "engine/service/decisions_service.h"

#include "absl/strings/str_cat.h"
#include "engine/common/field_error.h"
#include "engine/common/status_macros.h"
#include "engine/decision/decision_store.h"
#include "engine/ingest/value_conversion.h"
#include "engine/service/decision_conversion.h"
#include "engine/service/grpc_status.h"
#include "proactive/v1/decisions.grpc.pb.h"

namespace proactive {
namespace {

class DecisionsService final : public v1::Decisions::CallbackService {
 public:
  DecisionsService(const Swappable<AccessPolicy>* access, const Store* store) : access_(access), store_(store) {}

  grpc::ServerUnaryReactor* ListDecisions(grpc::CallbackServerContext* context, const v1::ListDecisionsRequest* request,
                                          v1::ListDecisionsResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::Status status = access_->Get()->Authorize(*context, kListDecisionsMethod);
    if (status.ok()) status = List(*request, response);
    reactor->Finish(ToGrpcStatus(status));
    return reactor;
  }

  grpc::ServerUnaryReactor* GetDecision(grpc::CallbackServerContext* context, const v1::GetDecisionRequest* request,
                                        v1::Decision* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::Status status = access_->Get()->Authorize(*context, kGetDecisionMethod);
    if (status.ok()) status = Get(*request, response);
    reactor->Finish(ToGrpcStatus(status));
    return reactor;
  }

 private:
  absl::Status List(const v1::ListDecisionsRequest& request, v1::ListDecisionsResponse* response) {
    RETURN_IF_ERROR(CheckIdentifier(request.person_id(), "person_id"));
    ASSIGN_OR_RETURN(std::vector<std::string> ids, ListDecisionIdsOfPerson(*store_, request.person_id()));
    std::vector<storage::v1::DecisionRecord> records;
    for (const std::string& id : ids) {
      ASSIGN_OR_RETURN(std::optional<storage::v1::DecisionRecord> record, ReadDecision(*store_, id));
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
    RETURN_IF_ERROR(CheckIdentifier(request.decision_id(), "decision_id"));
    ASSIGN_OR_RETURN(std::optional<storage::v1::DecisionRecord> record, ReadDecision(*store_, request.decision_id()));
    if (!record) {
      return FieldErrorWithCode(absl::StatusCode::kNotFound, "decision_id",
                                absl::StrCat("no decision \"", request.decision_id(), "\""));
    }
    *response = ToApiDecision(*record);
    return absl::OkStatus();
  }

  const Swappable<AccessPolicy>* access_;
  const Store* store_;
};

}  // namespace

std::unique_ptr<grpc::Service> NewDecisionsService(const Swappable<AccessPolicy>* access, const Store* store) {
  return std::make_unique<DecisionsService>(access, store);
}

}  // namespace proactive
