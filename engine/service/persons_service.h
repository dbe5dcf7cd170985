// The proactive.v1.Persons gRPC service: what the engine holds about a
// person, and forgetting them (GDPR erasure, a command of the writer).
#ifndef PROACTIVE_ENGINE_SERVICE_PERSONS_SERVICE_H_
#define PROACTIVE_ENGINE_SERVICE_PERSONS_SERVICE_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
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

// "+33639980002" -> "+336••••••02": whose contact it is, not the contact.
// Values of 6 bytes or fewer stay as they are (ToApiPerson masks a short
// declared contact whole).
std::string MaskedContact(absl::string_view text);

enum class ContactShown { kMasked, kWhole };

// The API view of a stored person: current attributes (each with its data
// category in `schema`, when it has one; contact data, and attributes the
// schema does not know, masked unless kWhole) and links only.
v1::Person ToApiPerson(const storage::v1::PersonState& state, const AttributeSchema* schema,
                       ContactShown contact = ContactShown::kMasked);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_SERVICE_PERSONS_SERVICE_H_
