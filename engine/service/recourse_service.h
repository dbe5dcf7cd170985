// The proactive.v1.Recourse gRPC service: the caseworkers' queue. Every
// action records the calling caseworker's identity (from their certificate
// or token), in the case and in the audit log.
#ifndef PROACTIVE_ENGINE_SERVICE_RECOURSE_SERVICE_H_
#define PROACTIVE_ENGINE_SERVICE_RECOURSE_SERVICE_H_

#include <memory>

#include "engine/common/clock.h"
#include "engine/common/swappable.h"
#include "engine/ingest/event_writer.h"
#include "engine/service/access_control.h"
#include "engine/service/rules_holder.h"
#include "engine/store/store.h"
#include "grpcpp/impl/service_type.h"
#include "proactive/storage/v1/storage.pb.h"
#include "proactive/v1/recourse.pb.h"

namespace proactive {

struct RecourseServiceDeps {
  const Swappable<AccessPolicy>* access;
  const Store* store;
  EventWriter* writer;
  Clock* clock;
  const RulesHolder* rules;  // the city's time zone (due_before is a day there)
};

// REQUIRES: everything in `deps` outlives the service.
std::unique_ptr<grpc::Service> NewRecourseService(RecourseServiceDeps deps);

v1::RecourseCase ToApiCase(const storage::v1::RecourseCase& c, absl::Time now);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_SERVICE_RECOURSE_SERVICE_H_
