#include "engine/schema/yaml_file.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/common/utf8.h"

namespace proactive {

YamlFile::YamlFile(std::string text, std::string file_name)
    : text_(std::move(text)), file_name_(std::move(file_name)) {}

bool YamlFile::Parse() {
  // Its texts reach decisions, letters and SMS, and the store keeps them as
  // they are (storage.proto): a file that is not UTF-8 is refused here.
  if (size_t bad = 0; !IsValidUtf8(text_, &bad)) {
    const size_t line_start = bad == 0 ? std::string::npos : text_.rfind('\n', bad - 1);
    const int line = 1 + static_cast<int>(std::count(text_.begin(), text_.begin() + bad, '\n'));
    const int column = static_cast<int>(bad - (line_start == std::string::npos ? 0 : line_start + 1)) + 1;
    ErrorAt(line, column, absl::StrCat("the file is not UTF-8 text (invalid byte at offset ", bad, ")"));
    return false;
  }
  try {
    root_ = YAML::Load(text_);
    return true;
  } catch (const YAML::Exception& e) {
    // e.msg holds the reason without yaml-cpp's own "line x, column y" prefix.
    ErrorAt(e.mark.line + 1, e.mark.column + 1, absl::StrCat("YAML syntax error: ", e.msg));
    return false;
  }
}

int YamlFile::Line(const YAML::Node& node) {
  if (!node.IsDefined() || node.Mark().line < 0) return 0;
  return node.Mark().line + 1;
}

int YamlFile::Column(const YAML::Node& node) {
  if (!node.IsDefined() || node.Mark().column < 0) return 0;
  return node.Mark().column + 1;
}

void YamlFile::Error(const YAML::Node& node, absl::string_view message) { ErrorAt(Line(node), Column(node), message); }

void YamlFile::ErrorAt(int line, int column, absl::string_view message) {
  Diagnostic d;
  d.file = file_name_;
  d.line = line;
  d.column = column;
  d.message = std::string(message);
  d.source_line = SourceLine(text_, line);
  diagnostics_.push_back(std::move(d));
}

bool YamlFile::CheckKeys(const YAML::Node& node, absl::string_view what, absl::Span<const absl::string_view> allowed) {
  if (!node.IsMap()) return true;
  bool ok = true;
  for (const auto& entry : node) {
    std::string key = entry.first.Scalar();
    bool known = false;
    for (absl::string_view a : allowed) known = known || a == key;
    if (!known) {
      ok = false;
      Error(entry.first,
            absl::StrCat("unknown key \"", key, "\" in ", what, "; expected one of: ", absl::StrJoin(allowed, ", ")));
    }
  }
  return ok;
}

std::optional<std::string> YamlFile::String(const YAML::Node& node, absl::string_view what) {
  if (!node.IsScalar()) {
    Error(node, absl::StrCat(what, " must be a text value"));
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<int64_t> YamlFile::Int(const YAML::Node& node, absl::string_view what) {
  int64_t value = 0;
  if (!node.IsScalar() || !absl::SimpleAtoi(node.Scalar(), &value)) {
    Error(node, absl::StrCat(what, " must be an integer"));
    return std::nullopt;
  }
  return value;
}

std::optional<TimeLimit> YamlFile::TimeLimitIn(const YAML::Node& map, absl::string_view key, absl::string_view days_key,
                                               int max_days) {
  const YAML::Node limit = map[std::string(key)];
  const YAML::Node days = map[std::string(days_key)];
  if (limit && days) {
    Error(days, absl::StrCat(days_key, " and ", key, " say the same: keep ", key, " (\"2 months\")"));
    return std::nullopt;
  }
  if (!limit && !days) return std::nullopt;
  std::string text;
  if (limit) {
    std::optional<std::string> value = String(limit, key);
    if (!value) return std::nullopt;
    text = *value;
  } else {
    std::optional<int64_t> n = Int(days, days_key);
    if (!n) return std::nullopt;
    text = absl::StrCat(*n, " days");
  }
  absl::StatusOr<TimeLimit> parsed = ParseTimeLimit(text, max_days);
  if (!parsed.ok()) {
    Error(limit ? limit : days, absl::StrCat(limit ? key : days_key, ": ", parsed.status().message()));
    return std::nullopt;
  }
  return *parsed;
}

std::optional<bool> YamlFile::Bool(const YAML::Node& node, absl::string_view what) {
  if (node.IsScalar()) {
    const std::string& s = node.Scalar();
    if (s == "true") return true;
    if (s == "false") return false;
  }
  Error(node, absl::StrCat(what, " must be true or false"));
  return std::nullopt;
}

std::optional<std::vector<std::string>> YamlFile::StringList(const YAML::Node& node, absl::string_view what) {
  std::vector<std::string> out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
    return out;
  }
  if (!node.IsSequence()) {
    Error(node, absl::StrCat(what, " must be a list of text values"));
    return std::nullopt;
  }
  for (const auto& item : node) {
    if (!item.IsScalar()) {
      Error(item, absl::StrCat(what, " must be a list of text values"));
      return std::nullopt;
    }
    out.push_back(item.Scalar());
  }
  return out;
}

absl::StatusOr<std::string> ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace proactive
