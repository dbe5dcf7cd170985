#include "engine/common/diagnostic.h"

#include "absl/strings/str_cat.h"

namespace proactive {

std::string FormatDiagnostic(const Diagnostic& d) {
  std::string out = d.file.empty() ? "<input>" : d.file;
  if (d.line > 0) absl::StrAppend(&out, ":", d.line);
  if (d.line > 0 && d.column > 0) absl::StrAppend(&out, ":", d.column);
  absl::StrAppend(&out, ": ", d.message, "\n");
  if (!d.source_line.empty()) {
    absl::StrAppend(&out, "    ", d.source_line, "\n");
    if (d.column > 0) {
      std::string pad;
      // Keep tabs so the caret lines up under tab-indented source.
      for (int i = 0; i + 1 < d.column && i < static_cast<int>(d.source_line.size()); ++i) {
        pad.push_back(d.source_line[i] == '\t' ? '\t' : ' ');
      }
      absl::StrAppend(&out, "    ", pad, "^\n");
    }
  }
  return out;
}

std::string FormatDiagnostics(const std::vector<Diagnostic>& diagnostics) {
  std::string out;
  for (const Diagnostic& d : diagnostics) out += FormatDiagnostic(d);
  return out;
}

std::string SourceLine(absl::string_view text, int line) {
  if (line < 1) return "";
  size_t start = 0;
  for (int i = 1; i < line; ++i) {
    size_t nl = text.find('\n', start);
    if (nl == absl::string_view::npos) return "";
    start = nl + 1;
  }
  size_t end = text.find('\n', start);
  absl::string_view result = text.substr(start, end == absl::string_view::npos ? text.size() - start : end - start);
  if (!result.empty() && result.back() == '\r') result.remove_suffix(1);
  return std::string(result);
}

}  // namespace proactive
