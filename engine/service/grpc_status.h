// The one place where absl::Status becomes grpc::Status.
#ifndef PROACTIVE_ENGINE_SERVICE_GRPC_STATUS_H_
#define PROACTIVE_ENGINE_SERVICE_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace proactive {

// Same code, same message.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_SERVICE_GRPC_STATUS_H_
