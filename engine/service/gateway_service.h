// The proactive.v1.Gateway gRPC service: what an SMS gateway (the Kannel
// connector) calls. Every call is a command of the writer thread, answered
// once its effect is durable.
#ifndef PROACTIVE_ENGINE_SERVICE_GATEWAY_SERVICE_H_
#define PROACTIVE_ENGINE_SERVICE_GATEWAY_SERVICE_H_

#include <memory>

#include "engine/common/clock.h"
#include "engine/common/swappable.h"
#include "engine/ingest/event_writer.h"
#include "engine/service/access_control.h"
#include "grpcpp/impl/service_type.h"

namespace proactive {

// REQUIRES: everything outlives the service.
std::unique_ptr<grpc::Service> NewGatewayService(const Swappable<AccessPolicy>* access, EventWriter* writer,
                                                 Clock* clock);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_SERVICE_GATEWAY_SERVICE_H_
