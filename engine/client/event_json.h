// The NDJSON event format (docs/events.md): one JSON object per line, values
// written as people write them and typed by the attribute schema.
//
//   {"event_id":"civ-1","person_id":"P1","source":"etat-civil",
//    "occurred_at":"2023-02-15T09:00:00Z","set":{"birth_date":"2023-02-14"}}
//
//   ASSIGN_OR_RETURN(v1::PublishRequest request, ParseEventJson(line, schema));
//
// Errors are INVALID_ARGUMENT naming the JSON path ("set.birth_date: ...").
#ifndef PROACTIVE_ENGINE_CLIENT_EVENT_JSON_H_
#define PROACTIVE_ENGINE_CLIENT_EVENT_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/schema/attribute_schema.h"
#include "proactive/v1/ingestion.pb.h"

namespace proactive {

// Parses one line: a person event, or a broadcast when it has "topic".
absl::StatusOr<v1::PublishRequest> ParseEventJson(absl::string_view line, const AttributeSchema& schema);

// Writes `request` as one JSON line in the same format (no newline).
std::string EventToJson(const v1::PublishRequest& request);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_CLIENT_EVENT_JSON_H_
