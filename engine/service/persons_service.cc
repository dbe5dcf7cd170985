#include "engine/service/persons_service.h"

#include <algorithm>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/common/field_error.h"
#include "engine/common/utf8.h"
#include "engine/ingest/value_conversion.h"
#include "engine/service/grpc_status.h"
#include "engine/store/records.h"
#include "proactive/v1/persons.grpc.pb.h"

namespace proactive {
namespace {

// A request reference is an identifier of the city's, never free text.
absl::Status CheckRequestReference(absl::string_view reference) {
  if (reference.empty()) return FieldError("request_reference", "is required (the city's reference of the request)");
  if (reference.size() > 64) return FieldError("request_reference", "is longer than 64 characters");
  for (char c : reference) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        std::string_view("._:/-").find(c) == std::string_view::npos) {
      return FieldError("request_reference",
                        "may hold only letters, digits and . _ : / - (a "
                        "reference, not a description)");
    }
  }
  return absl::OkStatus();
}

class PersonsService final : public v1::Persons::CallbackService {
 public:
  explicit PersonsService(PersonsServiceDeps deps) : access_(deps.access), store_(deps.store), deps_(deps) {}

  grpc::ServerUnaryReactor* ForgetPerson(grpc::CallbackServerContext* context, const v1::ForgetPersonRequest* request,
                                         v1::ForgetPersonResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    absl::StatusOr<Principal> caller = access_->Get()->AuthorizeCaller(*context, kForgetPersonMethod);
    absl::Status status = caller.status();
    if (status.ok() && !caller->may_erase) {
      // An erasure cannot be undone: only the system that receives the
      // requests makes it, not any back office (a weather feed).
      status = absl::PermissionDeniedError(
          absl::StrCat("\"", caller->name,
                       "\" may not forget persons: only a back office with \"erasure: true\" in the access file "
                       "may (the system that receives erasure requests)"));
    }
    if (status.ok()) status = CheckIdentifier(request->person_id(), "person_id");
    if (status.ok()) status = CheckRequestReference(request->request_reference());
    if (!status.ok()) {
      reactor->Finish(ToGrpcStatus(status));
      return reactor;
    }
    ErasureRequest erasure{request->person_id(), access_->Get()->Actor(*context, "back-office"),
                           request->request_reference()};
    auto result = std::make_shared<storage::v1::ErasureRecord>();
    deps_.writer->Execute(
        [erasure, result, clock = deps_.clock](EventApplier& a) {
          absl::StatusOr<storage::v1::ErasureRecord> r = a.eraser().Forget(erasure, clock->Now());
          if (!r.ok()) return r.status();
          *result = *std::move(r);
          return absl::OkStatus();
        },
        [reactor, response, result](absl::Status s) {
          if (s.ok()) {
            response->set_pseudonym(result->pseudonym());
            response->set_events_erased(result->events_erased());
            response->set_decisions_pseudonymised(result->decisions_pseudonymised());
            response->set_offers_withdrawn(result->offers_withdrawn());
            response->set_cases_pseudonymised(result->cases_pseudonymised());
            response->set_messages_deleted(result->messages_deleted());
            response->set_replies_erased(result->replies_erased());
            response->set_links_removed(result->links_removed());
            response->set_messages_suppressed(result->messages_suppressed());
          }
          reactor->Finish(ToGrpcStatus(s));
        });
    return reactor;
  }

  grpc::ServerUnaryReactor* GetPerson(grpc::CallbackServerContext* context, const v1::GetPersonRequest* request,
                                      v1::Person* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    // One policy for the whole call, even if the access file is reloaded: the
    // principal allowed is the one the audit log names.
    const std::shared_ptr<const AccessPolicy> access = access_->Get();
    absl::StatusOr<Principal> caller = access->AuthorizeCaller(*context, kGetPersonMethod);
    absl::Status status = caller.status();
    if (status.ok()) status = CheckIdentifier(request->person_id(), "person_id");
    if (status.ok() && request->has_reveal_contact_for()) {
      status = CheckIdentifier(request->reveal_contact_for(), "reveal_contact_for");
      // A person calls a citizen, not a system: only caseworkers see a number.
      if (status.ok()) status = access->AuthorizeRole(*context, Role::kCaseworker, "reveal_contact_for");
    }
    if (!status.ok() || !request->has_reveal_contact_for()) {
      reactor->Finish(ToGrpcStatus(status.ok() ? Get(*request, *caller, ContactShown::kMasked, response) : status));
      return reactor;
    }
    // Recorded before it is shown: a reveal the audit log lacks never happens.
    deps_.writer->Execute(
        [person_id = request->person_id(), purpose = request->reveal_contact_for(),
         actor = access->Actor(*context, "caseworker"), clock = deps_.clock](EventApplier& a) {
          return a.commands().RecordContactRevealed(person_id, purpose, actor, clock->Now());
        },
        [this, reactor, request, response, caller = *std::move(caller)](absl::Status s) {
          reactor->Finish(ToGrpcStatus(s.ok() ? Get(*request, caller, ContactShown::kWhole, response) : s));
        });
    return reactor;
  }

