#include "engine/service/persons_service.h"

#include "absl/strings/str_cat.h"
#include "engine/common/field_error.h"
#include "engine/ingest/value_conversion.h"
#include "engine/service/grpc_status.h"
#include "engine/store/records.h"
#include "proactive/v1/persons.grpc.pb.h"

namespace proactive {
namespace {

class PersonsService final : public v1::Persons::CallbackService {
 public:
  PersonsService(const Swappable<AccessPolicy>* access, const Store* store)
      : access_(access), store_(store) {}

  grpc::ServerUnaryReactor* GetPerson(grpc::CallbackServerContext* context,
                                      const v1::GetPersonRequest* request,
                                      v1::Person* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::Status allowed = access_->Get()->Authorize(*context, kGetPersonMethod);
    reactor->Finish(ToGrpcStatus(allowed.ok() ? Get(*request, response) : allowed));
    return reactor;
  }

 private:
  absl::Status Get(const v1::GetPersonRequest& request, v1::Person* response) {
    absl::Status valid = CheckIdentifier(request.person_id(), "person_id");
    if (!valid.ok()) return valid;
    absl::StatusOr<std::optional<storage::v1::PersonState>> state =
        ReadPersonState(*store_, request.person_id());
    if (!state.ok()) return state.status();
    if (!*state) {
      return FieldErrorWithCode(absl::StatusCode::kNotFound, "person_id",
                                absl::StrCat("no event named person \"", request.person_id(), "\""));
    }
    *response = ToApiPerson(**state);
    return absl::OkStatus();
  }

  const Swappable<AccessPolicy>* access_;
  const Store* store_;
};

}  // namespace

v1::Person ToApiPerson(const storage::v1::PersonState& state) {
  v1::Person person;
  person.set_person_id(state.person_id());
  if (!state.household_id().empty()) person.set_household_id(state.household_id());
  person.set_events_applied(state.events_applied());
  for (const storage::v1::AttributeEntry& entry : state.attributes()) {
    if (entry.removed()) continue;
    v1::AttributeState* attribute = person.add_attributes();
    attribute->set_name(entry.name());
    *attribute->mutable_value() = ToApiValue(entry.value());
    attribute->set_source(entry.source());
    *attribute->mutable_occurred_at() = entry.occurred_at();
    attribute->set_event_id(entry.event_id());
  }
  for (const storage::v1::LinkEntry& entry : state.links()) {
    if (entry.removed()) continue;
    v1::Link* link = person.add_links();
    link->set_relation(entry.relation() == storage::v1::RELATION_GUARDIAN ? v1::RELATION_GUARDIAN
                                                                        : v1::RELATION_CHILD);
    link->set_person_id(entry.person_id());
  }
  return person;
}

std::unique_ptr<grpc::Service> NewPersonsService(const Swappable<AccessPolicy>* access, const Store* store) {
  return std::make_unique<PersonsService>(access, store);
}

}  // namespace proactive
