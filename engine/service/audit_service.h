// The proactive.v1.Audit gRPC service: verifying the audit chain, reading
// the register of algorithms.
#ifndef PROACTIVE_ENGINE_SERVICE_AUDIT_SERVICE_H_
#define PROACTIVE_ENGINE_SERVICE_AUDIT_SERVICE_H_

#include <memory>

#include "engine/common/swappable.h"
#include "engine/service/access_control.h"
#include "engine/service/rules_holder.h"
#include "engine/store/store.h"
#include "grpcpp/impl/service_type.h"

namespace proactive {

// REQUIRES: everything outlives the service.
std::unique_ptr<grpc::Service> NewAuditService(const Swappable<AccessPolicy>* access, const Store* store,
                                               const RulesHolder* rules);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_SERVICE_AUDIT_SERVICE_H_
