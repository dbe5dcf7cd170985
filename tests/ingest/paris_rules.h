// The Paris rule packs of the source tree (rules/), compiled once per call:
// for tests that drive an EventApplier or a sweep by hand.
#ifndef PROACTIVE_TESTS_INGEST_PARIS_RULES_H_
#define PROACTIVE_TESTS_INGEST_PARIS_RULES_H_

#include <memory>
#include <vector>

#include "engine/common/diagnostic.h"
#include "engine/rules/rule_set.h"
#include "gtest/gtest.h"
#include "tests/testing/daemon_process.h"

namespace proactive::testing {

// Null, with a test failure naming the diagnostics, when they do not compile.
inline std::shared_ptr<const RuleSet> ParisRuleSet() {
  std::vector<Diagnostic> diagnostics;
  auto rules = LoadRuleSetFromDirectory(SourceDir() + "/rules", &diagnostics);
  EXPECT_TRUE(rules.ok()) << rules.status() << "\n" << FormatDiagnostics(diagnostics);
  return rules.ok() ? *rules : nullptr;
}

}  // namespace proactive::testing

#endif  // PROACTIVE_TESTS_INGEST_PARIS_RULES_H_
