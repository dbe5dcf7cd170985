// A mistake in a file a person wrote (attribute schema, rule pack, rule
// expression), reported as data with its place in the file:
//
//   rules/paris/heatwave.yaml:14:22: unknown attribute "lives_alon"
//       when: person.lives_alon && has(person.phone)
//                    ^
//
// Loaders collect every diagnostic of a file in one pass instead of stopping
// at the first.
#ifndef PROACTIVE_ENGINE_COMMON_DIAGNOSTIC_H_
#define PROACTIVE_ENGINE_COMMON_DIAGNOSTIC_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace proactive {

struct Diagnostic {
  std::string file;         // path as given to the loader; may be empty
  int line = 0;             // 1-based; 0 when the mistake is about the whole file
  int column = 0;           // 1-based; 0 when unknown
  std::string message;      // what is wrong, and what would be right
  std::string source_line;  // the offending line, for the caret; may be empty
};

// "file:line:col: message", then the source line and a caret under the column
// when known.
std::string FormatDiagnostic(const Diagnostic& diagnostic);

// All diagnostics, one after the other.
std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics);

// Line `line` (1-based) of `text`, without its newline; "" when out of range.
std::string SourceLine(absl::string_view text, int line);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_COMMON_DIAGNOSTIC_H_
