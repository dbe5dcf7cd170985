// Values written as text in YAML (dated parameters, rule tests), typed by a
// schema type: "12000.00 EUR" as money, "2023-05-02" as a date, "true".
#ifndef PROACTIVE_ENGINE_RULES_TYPED_TEXT_H_
#define PROACTIVE_ENGINE_RULES_TYPED_TEXT_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/eval/value.h"
#include "engine/schema/attribute_schema.h"

namespace proactive {

// INVALID_ARGUMENT saying what form was expected. Lists are not written as
// text.
absl::StatusOr<eval::Value> TypedValueFromText(const TypeSpec& type, absl::string_view text);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_RULES_TYPED_TEXT_H_
