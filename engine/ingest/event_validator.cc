#include "engine/ingest/event_validator.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/common/field_error.h"
#include "engine/common/proto_time.h"
#include "engine/common/sha256.h"
#include "engine/common/status_macros.h"
#include "engine/common/text_formats.h"
#include "engine/common/utf8.h"
#include "engine/ingest/value_conversion.h"
#include "engine/store/codec.h"

namespace proactive {
namespace {

absl::Status CheckOccurredAt(bool has, const google::protobuf::Timestamp& ts, const IngestLimits& limits,
                             absl::Time now) {
  if (!has) return FieldError("occurred_at", "is required (when the fact happened, RFC 3339)");
  if (!IsValidProtoTimestamp(ts)) return FieldError("occurred_at", "is not a valid time");
  absl::Time when = absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
  if (when > now + limits.max_future_skew) {
    return FieldError("occurred_at",
                      absl::StrCat(FormatRfc3339(when), " is in the future (more than ",
                                   absl::FormatDuration(limits.max_future_skew), " ahead of the engine's clock)"));
  }
  return absl::OkStatus();
}

// Name of a schema attribute; error with a "did you mean" hint when unknown.
absl::StatusOr<const AttributeSpec*> FindAttributeOrError(const AttributeSchema& schema, const std::string& name,
                                                          const FieldPath& field) {
  size_t bad = 0;
  if (!IsValidUtf8(name, &bad)) return FieldError(field.Text(), absl::StrCat("invalid UTF-8 at byte ", bad));
  const AttributeSpec* spec = schema.FindAttribute(name);
  if (spec != nullptr) return spec;
  if (name.empty()) return FieldError(field.Text(), "is required");
  std::string hint = schema.SuggestAttribute(name);
  return FieldError(field.Text(), absl::StrCat("unknown attribute \"", name, "\"",
                                               hint.empty() ? "" : absl::StrCat(" (did you mean \"", hint, "\"?)"),
                                               "; attributes are declared in rules/schema.yaml"));
}

absl::Status CheckOwner(const AttributeSpec& spec, absl::string_view source, const FieldPath& field) {
  if (spec.IsOwnedBy(source)) return absl::OkStatus();
  std::string owners;
  for (const std::string& s : spec.sources) absl::StrAppend(&owners, owners.empty() ? "" : ", ", s);
  return FieldError(field.Text(),
                    absl::StrCat("source \"", source, "\" may not set \"", spec.name, "\"; it is owned by: ", owners));
}

// Seconds and nanos only: a Timestamp parsed from the wire may also carry
// unknown fields, which must neither be stored nor change the fingerprint.
void SetCanonicalTime(const google::protobuf::Timestamp& in, google::protobuf::Timestamp* out) {
  out->set_seconds(in.seconds());
  out->set_nanos(in.nanos());
}

storage::v1::Relation ToStorageRelation(v1::Relation relation) {
  return relation == v1::RELATION_GUARDIAN ? storage::v1::RELATION_GUARDIAN : storage::v1::RELATION_CHILD;
}

absl::Status ConvertLinks(const google::protobuf::RepeatedPtrField<v1::Link>& links, absl::string_view list_name,
                          absl::string_view person_id, std::set<std::pair<int, std::string>>* seen,
                          google::protobuf::RepeatedPtrField<storage::v1::LinkChange>* out) {
  for (int i = 0; i < links.size(); ++i) {
    const v1::Link& link = links[i];
    const FieldPath field(list_name, i);
    if (link.relation() != v1::RELATION_GUARDIAN && link.relation() != v1::RELATION_CHILD) {
      return FieldError(FieldPath(field, "relation").Text(), "must be RELATION_GUARDIAN or RELATION_CHILD");
    }
    const FieldPath person(field, "person_id");
    RETURN_IF_ERROR(CheckIdentifier(link.person_id(), person));
    if (link.person_id() == person_id) {
      return FieldError(person.Text(), "a person cannot be linked to themself");
    }
    if (!seen->emplace(static_cast<int>(link.relation()), link.person_id()).second) {
      return FieldError(field.Text(),
                        absl::StrCat("the link to \"", link.person_id(), "\" appears twice in this event"));
    }
    storage::v1::LinkChange* change = out->Add();
    change->set_relation(ToStorageRelation(link.relation()));
    change->set_person_id(link.person_id());
  }
  std::sort(out->begin(), out->end(), [](const auto& a, const auto& b) {
    return std::make_pair(static_cast<int>(a.relation()), a.person_id()) <
           std::make_pair(static_cast<int>(b.relation()), b.person_id());
  });
  return absl::OkStatus();
}

absl::StatusOr<storage::v1::PersonEventRecord> ValidatePerson(const v1::PersonEvent& event,
                                                              const AttributeSchema& schema, const IngestLimits& limits,
                                                              absl::Time now) {
  storage::v1::PersonEventRecord record;
  RETURN_IF_ERROR(CheckIdentifier(event.event_id(), "event_id"));
  RETURN_IF_ERROR(CheckIdentifier(event.person_id(), "person_id"));
  if (event.has_household_id()) {
    RETURN_IF_ERROR(CheckIdentifier(event.household_id(), "household_id"));
  }
  RETURN_IF_ERROR(CheckSystemName(event.source(), "source"));
  RETURN_IF_ERROR(CheckOccurredAt(event.has_occurred_at(), event.occurred_at(), limits, now));
  if (event.set_size() + event.removed_size() > limits.max_attributes) {
    return FieldError("set", absl::StrCat(event.set_size() + event.removed_size(), " attributes exceed the limit of ",
                                          limits.max_attributes, " per event"));
  }
  if (event.links_added_size() + event.links_removed_size() > limits.max_links) {
    return FieldError("links_added", absl::StrCat("more than ", limits.max_links, " links in one event"));
  }
  record.set_event_id(event.event_id());
  record.set_person_id(event.person_id());
  record.set_household_id(event.household_id());
  record.set_source(event.source());
  SetCanonicalTime(event.occurred_at(), record.mutable_occurred_at());

  // Views of the request's names, which outlive the validation.
  absl::flat_hash_set<absl::string_view> names;
  names.reserve(static_cast<size_t>(event.set_size() + event.removed_size()));
  for (int i = 0; i < event.set_size(); ++i) {
    const v1::Attribute& attribute = event.set(i);
    const FieldPath item("set", i);
    const FieldPath name(item, "name");
    ASSIGN_OR_RETURN(const AttributeSpec* spec, FindAttributeOrError(schema, attribute.name(), name));
    RETURN_IF_ERROR(CheckOwner(*spec, event.source(), name));
    if (!names.insert(attribute.name()).second) {
      return FieldError(name.Text(), absl::StrCat("\"", attribute.name(), "\" is set twice in this event"));
    }
    storage::v1::NamedValue* named = record.add_set();
    named->set_name(attribute.name());
    RETURN_IF_ERROR(
        ToStorageValue(attribute.value(), *spec, schema.currency(), FieldPath(item, "value"), named->mutable_value()));
  }
  for (int i = 0; i < event.removed_size(); ++i) {
    const FieldPath field("removed", i);
    ASSIGN_OR_RETURN(const AttributeSpec* spec, FindAttributeOrError(schema, event.removed(i), field));
    RETURN_IF_ERROR(CheckOwner(*spec, event.source(), field));
    if (!names.insert(event.removed(i)).second) {
      return FieldError(field.Text(),
                        absl::StrCat("\"", event.removed(i), "\" is both set and removed, or removed twice"));
    }
    record.add_removed(event.removed(i));
  }
  std::sort(record.mutable_set()->begin(), record.mutable_set()->end(),
            [](const auto& a, const auto& b) { return a.name() < b.name(); });
  std::sort(record.mutable_removed()->begin(), record.mutable_removed()->end());

  std::set<std::pair<int, std::string>> links_seen;
  RETURN_IF_ERROR(
      ConvertLinks(event.links_added(), "links_added", event.person_id(), &links_seen, record.mutable_links_added()));
  RETURN_IF_ERROR(ConvertLinks(event.links_removed(), "links_removed", event.person_id(), &links_seen,
                               record.mutable_links_removed()));
  return record;
}

absl::StatusOr<storage::v1::BroadcastEventRecord> ValidateBroadcast(const v1::BroadcastEvent& event,
                                                                    const AttributeSchema& schema,
                                                                    const IngestLimits& limits, absl::Time now) {
  storage::v1::BroadcastEventRecord record;
  RETURN_IF_ERROR(CheckIdentifier(event.event_id(), "event_id"));
  RETURN_IF_ERROR(CheckSystemName(event.topic(), "topic"));
  const TopicSpec* topic = schema.FindTopic(event.topic());
  if (topic == nullptr) {
    return FieldError("topic",
                      absl::StrCat("unknown topic \"", event.topic(), "\"; topics are declared in rules/schema.yaml"));
  }
  if (event.has_area()) RETURN_IF_ERROR(CheckIdentifier(event.area(), "area"));
  RETURN_IF_ERROR(CheckSystemName(event.source(), "source"));
  if (!topic->IsOwnedBy(event.source())) {
    return FieldError("source", absl::StrCat("source \"", event.source(), "\" may not publish \"", topic->name, "\""));
  }
  RETURN_IF_ERROR(CheckOccurredAt(event.has_occurred_at(), event.occurred_at(), limits, now));
  if (event.fields_size() > limits.max_attributes) {
    return FieldError("fields",
                      absl::StrCat(event.fields_size(), " fields exceed the limit of ", limits.max_attributes));
  }
  record.set_event_id(event.event_id());
  record.set_topic(event.topic());
  record.set_area(event.area());
  record.set_source(event.source());
  SetCanonicalTime(event.occurred_at(), record.mutable_occurred_at());
  absl::flat_hash_set<absl::string_view> names;
  names.reserve(static_cast<size_t>(event.fields_size()));
  for (int i = 0; i < event.fields_size(); ++i) {
    const v1::Attribute& field_value = event.fields(i);
    const FieldPath item("fields", i);
    const FieldSpec* spec = topic->FindField(field_value.name());
    if (size_t bad = 0; spec == nullptr && !IsValidUtf8(field_value.name(), &bad)) {
      // Not quoted in the error below: answers stay valid UTF-8.
      return FieldError(FieldPath(item, "name").Text(), absl::StrCat("invalid UTF-8 at byte ", bad));
    }
    if (spec == nullptr) {
      std::vector<std::string> known;
      for (const FieldSpec& f : topic->fields) known.push_back(f.name);
      std::string hint = ClosestName(field_value.name(), known);
      return FieldError(FieldPath(item, "name").Text(),
                        absl::StrCat("topic \"", topic->name, "\" has no field \"", field_value.name(), "\"",
                                     hint.empty() ? "" : absl::StrCat(" (did you mean \"", hint, "\"?)")));
    }
    if (!names.insert(field_value.name()).second) {
      return FieldError(FieldPath(item, "name").Text(), absl::StrCat("\"", field_value.name(), "\" is given twice"));
    }
    storage::v1::NamedValue* named = record.add_fields();
    named->set_name(field_value.name());
    RETURN_IF_ERROR(ToStorageValue(field_value.value(), *spec, schema.currency(), FieldPath(item, "value"),
                                   named->mutable_value()));
  }
  for (const FieldSpec& f : topic->fields) {
    if (names.count(f.name) == 0) {
      return FieldError("fields", absl::StrCat("topic \"", topic->name, "\" requires field \"", f.name, "\""));
    }
  }
  std::sort(record.mutable_fields()->begin(), record.mutable_fields()->end(),
            [](const auto& a, const auto& b) { return a.name() < b.name(); });
  return record;
}

}  // namespace

std::string EventFingerprint(const storage::v1::EventLogEntry& entry) {
  // The entry holding the event alone, encoded without copying the event
  // into a new entry (2 % of an event load's instructions went to that).
  if (entry.has_person()) {
    return Sha256Digest(EncodeRecordAsField(storage::v1::EventLogEntry::kPersonFieldNumber, entry.person()));
  }
  if (entry.has_broadcast()) {
    return Sha256Digest(EncodeRecordAsField(storage::v1::EventLogEntry::kBroadcastFieldNumber, entry.broadcast()));
  }
  return Sha256Digest("");  // an entry with neither encodes to nothing
}

absl::StatusOr<ValidatedEvent> ValidatePublishRequest(const v1::PublishRequest& request, const AttributeSchema& schema,
                                                      const IngestLimits& limits, absl::Time now) {
  size_t size = request.ByteSizeLong();
  if (size > limits.max_event_bytes) {
    return FieldError("event",
                      absl::StrCat(size, " bytes exceed the limit of ", limits.max_event_bytes, " bytes per event"));
  }
  ValidatedEvent validated;
  switch (request.event_case()) {
    case v1::PublishRequest::kPerson: {
      ASSIGN_OR_RETURN(*validated.entry.mutable_person(), ValidatePerson(request.person(), schema, limits, now));
      break;
    }
    case v1::PublishRequest::kBroadcast: {
      ASSIGN_OR_RETURN(*validated.entry.mutable_broadcast(),
                       ValidateBroadcast(request.broadcast(), schema, limits, now));
      break;
    }
    case v1::PublishRequest::EVENT_NOT_SET:
      return FieldError("event", "the request holds neither a person nor a broadcast event");
  }
  validated.entry.set_fingerprint(EventFingerprint(validated.entry));
  return validated;
}

}  // namespace proactive
