// The proactive.v1.Decisions gRPC service: a person's decisions, one
// decision with everything it was made from.
#ifndef PROACTIVE_ENGINE_SERVICE_DECISIONS_SERVICE_H_
#define PROACTIVE_ENGINE_SERVICE_DECISIONS_SERVICE_H_

#include <memory>

#include "engine/common/swappable.h"
#include "engine/service/access_control.h"
#include "engine/store/store.h"
#include "grpcpp/impl/service_type.h"

namespace proactive {

// REQUIRES: `access` and `store` outlive the service.
std::unique_ptr<grpc::Service> NewDecisionsService(const Swappable<AccessPolicy>* access, const Store* store);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_SERVICE_DECISIONS_SERVICE_H_
