// Where the characters of an expression written in YAML come from in the
// file, so that a diagnostic inside `when: >` (a folded block over several
// lines) points at the right line and column.
//
//   ExpressionSource when = ExpressionSourceFromScalar(node["when"], file.text(), "when");
//   SourcePosition at = when.FilePosition(1, 27);  // in the file
#ifndef PROACTIVE_ENGINE_RULES_EXPRESSION_SOURCE_H_
#define PROACTIVE_ENGINE_RULES_EXPRESSION_SOURCE_H_

#include <string>

#include "absl/strings/string_view.h"
#include "engine/rules/pack_spec.h"
#include "engine/schema/yaml_file.h"

namespace proactive {

// The scalar's value with the file position of each character. When the
// positions cannot be recovered (escapes in quoted strings), they are left
// empty and every diagnostic points at the scalar's start.
ExpressionSource ExpressionSourceFromScalar(const YAML::Node& node, absl::string_view file_text, std::string what);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_RULES_EXPRESSION_SOURCE_H_
