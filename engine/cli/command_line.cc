#include "engine/cli/command_line.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/schema/attribute_schema.h"

namespace proactive {

CommandLine::CommandLine(std::vector<std::string> valued, std::vector<std::string> switches)
    : valued_(std::move(valued)), switches_(std::move(switches)) {}

absl::Status CommandLine::Parse(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      positional_.insert(positional_.end(), args.begin() + i + 1, args.end());
      break;
    }
    if (!absl::StartsWith(arg, "--")) {
      positional_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    bool is_valued = std::find(valued_.begin(), valued_.end(), name) != valued_.end();
    bool is_switch = std::find(switches_.begin(), switches_.end(), name) != switches_.end();
    if (!is_valued && !is_switch) {
      std::vector<std::string> all = valued_;
      all.insert(all.end(), switches_.begin(), switches_.end());
      std::string hint = ClosestName(name, all);
      return absl::InvalidArgumentError(
          absl::StrCat("unknown option --", name, hint.empty() ? "" : absl::StrCat(" (did you mean --", hint, "?)")));
    }
    if (is_switch) {
      if (has_value) return absl::InvalidArgumentError(absl::StrCat("--", name, " takes no value"));
      values_[name] = "true";
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(absl::StrCat("--", name, " needs a value"));
      }
      value = args[++i];
    }
    values_[name] = value;
  }
  return absl::OkStatus();
}

std::string CommandLine::Get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

absl::StatusOr<int64_t> CommandLine::GetInt(const std::string& name, int64_t fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  int64_t value = 0;
  if (!absl::SimpleAtoi(it->second, &value)) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, " must be an integer, not \"", it->second, "\""));
  }
  return value;
}

}  // namespace proactive
