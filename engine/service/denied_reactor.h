// A stream reactor that ends the call at once with an error: what a
// streaming RPC returns to a caller who may not call it.
//
//   if (!allowed.ok()) return new DeniedBidiReactor<Req, Resp>(ToGrpcStatus(allowed));
#ifndef PROACTIVE_ENGINE_SERVICE_DENIED_REACTOR_H_
#define PROACTIVE_ENGINE_SERVICE_DENIED_REACTOR_H_

#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/status.h"

namespace proactive {

template <typename Request, typename Response>
class DeniedBidiReactor final : public grpc::ServerBidiReactor<Request, Response> {
 public:
  explicit DeniedBidiReactor(grpc::Status status) { this->Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

template <typename Request>
class DeniedReadReactor final : public grpc::ServerReadReactor<Request> {
 public:
  explicit DeniedReadReactor(grpc::Status status) { this->Finish(std::move(status)); }
  void OnDone() override { delete this; }
};

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_SERVICE_DENIED_REACTOR_H_
