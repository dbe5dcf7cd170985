// Fuzzes the rule pack loader: one fuzzed pack file compiled with the
// project's real rules/schema.yaml and rules/city.yaml by CompileRuleSet, the
// path the daemon takes at start, on SIGHUP and on ReloadRules (YAML reading,
// pack parsing, expression parsing, checking and compiling).
//
// Properties, beyond "no crash, no leak, no undefined behaviour":
//  - a refused pack comes with at least one diagnostic, and an accepted one
//    with none (a broken pack never replaces a working one silently);
//  - every diagnostic formats (file:line:col and caret) without reading
//    outside its source line.
//
//   tests/fuzz/run.sh rule_pack_fuzzer 5
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/common/diagnostic.h"
#include "engine/rules/rule_set.h"
#include "tests/fuzz/input_fuzz_support.h"

namespace proactive {
namespace {

void FuzzRulePack(std::string text) {
  std::vector<RuleFile> files = {
      {"schema.yaml", fuzz::ReadSourceFile("rules/schema.yaml")},
      {"city.yaml", fuzz::ReadSourceFile("rules/city.yaml")},
      {"fuzz/pack.yaml", std::move(text)},
  };
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<std::shared_ptr<const RuleSet>> rules = CompileRuleSet(files, &diagnostics);
  if (rules.ok()) {
    FUZZ_CHECK(diagnostics.empty()) << FormatDiagnostics(diagnostics);
    FUZZ_CHECK(*rules != nullptr);
    return;
  }
  FUZZ_CHECK(!diagnostics.empty()) << "refused without a diagnostic: " << rules.status();
  for (const Diagnostic& diagnostic : diagnostics) {
    FUZZ_CHECK(diagnostic.line >= 0 && diagnostic.column >= 0) << FormatDiagnostic(diagnostic);
    FUZZ_CHECK(!FormatDiagnostic(diagnostic).empty());
  }
}

}  // namespace
}  // namespace proactive

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  proactive::FuzzRulePack(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
