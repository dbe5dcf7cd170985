// The proactive.v1.Ingestion gRPC service: Publish and PublishStream.
//
//   auto service = NewIngestionService({&schema, &writer, SystemClock(), {}});
//   builder.RegisterService(service.get());
//
// Validation runs on the gRPC thread; application and fsync on the event
// writer's thread; a call is answered once its event is durable.
#ifndef PROACTIVE_ENGINE_SERVICE_INGESTION_SERVICE_H_
#define PROACTIVE_ENGINE_SERVICE_INGESTION_SERVICE_H_

#include <memory>

#include "engine/common/clock.h"
#include "engine/common/swappable.h"
#include "engine/ingest/event_validator.h"
#include "engine/ingest/event_writer.h"
#include "engine/schema/attribute_schema.h"
#include "engine/service/access_control.h"
#include "grpcpp/impl/service_type.h"

namespace proactive {

struct IngestionServiceDeps {
  const Swappable<AccessPolicy>* access;     // not owned
  const Swappable<AttributeSchema>* schema;  // not owned
  EventWriter* writer;                       // not owned
  Clock* clock;                              // not owned
  IngestLimits limits;
  // Responses a stream may have pending before the service stops reading it
  // (backpressure): bounds memory per stream.
  int stream_window = 512;
};

// REQUIRES: everything in `deps` outlives the service.
std::unique_ptr<grpc::Service> NewIngestionService(IngestionServiceDeps deps);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_SERVICE_INGESTION_SERVICE_H_
