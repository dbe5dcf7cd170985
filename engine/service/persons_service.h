// The proactive.v1.Persons gRPC service: what the engine holds about a
// person, and forgetting them (GDPR erasure, a command of the writer).
#ifndef PROACTIVE_ENGINE_SERVICE_PERSONS_SERVICE_H_
#define PROACTIVE_ENGINE_SERVICE_PERSONS_SERVICE_H_

#include <memory>

#include "engine/common/clock.h"
#include "engine/common/swappable.h"
#include "engine/ingest/event_writer.h"
#include "engine/schema/attribute_schema.h"
#include "engine/service/access_control.h"
#include "engine/store/store.h"
#include "grpcpp/impl/service_type.h"
#include "proactive/storage/v1/storage.pb.h"
#include "proactive/v1/persons.pb.h"

namespace proactive {

struct PersonsServiceDeps {
  const Swappable<AccessPolicy>* access;
  const Store* store;
  EventWriter* writer;  // ForgetPerson runs on the writer thread
  Clock* clock;
  const Swappable<AttributeSchema>* schema;  // names each attribute's data category
};

// REQUIRES: everything in `deps` outlives the service.
std::unique_ptr<grpc::Service> NewPersonsService(PersonsServiceDeps deps);

// The API view of a stored person: current attributes (each with its data
// category in `schema`, when it has one) and links only.
v1::Person ToApiPerson(const storage::v1::PersonState& state, const AttributeSchema* schema);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_SERVICE_PERSONS_SERVICE_H_
