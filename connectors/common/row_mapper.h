// Applies a mapping (mapping.h) to one record: a person event with its
// deterministic event id, or a reference-table row.
//
//   ASSIGN_OR_RETURN(v1::PublishRequest event,
//                    MapRecordToEvent(mapping, record, "caf-allocataires",
//                    "EUR"));
//   // event.person().event_id() == "caf:caf-allocataires:P0042:3f9a0c21b7e4"
//
// A record is a JSON object: column name -> cell (CSV cells are strings).
// Event ids are "<source>:<dataset>:<row key>:<content hash>": reading the
// same row again gives the same id (the engine answers DUPLICATE), a changed
// row gives a new one. Errors are INVALID_ARGUMENT naming the column and the
// attribute; the caller adds the line number.
#ifndef PROACTIVE_CONNECTORS_COMMON_ROW_MAPPER_H_
#define PROACTIVE_CONNECTORS_COMMON_ROW_MAPPER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "connectors/common/mapping.h"
#include "nlohmann/json.hpp"
#include "proactive/v1/ingestion.pb.h"
#include "proactive/v1/reference.pb.h"

namespace proactive {

absl::StatusOr<v1::PublishRequest> MapRecordToEvent(const Mapping& mapping, const nlohmann::json& record,
                                                    absl::string_view dataset, absl::string_view currency);

absl::StatusOr<v1::ReferenceRow> MapRecordToReferenceRow(const Mapping& mapping, const nlohmann::json& record,
                                                         absl::string_view currency);

// An engine refusal of a mapped event, said in terms of the export: the
// engine's field "set[2].value" becomes the column that fed that attribute.
std::string DescribeEngineError(const Mapping& mapping, const v1::PublishRequest& request, const v1::EventError& error);

// The columns the mapping reads that `header` lacks (empty when none).
std::vector<std::string> MissingColumns(const Mapping& mapping, const std::vector<std::string>& header);

// "<source>:<dataset>:<row key>:<hash>" with the row key escaped (spaces,
// controls, '%', ':' and '/' as %XX) and replaced by a digest when the id
// would exceed 128 bytes.
std::string MakeEventId(absl::string_view source, absl::string_view dataset, absl::string_view row_key,
                        absl::string_view content_hash);

// First 12 hex digits of the SHA-256 of the event's JSON form without its id.
std::string EventContentHash(const v1::PublishRequest& request);

}  // namespace proactive

#endif  // PROACTIVE_CONNECTORS_COMMON_ROW_MAPPER_H_
