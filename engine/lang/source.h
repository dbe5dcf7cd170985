// Positions inside an expression's text. Offsets are byte offsets; lines and
// columns are 1-based, and columns count characters (Unicode code points),
// which is what editors show.
//
//   Diagnostic d = MakeDiagnostic(text, offset, "undeclared reference to 'x'");
//   // d.line, d.column, d.source_line are set; d.file is empty.
#ifndef PROACTIVE_ENGINE_LANG_SOURCE_H_
#define PROACTIVE_ENGINE_LANG_SOURCE_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "engine/common/diagnostic.h"

namespace proactive::lang {

struct SourcePosition {
  int line = 1;
  int column = 1;
};

// The line and column of byte `offset` in `text` (clamped to the text).
SourcePosition PositionOf(absl::string_view text, int32_t offset);

// A diagnostic at `offset`, with the source line for the caret.
Diagnostic MakeDiagnostic(absl::string_view text, int32_t offset, std::string message);

// `text` quoted for a message: "'abc'", shortened with "..." past 40 bytes.
std::string QuoteForMessage(absl::string_view text);

}  // namespace proactive::lang

#endif  // PROACTIVE_ENGINE_LANG_SOURCE_H_
