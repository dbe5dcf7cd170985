// Options of one proactivectl command: "--name=value", "--name value" and
// "--flag", checked against what the command declares, plus positional
// arguments.
//
//   CommandLine line({"file", "server"}, {"quiet"});
//   if (absl::Status s = line.Parse(args); !s.ok()) ...  // "unknown option --fil (did you mean --file?)"
//   std::string file = line.Get("file", "");
#ifndef PROACTIVE_ENGINE_CLI_COMMAND_LINE_H_
#define PROACTIVE_ENGINE_CLI_COMMAND_LINE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace proactive {

class CommandLine {
 public:
  // `valued`: options that take a value; `switches`: options that do not.
  CommandLine(std::vector<std::string> valued, std::vector<std::string> switches);

  // INVALID_ARGUMENT naming the option when one is unknown or lacks a value.
  absl::Status Parse(const std::vector<std::string>& args);

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  std::string Get(const std::string& name, const std::string& fallback) const;
  // INVALID_ARGUMENT when present but not an integer.
  absl::StatusOr<int64_t> GetInt(const std::string& name, int64_t fallback) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::vector<std::string> valued_;
  std::vector<std::string> switches_;
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_CLI_COMMAND_LINE_H_
