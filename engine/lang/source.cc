#include "engine/lang/source.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace proactive::lang {

SourcePosition PositionOf(absl::string_view text, int32_t offset) {
  const size_t end = std::min(static_cast<size_t>(std::max<int32_t>(offset, 0)), text.size());
  SourcePosition pos;
  for (size_t i = 0; i < end; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++pos.line;
      pos.column = 1;
    } else if (c == '\r') {
      // "\r\n" counts as one line break; a lone '\r' too.
      if (i + 1 < text.size() && text[i + 1] == '\n') continue;
      ++pos.line;
      pos.column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++pos.column;  // count lead bytes only: one per code point
    }
  }
  return pos;
}

Diagnostic MakeDiagnostic(absl::string_view text, int32_t offset, std::string message) {
  const SourcePosition pos = PositionOf(text, offset);
  Diagnostic d;
  d.line = pos.line;
  d.column = pos.column;
  d.message = std::move(message);
  d.source_line = SourceLine(text, pos.line);
  return d;
}

std::string QuoteForMessage(absl::string_view text) {
  if (text.size() > 40) return absl::StrCat("'", text.substr(0, 37), "...'");
  return absl::StrCat("'", text, "'");
}

}  // namespace proactive::lang
