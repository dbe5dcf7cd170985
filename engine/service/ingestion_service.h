// The proactive.v1.Ingestion gRPC service: Publish, PublishStream and
// PublishBatch.
//
//   auto service = NewIngestionService({&schema, &writer, SystemClock(), {}});
//   builder.RegisterService(service.get());
//
// Validation runs on the gRPC thread; application and fsync on the event
// writer's thread; a call is answered once its event (every event of its
// batch) is durable. Memory is
// bounded per stream (stream_window answers) and over all calls
// (max_bytes_in_flight, see in_flight_budget.h).
#ifndef PROACTIVE_ENGINE_SERVICE_INGESTION_SERVICE_H_
#define PROACTIVE_ENGINE_SERVICE_INGESTION_SERVICE_H_

#include <cstdint>
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
  // Bytes of events, over all calls, read and not yet answered by the event
  // writer; each event counts its serialized size, at least
  // kMinInFlightEventCost. When spent, streams stop reading until the writer
  // catches up (backpressure, never a refusal): bounds memory over all
  // streams. Unary calls are counted but never wait.
  int64_t max_bytes_in_flight = 64 << 20;
};

inline constexpr int64_t kMinInFlightEventCost = 4096;
// Events in one PublishBatch call at most.
inline constexpr int kMaxBatchEvents = 10000;

// REQUIRES: everything in `deps` outlives the service.
std::unique_ptr<grpc::Service> NewIngestionService(IngestionServiceDeps deps);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_SERVICE_INGESTION_SERVICE_H_
