#include "connectors/sms-kannel/gateway_api.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/grpcpp.h"
#include "proactive/v1/gateway.grpc.pb.h"

namespace proactive {
namespace {

absl::Status ToAbsl(const grpc::Status& status, absl::string_view call) {
  if (status.ok()) return absl::OkStatus();
  // gRPC and absl share the canonical code numbers.
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(call, ": ", status.error_message()));
}

class GrpcGatewayApi final : public GatewayApi {
 public:
  GrpcGatewayApi(EngineConnection connection, std::shared_ptr<grpc::Channel> channel, absl::Duration timeout)
      : connection_(std::move(connection)), stub_(v1::Gateway::NewStub(channel)), timeout_(timeout) {}

  absl::StatusOr<v1::LeaseMessagesResponse> Lease(const v1::LeaseMessagesRequest& request) override {
    v1::LeaseMessagesResponse response;
    grpc::ClientContext context;
    connection_.PrepareCall(&context, timeout_);
    grpc::Status status = stub_->LeaseMessages(&context, request, &response);
    if (!status.ok()) return ToAbsl(status, "LeaseMessages");
    return response;
  }

  absl::StatusOr<v1::AckMessageResponse> Ack(const v1::AckMessageRequest& request) override {
    v1::AckMessageResponse response;
    grpc::ClientContext context;
    connection_.PrepareCall(&context, timeout_);
    grpc::Status status = stub_->AckMessage(&context, request, &response);
    if (!status.ok()) return ToAbsl(status, "AckMessage");
    return response;
  }

  absl::StatusOr<v1::ReportDeliveryResponse> ReportDelivery(const v1::ReportDeliveryRequest& request) override {
    v1::ReportDeliveryResponse response;
    grpc::ClientContext context;
    connection_.PrepareCall(&context, timeout_);
    grpc::Status status = stub_->ReportDelivery(&context, request, &response);
    if (!status.ok()) return ToAbsl(status, "ReportDelivery");
    return response;
  }

  absl::StatusOr<v1::ReportReplyResponse> ReportReply(const v1::ReportReplyRequest& request) override {
    v1::ReportReplyResponse response;
    grpc::ClientContext context;
    connection_.PrepareCall(&context, timeout_);
    grpc::Status status = stub_->ReportReply(&context, request, &response);
    if (!status.ok()) return ToAbsl(status, "ReportReply");
    return response;
  }

 private:
  const EngineConnection connection_;
  const std::unique_ptr<v1::Gateway::Stub> stub_;  // thread-safe
  const absl::Duration timeout_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<GatewayApi>> ConnectGateway(const EngineConnection& connection, absl::Duration timeout) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = connection.Connect();
  if (!channel.ok()) return channel.status();
  return std::unique_ptr<GatewayApi>(new GrpcGatewayApi(connection, *std::move(channel), timeout));
}

bool IsTransientEngineError(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
      return true;
    default:
      return false;
  }
}

}  // namespace proactive
