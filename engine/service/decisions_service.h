// The proactive.v1.Decisions gRPC service: a person's decisions, one
// decision with everything it was made from, its explanation; contests and
// answers to offers received by the back office.
#ifndef PROACTIVE_ENGINE_SERVICE_DECISIONS_SERVICE_H_
#define PROACTIVE_ENGINE_SERVICE_DECISIONS_SERVICE_H_

#include <memory>

#include "engine/common/clock.h"
#include "engine/common/swappable.h"
#include "engine/ingest/event_writer.h"
#include "engine/service/access_control.h"
#include "engine/service/rules_holder.h"
#include "engine/store/store.h"
#include "grpcpp/impl/service_type.h"

namespace proactive {

struct DecisionsServiceDeps {
  const Swappable<AccessPolicy>* access;
  const Store* store;
  EventWriter* writer;       // contests and answers are commands of the writer
  const RulesHolder* rules;  // schema descriptions and rule purposes for explanations
  Clock* clock;
};

// REQUIRES: everything in `deps` outlives the service.
std::unique_ptr<grpc::Service> NewDecisionsService(DecisionsServiceDeps deps);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_SERVICE_DECISIONS_SERVICE_H_
