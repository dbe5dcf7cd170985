// Client connections to proactived, shared by proactivectl and connectors.
//
//   std::shared_ptr<grpc::Channel> channel = ConnectToEngine("127.0.0.1:50051");
//   auto stub = v1::Ingestion::NewStub(channel);
#ifndef PROACTIVE_ENGINE_CLIENT_CHANNEL_H_
#define PROACTIVE_ENGINE_CLIENT_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"

namespace proactive {

// A channel to the engine at `address` ("host:port").
std::shared_ptr<grpc::Channel> ConnectToEngine(const std::string& address);

// Sets a deadline `timeout` from now on `context` (every call needs one: gRPC
// has no default deadline).
void SetDeadline(grpc::ClientContext* context, absl::Duration timeout);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_CLIENT_CHANNEL_H_
