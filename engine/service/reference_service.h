// The proactive.v1.ReferenceTables gRPC service: replace a reference table as
// a whole, read one row, read a table's version.
//
//   auto service = NewReferenceService({&access, &schema, store.get(), writer.get(), SystemClock()});
//   builder.RegisterService(service.get());
//
// A replacement is buffered in memory until the client closes its side, then
// checked on the gRPC thread and written in one batch by the event writer,
// answered once durable as --durability says (reference_records.h). The
// writer applies no event while it writes the table: replacing 2,000,000
// rows delays ingestion for as long.
#ifndef PROACTIVE_ENGINE_SERVICE_REFERENCE_SERVICE_H_
#define PROACTIVE_ENGINE_SERVICE_REFERENCE_SERVICE_H_

#include <cstddef>
#include <memory>

#include "engine/common/clock.h"
#include "engine/common/swappable.h"
#include "engine/ingest/event_writer.h"
#include "engine/schema/attribute_schema.h"
#include "engine/service/access_control.h"
#include "engine/store/store.h"
#include "grpcpp/impl/service_type.h"

namespace proactive {

struct ReferenceServiceDeps {
  const Swappable<AccessPolicy>* access;     // not owned
  const Swappable<AttributeSchema>* schema;  // not owned
  Store* store;                              // not owned: read here
  EventWriter* writer;                       // not owned: replacements are written by it
  Clock* clock;                              // not owned
  // Largest table accepted (rows); a larger replacement is refused with
  // RESOURCE_EXHAUSTED and changes nothing.
  size_t max_rows = 2'000'000;
};

// REQUIRES: everything in `deps` outlives the service.
std::unique_ptr<grpc::Service> NewReferenceService(ReferenceServiceDeps deps);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_SERVICE_REFERENCE_SERVICE_H_
