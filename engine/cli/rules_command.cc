// proactivectl rules check|test DIR: what a policy team runs before a pack
// goes live.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/cli/command_line.h"
#include "engine/cli/command_support.h"
#include "engine/cli/commands.h"
#include "engine/rules/rule_set.h"
#include "engine/rules/rule_tests.h"

namespace proactive {
namespace {

constexpr char kUsage[] =
    "usage: proactivectl rules check DIR     compile every pack of DIR against DIR/schema.yaml\n"
    "       proactivectl rules test DIR      run every *.tests.yaml of DIR\n"
    "       proactivectl rules reload        make the daemon reload its rules directory\n"
    "       proactivectl rules simulate ...  dry run over the stored population (--help)\n"
    "check prints every mistake with file:line:col; test prints one line per case and\n"
    "ends with \"N passed, M failed\". Exit code 0 when all is well, 1 otherwise.\n";

int Check(const std::string& directory) {
  absl::StatusOr<std::vector<RuleFile>> files = ReadRuleFiles(directory);
  if (!files.ok()) {
    std::fprintf(stderr, "proactivectl rules: %s\n", std::string(files.status().message()).c_str());
    return kExitUsage;
  }
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<std::shared_ptr<const RuleSet>> rules = CompileRuleSet(*files, &diagnostics);
  if (!rules.ok()) {
    std::fputs(FormatDiagnostics(diagnostics).c_str(), stdout);
    std::printf("%s\n", std::string(rules.status().message()).c_str());
    return kExitRefused;
  }
  std::printf("%zu packs, %zu rules: OK (rule set %s)\n", (*rules)->packs().size(), (*rules)->rules().size(),
              (*rules)->version().substr(0, 12).c_str());
  for (const auto& rule : (*rules)->rules()) {
    std::printf("  %-40s %-8s %s  version %s\n", rule->spec.id.c_str(),
                std::string(ActionKindName(rule->spec.action.kind)).c_str(), rule->pack->pack.c_str(),
                rule->version.substr(0, 12).c_str());
  }
  return kExitOk;
}

int Test(const std::string& directory) {
  absl::StatusOr<std::vector<RuleFile>> files = ReadRuleFiles(directory);
  if (!files.ok()) {
    std::fprintf(stderr, "proactivectl rules: %s\n", std::string(files.status().message()).c_str());
    return kExitUsage;
  }
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<std::shared_ptr<const RuleSet>> rules = CompileRuleSet(*files, &diagnostics);
  if (!rules.ok()) {
    std::fputs(FormatDiagnostics(diagnostics).c_str(), stdout);
    std::printf("the packs do not compile: 0 passed, 1 failed\n");
    return kExitRefused;
  }
  RuleTestReport report = RunRuleTests(**rules, *files);
  std::fputs(report.text.c_str(), stdout);
  return report.failed == 0 ? kExitOk : kExitRefused;
}

}  // namespace

int RunRulesCommand(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "simulate" || args[0] == "reload")) {
    std::vector<std::string> rest(args.begin() + 1, args.end());
    return args[0] == "simulate" ? RunSimulateCommand(rest) : RunReloadCommand(rest);
  }
  CommandLine line({}, {"help"});
  absl::Status parsed = line.Parse(args);
  const std::vector<std::string>& words = line.positional();
  const bool well_formed = words.size() == 2 && (words[0] == "check" || words[0] == "test");
  int code = 0;
  if (UsageError("rules", line, parsed, well_formed, kUsage, &code)) return code;
  return words[0] == "check" ? Check(words[1]) : Test(words[1]);
}

}  // namespace proactive
