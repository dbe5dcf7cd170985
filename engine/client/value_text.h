// Text forms of API values, as written in NDJSON events and shown by the CLI:
// dates "2023-02-14", money "1234.56 EUR", times RFC 3339, durations "3600s".
#ifndef PROACTIVE_ENGINE_CLIENT_VALUE_TEXT_H_
#define PROACTIVE_ENGINE_CLIENT_VALUE_TEXT_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/common/proto_time.h"  // ToProtoTimestamp, FromProtoTimestamp
#include "engine/schema/attribute_schema.h"
#include "google/protobuf/timestamp.pb.h"
#include "nlohmann/json.hpp"
#include "proactive/v1/value.pb.h"

namespace proactive {

// A JSON value typed by `type`. INVALID_ARGUMENT naming `path` when the JSON
// value does not have that type's form.
absl::StatusOr<v1::Value> ValueFromJson(const nlohmann::json& json, const TypeSpec& type, absl::string_view path);

// The JSON form accepted by ValueFromJson.
nlohmann::json ValueToJson(const v1::Value& value);

// Human-readable text: strings quoted, everything else as in JSON files.
std::string FormatValue(const v1::Value& value);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_CLIENT_VALUE_TEXT_H_
