// The proactive.v1.RulesAdmin gRPC service: reload the packs, run the daily
// schedule, report status, simulate a rule set over the population.
#ifndef PROACTIVE_ENGINE_SERVICE_RULES_ADMIN_SERVICE_H_
#define PROACTIVE_ENGINE_SERVICE_RULES_ADMIN_SERVICE_H_

#include <memory>

#include "engine/common/clock.h"
#include "engine/common/swappable.h"
#include "engine/ingest/event_writer.h"
#include "engine/service/access_control.h"
#include "engine/service/rules_holder.h"
#include "engine/store/store.h"
#include "grpcpp/impl/service_type.h"

namespace proactive {

struct RulesAdminDeps {
  const Swappable<AccessPolicy>* access;
  RulesHolder* rules;
  EventWriter* writer;
  const Store* store;
  Clock* clock;
};

// REQUIRES: everything in `deps` outlives the service.
std::unique_ptr<grpc::Service> NewRulesAdminService(RulesAdminDeps deps);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_SERVICE_RULES_ADMIN_SERVICE_H_
