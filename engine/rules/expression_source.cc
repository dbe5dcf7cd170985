#include "engine/rules/expression_source.h"

#include <algorithm>

#include "engine/common/diagnostic.h"

namespace proactive {
namespace {

struct RawChar {
  char c;
  SourcePosition position;
};

int Indentation(absl::string_view line) {
  int n = 0;
  while (n < static_cast<int>(line.size()) && line[n] == ' ') ++n;
  return n;
}

// The characters the scalar at (line, column) (0-based, yaml-cpp's mark) is
// made of in the file, with their positions; line ends as '\n'.
std::vector<RawChar> RawScalarChars(absl::string_view text, int line, int column) {
  std::vector<RawChar> raw;
  std::string first = SourceLine(text, line + 1);
  if (column >= static_cast<int>(first.size())) return raw;
  const char indicator = first[column];
  if (indicator == '>' || indicator == '|') {
    const int last_line = static_cast<int>(std::count(text.begin(), text.end(), '\n')) + 1;
    int base = -1;
    for (int l = line + 2; l <= last_line && l <= line + 200; ++l) {
      std::string content = SourceLine(text, l);
      if (content.find_first_not_of(' ') == std::string::npos) {
        raw.push_back({'\n', {l, 1}});  // a blank line inside the block
        continue;
      }
      int indent = Indentation(content);
      if (base < 0) base = indent;
      if (indent < base) break;  // the block ended
      for (int c = base; c < static_cast<int>(content.size()); ++c) raw.push_back({content[c], {l, c + 1}});
      raw.push_back({'\n', {l, static_cast<int>(content.size()) + 1}});
    }
    return raw;
  }
  int start = column + ((indicator == '"' || indicator == '\'') ? 1 : 0);
  for (int l = line + 1; l <= line + 20; ++l) {
    std::string content = SourceLine(text, l);
    int from = l == line + 1 ? start : Indentation(content);
    for (int c = from; c < static_cast<int>(content.size()); ++c) raw.push_back({content[c], {l, c + 1}});
    raw.push_back({'\n', {l, static_cast<int>(content.size()) + 1}});
  }
  return raw;
}

}  // namespace

ExpressionSource ExpressionSourceFromScalar(const YAML::Node& node, absl::string_view file_text, std::string what) {
  ExpressionSource source;
  source.text = node.Scalar();
  source.what = std::move(what);
  source.start = {YamlFile::Line(node), YamlFile::Column(node)};
  if (!node.IsDefined() || node.Mark().line < 0) return source;
  std::vector<RawChar> raw = RawScalarChars(file_text, node.Mark().line, node.Mark().column);
  std::vector<SourcePosition> positions;
  size_t j = 0;
  for (char v : source.text) {
    // Folding turns a line end into a space; indentation of continuation
    // lines is dropped.
    while (j < raw.size() && raw[j].c != v && raw[j].c == ' ' && v != ' ') ++j;
    if (j >= raw.size()) return source;
    if (raw[j].c == v || ((v == ' ' || v == '\n') && raw[j].c == '\n')) {
      positions.push_back(raw[j].position);
      ++j;
      continue;
    }
    return source;  // escapes or unusual folding: fall back to the start
  }
  source.positions = std::move(positions);
  if (!source.positions.empty()) source.start = source.positions.front();
  return source;
}

SourcePosition ExpressionSource::FilePosition(int line, int column) const {
  // Offset of (line, column) in `text`.
  size_t offset = 0;
  for (int l = 1; l < line && offset < text.size(); ++offset) {
    if (text[offset] == '\n') ++l;
  }
  offset += column > 0 ? column - 1 : 0;
  if (offset < positions.size()) return positions[offset];
  if (!positions.empty() && offset == positions.size()) {
    SourcePosition end = positions.back();
    ++end.column;
    return end;
  }
  return start;
}

}  // namespace proactive
