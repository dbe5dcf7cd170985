// The engine's Gateway service (proto/proactive/v1/gateway.proto) as the SMS
// connector sees it: four calls returning absl::Status, so that the sending
// loop and the HTTP callbacks can be tested against a fake engine.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<GatewayApi> engine,
//                    ConnectGateway(EngineConnection::FromEnvironment(addr)));
//   v1::LeaseMessagesRequest request;
//   request.set_max_messages(20);
//   ASSIGN_OR_RETURN(v1::LeaseMessagesResponse leased, engine->Lease(request));
//
// Errors keep the engine's gRPC code as an absl code: UNAVAILABLE and
// DEADLINE_EXCEEDED mean "try again later" (IsTransientEngineError).
#ifndef PROACTIVE_CONNECTORS_SMS_KANNEL_GATEWAY_API_H_
#define PROACTIVE_CONNECTORS_SMS_KANNEL_GATEWAY_API_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/client/channel.h"
#include "proactive/v1/gateway.pb.h"

namespace proactive {

// Thread-safe implementations only: the HTTP callbacks call it from several
// threads while the sending loop leases.
class GatewayApi {
 public:
  virtual ~GatewayApi() = default;
  virtual absl::StatusOr<v1::LeaseMessagesResponse> Lease(const v1::LeaseMessagesRequest& request) = 0;
  virtual absl::StatusOr<v1::AckMessageResponse> Ack(const v1::AckMessageRequest& request) = 0;
  virtual absl::StatusOr<v1::ReportDeliveryResponse> ReportDelivery(const v1::ReportDeliveryRequest& request) = 0;
  virtual absl::StatusOr<v1::ReportReplyResponse> ReportReply(const v1::ReportReplyRequest& request) = 0;
};

// A GatewayApi over gRPC with `connection`'s TLS and token, each call with
// a deadline of `timeout`. INVALID_ARGUMENT when a credential file cannot be
// read.
absl::StatusOr<std::unique_ptr<GatewayApi>> ConnectGateway(const EngineConnection& connection,
                                                           absl::Duration timeout = absl::Seconds(15));

// True for errors worth retrying later with the same request: the engine is
// down, restarting, overloaded, or refuses our credentials (an operator can
// fix that while Kannel keeps retrying).
bool IsTransientEngineError(const absl::Status& status);

}  // namespace proactive

#endif  // PROACTIVE_CONNECTORS_SMS_KANNEL_GATEWAY_API_H_
