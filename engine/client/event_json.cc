#include "engine/client/event_json.h"

#include <initializer_list>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/client/value_text.h"
#include "engine/common/field_error.h"
#include "engine/common/status_macros.h"
#include "engine/common/text_formats.h"
#include "nlohmann/json.hpp"

namespace proactive {
namespace {

using nlohmann::json;

absl::Status CheckKeys(const json& object, absl::string_view where, std::initializer_list<absl::string_view> allowed) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    bool known = false;
    for (absl::string_view a : allowed) known = known || a == it.key();
    if (!known) {
      return FieldError(absl::StrCat(where, where.empty() ? "" : ".", it.key()),
                        absl::StrCat("unknown key; expected one of: ", absl::StrJoin(allowed, ", ")));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RequiredString(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end()) return FieldError(key, "is required");
  if (!it->is_string()) return FieldError(key, "must be a string");
  return it->get<std::string>();
}

absl::StatusOr<google::protobuf::Timestamp> OccurredAt(const json& object) {
  ASSIGN_OR_RETURN(std::string text, RequiredString(object, "occurred_at"));
  absl::StatusOr<absl::Time> time = ParseRfc3339(text);
  if (!time.ok()) return FieldError("occurred_at", time.status().message());
  return ToProtoTimestamp(*time);
}

// Values keyed by name, typed by `find_type(name)` (null when unknown).
template <typename FindSpec>
absl::Status ReadNamedValues(const json& object, const char* key, FindSpec find_spec,
                             google::protobuf::RepeatedPtrField<v1::Attribute>* out) {
  auto it = object.find(key);
  if (it == object.end()) return absl::OkStatus();
  if (!it->is_object()) return FieldError(key, "must be an object of name: value");
  for (auto entry = it->begin(); entry != it->end(); ++entry) {
    std::string path = absl::StrCat(key, ".", entry.key());
    ASSIGN_OR_RETURN(const FieldSpec* spec, find_spec(entry.key(), path));
    v1::Attribute* attribute = out->Add();
    attribute->set_name(entry.key());
    ASSIGN_OR_RETURN(*attribute->mutable_value(), ValueFromJson(entry.value(), spec->type, path));
  }
  return absl::OkStatus();
}

absl::Status ReadLinks(const json& object, const char* key, google::protobuf::RepeatedPtrField<v1::Link>* out) {
  auto it = object.find(key);
  if (it == object.end()) return absl::OkStatus();
  if (!it->is_array()) return FieldError(key, "must be a list of {\"relation\", \"person_id\"}");
  for (size_t i = 0; i < it->size(); ++i) {
    const json& link = (*it)[i];
    std::string path = absl::StrCat(key, "[", i, "]");
    if (!link.is_object()) return FieldError(path, "must be {\"relation\": ..., \"person_id\": ...}");
    RETURN_IF_ERROR(CheckKeys(link, path, {"relation", "person_id"}));
    v1::Link* out_link = out->Add();
    auto relation = link.find("relation");
    if (relation == link.end() || !relation->is_string()) {
      return FieldError(absl::StrCat(path, ".relation"), "must be \"guardian\" or \"child\"");
    }
    if (*relation == "guardian") {
      out_link->set_relation(v1::RELATION_GUARDIAN);
    } else if (*relation == "child") {
      out_link->set_relation(v1::RELATION_CHILD);
    } else {
      return FieldError(absl::StrCat(path, ".relation"), "must be \"guardian\" or \"child\"");
    }
    auto person = link.find("person_id");
    if (person == link.end() || !person->is_string()) {
      return FieldError(absl::StrCat(path, ".person_id"), "is required");
    }
    out_link->set_person_id(person->get<std::string>());
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::PublishRequest> ParsePerson(const json& object, const AttributeSchema& schema) {
  RETURN_IF_ERROR(CheckKeys(object, "",
                            {"event_id", "person_id", "household_id", "source", "occurred_at", "set", "remove",
                             "links_added", "links_removed"}));
  v1::PublishRequest request;
  v1::PersonEvent* event = request.mutable_person();
  ASSIGN_OR_RETURN(*event->mutable_event_id(), RequiredString(object, "event_id"));
  ASSIGN_OR_RETURN(*event->mutable_person_id(), RequiredString(object, "person_id"));
  ASSIGN_OR_RETURN(*event->mutable_source(), RequiredString(object, "source"));
  if (object.contains("household_id")) {
    ASSIGN_OR_RETURN(*event->mutable_household_id(), RequiredString(object, "household_id"));
  }
  ASSIGN_OR_RETURN(*event->mutable_occurred_at(), OccurredAt(object));
  auto find_attribute = [&](const std::string& name, const std::string& path) -> absl::StatusOr<const FieldSpec*> {
    const AttributeSpec* spec = schema.FindAttribute(name);
    if (spec != nullptr) return spec;
    std::string hint = schema.SuggestAttribute(name);
    return FieldError(
        path, absl::StrCat("unknown attribute", hint.empty() ? "" : absl::StrCat(" (did you mean \"", hint, "\"?)")));
  };
  RETURN_IF_ERROR(ReadNamedValues(object, "set", find_attribute, event->mutable_set()));
  if (auto it = object.find("remove"); it != object.end()) {
    if (!it->is_array()) return FieldError("remove", "must be a list of attribute names");
    for (size_t i = 0; i < it->size(); ++i) {
      if (!(*it)[i].is_string()) return FieldError(absl::StrCat("remove[", i, "]"), "must be a string");
      event->add_removed((*it)[i].get<std::string>());
    }
  }
  RETURN_IF_ERROR(ReadLinks(object, "links_added", event->mutable_links_added()));
  RETURN_IF_ERROR(ReadLinks(object, "links_removed", event->mutable_links_removed()));
  return request;
}

absl::StatusOr<v1::PublishRequest> ParseBroadcast(const json& object, const AttributeSchema& schema) {
  RETURN_IF_ERROR(CheckKeys(object, "", {"event_id", "topic", "area", "source", "occurred_at", "fields"}));
  v1::PublishRequest request;
  v1::BroadcastEvent* event = request.mutable_broadcast();
  ASSIGN_OR_RETURN(*event->mutable_event_id(), RequiredString(object, "event_id"));
  ASSIGN_OR_RETURN(*event->mutable_topic(), RequiredString(object, "topic"));
  ASSIGN_OR_RETURN(*event->mutable_source(), RequiredString(object, "source"));
  if (object.contains("area")) {
    ASSIGN_OR_RETURN(*event->mutable_area(), RequiredString(object, "area"));
  }
  ASSIGN_OR_RETURN(*event->mutable_occurred_at(), OccurredAt(object));
  const TopicSpec* topic = schema.FindTopic(event->topic());
  if (topic == nullptr) return FieldError("topic", absl::StrCat("unknown topic \"", event->topic(), "\""));
  auto find_field = [&](const std::string& name, const std::string& path) -> absl::StatusOr<const FieldSpec*> {
    const FieldSpec* spec = topic->FindField(name);
    if (spec != nullptr) return spec;
    return FieldError(path, absl::StrCat("topic \"", topic->name, "\" has no such field"));
  };
  RETURN_IF_ERROR(ReadNamedValues(object, "fields", find_field, event->mutable_fields()));
  return request;
}

void PutLinks(const google::protobuf::RepeatedPtrField<v1::Link>& links, const char* key, json* object) {
  if (links.empty()) return;
  json list = json::array();
  for (const v1::Link& link : links) {
    list.push_back({{"relation", link.relation() == v1::RELATION_GUARDIAN ? "guardian" : "child"},
                    {"person_id", link.person_id()}});
  }
  (*object)[key] = std::move(list);
}

}  // namespace

absl::StatusOr<v1::PublishRequest> ParseEventJson(absl::string_view line, const AttributeSchema& schema) {
  json object;
  try {
    object = json::parse(line.begin(), line.end());
  } catch (const json::parse_error& e) {
    // e.byte is 1-based; the message says what was expected.
    std::string what = e.what();
    size_t colon = what.find("syntax error");
    return FieldError("", absl::StrCat("not valid JSON at byte ", e.byte, ": ",
                                       colon == std::string::npos ? what : what.substr(colon)));
  } catch (const json::exception& e) {
    // Not a syntax error but still unreadable, e.g. a number too large for a
    // double ("1e400" is out_of_range.406). Drop the "[json.exception...] ".
    std::string what = e.what();
    size_t bracket = what.find("] ");
    return FieldError("",
                      absl::StrCat("not valid JSON: ", bracket == std::string::npos ? what : what.substr(bracket + 2)));
  }
  if (!object.is_object()) return FieldError("", "each line must be one JSON object");
  if (object.contains("topic")) return ParseBroadcast(object, schema);
  return ParsePerson(object, schema);
}

std::string EventToJson(const v1::PublishRequest& request) {
  json object = json::object();
  const auto put_values = [](const auto& values, const char* key, json* out) {
    if (values.empty()) return;
    json map = json::object();
    for (const v1::Attribute& a : values) map[a.name()] = ValueToJson(a.value());
    (*out)[key] = std::move(map);
  };
  const auto occurred = [](const google::protobuf::Timestamp& ts) { return FormatRfc3339(FromProtoTimestamp(ts)); };
  if (request.has_person()) {
    const v1::PersonEvent& e = request.person();
    object["event_id"] = e.event_id();
    object["person_id"] = e.person_id();
    if (e.has_household_id()) object["household_id"] = e.household_id();
    object["source"] = e.source();
    object["occurred_at"] = occurred(e.occurred_at());
    put_values(e.set(), "set", &object);
    if (e.removed_size() > 0) {
      object["remove"] = json(std::vector<std::string>(e.removed().begin(), e.removed().end()));
    }
    PutLinks(e.links_added(), "links_added", &object);
    PutLinks(e.links_removed(), "links_removed", &object);
  } else if (request.has_broadcast()) {
    const v1::BroadcastEvent& e = request.broadcast();
    object["event_id"] = e.event_id();
    object["topic"] = e.topic();
    if (e.has_area()) object["area"] = e.area();
    object["source"] = e.source();
    object["occurred_at"] = occurred(e.occurred_at());
    put_values(e.fields(), "fields", &object);
  }
  return object.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace proactive
