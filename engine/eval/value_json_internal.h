// nlohmann::json <-> Value, shared by value_json.cc and conformance_cases.cc.
// Internal to engine/eval.
#ifndef PROACTIVE_ENGINE_EVAL_VALUE_JSON_INTERNAL_H_
#define PROACTIVE_ENGINE_EVAL_VALUE_JSON_INTERNAL_H_

#include "absl/status/statusor.h"
#include "engine/eval/value.h"
#include "nlohmann/json.hpp"

namespace proactive::eval::internal {

absl::StatusOr<Value> ValueFromJson(const nlohmann::json& json);

}  // namespace proactive::eval::internal

#endif  // PROACTIVE_ENGINE_EVAL_VALUE_JSON_INTERNAL_H_
