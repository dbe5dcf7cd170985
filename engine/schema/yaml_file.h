// Reading a YAML file a person wrote, collecting diagnostics with positions
// instead of throwing. Shared by the schema loader and the rule-pack loader.
//
//   YamlFile file(text, "rules/schema.yaml");
//   if (!file.Parse()) return file.diagnostics();
//   file.CheckKeys(node, "attribute \"phone\"", {"type", "sources"});
//   file.Error(node["type"], "unknown type \"dat\"");
//
// yaml-cpp reports errors by exception; this is the one place they are caught.
#ifndef PROACTIVE_ENGINE_SCHEMA_YAML_FILE_H_
#define PROACTIVE_ENGINE_SCHEMA_YAML_FILE_H_

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "engine/common/diagnostic.h"
#include "engine/common/time_limit.h"
#include "yaml-cpp/yaml.h"

namespace proactive {

class YamlFile {
 public:
  YamlFile(std::string text, std::string file_name);

  // Parses the text. False (with a diagnostic) on a YAML syntax error.
  bool Parse();
  const YAML::Node& root() const { return root_; }
  const std::string& text() const { return text_; }
  const std::string& file_name() const { return file_name_; }

  // Records a diagnostic at `node` (or at the start of the file when the node
  // has no position).
  void Error(const YAML::Node& node, absl::string_view message);
  // Records a diagnostic at a 1-based line and column.
  void ErrorAt(int line, int column, absl::string_view message);

  // Reports every key of map `node` not in `allowed` ("unknown key "x" in
  // <what>; expected one of: ..."). False when one was found.
  bool CheckKeys(const YAML::Node& node, absl::string_view what, absl::Span<const absl::string_view> allowed);

  // Typed scalar reads. On a wrong type they record a diagnostic naming
  // `what` and return nullopt.
  std::optional<std::string> String(const YAML::Node& node, absl::string_view what);
  std::optional<int64_t> Int(const YAML::Node& node, absl::string_view what);
  std::optional<bool> Bool(const YAML::Node& node, absl::string_view what);
  // A scalar or a sequence of scalars, as a list of strings.
  std::optional<std::vector<std::string>> StringList(const YAML::Node& node, absl::string_view what);
  // A time limit of map `map`: under `key` ("2 months", "30 days") or, as
  // files written before 2026-12-05 say it, a number of days under
  // `days_key`. nullopt when neither is there, or with a diagnostic (both
  // there, not a time limit, out of 1 day..`max_days`).
  std::optional<TimeLimit> TimeLimitIn(const YAML::Node& map, absl::string_view key, absl::string_view days_key,
                                       int max_days);

  // 1-based line and column of `node` (0 when unknown).
  static int Line(const YAML::Node& node);
  static int Column(const YAML::Node& node);

  bool has_errors() const { return !diagnostics_.empty(); }
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  std::vector<Diagnostic> TakeDiagnostics() { return std::move(diagnostics_); }

 private:
  std::string text_;
  std::string file_name_;
  YAML::Node root_;
  std::vector<Diagnostic> diagnostics_;
};

// Reads a whole file. NOT_FOUND naming the path when it cannot be read.
absl::StatusOr<std::string> ReadTextFile(const std::string& path);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_SCHEMA_YAML_FILE_H_