 private:
  absl::Status Get(const v1::GetPersonRequest& request, const Principal& caller, ContactShown contact,
                   v1::Person* response) {
    absl::StatusOr<std::optional<storage::v1::PersonState>> state = ReadPersonState(*store_, request.person_id());
    if (!state.ok()) return state.status();
    const bool bound_to_sources = !caller.ReadsEveryAttribute();
    // One answer whether the person is unknown or known only to other
    // systems: that another system holds something is not told either.
    const auto not_found = [&] {
      return FieldErrorWithCode(absl::StatusCode::kNotFound, "person_id",
                                bound_to_sources
                                    ? absl::StrCat("no person \"", request.person_id(), "\" that the sources of \"",
                                                   caller.name, "\" state anything of")
                                    : absl::StrCat("no person \"", request.person_id(),
                                                   "\": no event has named them, or they were forgotten"));
    };
    if (!*state) return not_found();
    std::shared_ptr<const AttributeSchema> schema = deps_.schema != nullptr ? deps_.schema->Get() : nullptr;
    *response = ToApiPerson(**state, schema.get(), contact);
    if (bound_to_sources) {
      // Another system's facts (an income, a health register) are not this
      // back office's to read; an attribute the schema no longer knows has no
      // owner it could be. Nor who stated a fact its sources share with
      // another (the citizens' portal for a phone), nor how many events all
      // systems sent.
      auto* attributes = response->mutable_attributes();
      attributes->erase(std::remove_if(attributes->begin(), attributes->end(),
                                       [&](const v1::AttributeState& attribute) {
                                         const AttributeSpec* spec =
                                             schema != nullptr ? schema->FindAttribute(attribute.name()) : nullptr;
                                         return spec == nullptr || !caller.SpeaksForAnyOf(spec->sources);
                                       }),
                        attributes->end());
      for (v1::AttributeState& attribute : *attributes) {
        if (!caller.SpeaksFor(attribute.source())) {
          attribute.clear_source();
          attribute.clear_event_id();
        }
      }
      response->clear_events_applied();
      // Its household and links, which any source may state, only with
      // something its sources state: else they would tell the person exists.
      if (response->attributes().empty()) {
        response->Clear();
        return not_found();
      }
    }
    return absl::OkStatus();
  }

  const Swappable<AccessPolicy>* access_;
  const Store* store_;
  const PersonsServiceDeps deps_;
};

}  // namespace

std::string MaskedContact(absl::string_view text) {
  if (text.size() <= 6) return std::string(text);
  // Whole characters only, the answer staying valid UTF-8, and the tail
  // shrinking rather than growing, so that the middle is always hidden.
  const absl::string_view head = Utf8Prefix(text, 4);
  size_t tail = text.size() - 2;
  while (tail < text.size() && (static_cast<unsigned char>(text[tail]) & 0xC0) == 0x80) ++tail;
  return absl::StrCat(head, "••••••", tail > head.size() ? text.substr(tail) : absl::string_view());
}

v1::Person ToApiPerson(const storage::v1::PersonState& state, const AttributeSchema* schema, ContactShown contact) {
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
    const AttributeSpec* spec = schema != nullptr ? schema->FindAttribute(entry.name()) : nullptr;
    if (spec != nullptr && !spec->category.empty()) attribute->set_category(spec->category);
    // An attribute the schema no longer knows is masked too: it may be one.
    if (contact == ContactShown::kMasked && (spec == nullptr || spec->category == "contact") &&
        attribute->value().has_string_value()) {
      // A number is masked whatever its length; a short value the schema
      // does not know, or a contact of a few allowed values ("fr"), says
      // nothing.
      std::string masked = spec != nullptr && spec->ReachesSomeone() && attribute->value().string_value().size() <= 6
                               ? std::string("••••••")
                               : MaskedContact(attribute->value().string_value());
      if (masked != attribute->value().string_value()) {
        attribute->mutable_value()->set_string_value(std::move(masked));
        attribute->set_masked(true);
      }
    }
  }
  for (const storage::v1::LinkEntry& entry : state.links()) {
    if (entry.removed()) continue;
    v1::Link* link = person.add_links();
    link->set_relation(entry.relation() == storage::v1::RELATION_GUARDIAN ? v1::RELATION_GUARDIAN : v1::RELATION_CHILD);
    link->set_person_id(entry.person_id());
  }
  return person;
}

std::unique_ptr<grpc::Service> NewPersonsService(PersonsServiceDeps deps) {
  return std::make_unique<PersonsService>(deps);
}

}  // namespace proactive
