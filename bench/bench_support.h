// What the benchmark programs share: loading the rules and opening a data
// directory, printing why on failure (benchmarks are programs, not tests).
//
//   std::shared_ptr<const RuleSet> rules = LoadRulesOrReport("rules");
//   std::unique_ptr<Store> store = OpenStoreOrReport("/tmp/paris/db");
//   if (rules == nullptr || store == nullptr) return 1;
#ifndef PROACTIVE_BENCH_BENCH_SUPPORT_H_
#define PROACTIVE_BENCH_BENCH_SUPPORT_H_

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "engine/common/diagnostic.h"
#include "engine/rules/rule_set.h"
#include "engine/store/store.h"

namespace proactive {

// The rule set of `directory`, or null after printing its diagnostics.
inline std::shared_ptr<const RuleSet> LoadRulesOrReport(const std::string& directory) {
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<std::shared_ptr<const RuleSet>> rules = LoadRuleSetFromDirectory(directory, &diagnostics);
  if (rules.ok()) return *std::move(rules);
  std::fprintf(stderr, "rules: %s\n%s", std::string(rules.status().message()).c_str(),
               FormatDiagnostics(diagnostics).c_str());
  return nullptr;
}

// The store at `path` (created when missing), or null after printing why.
inline std::unique_ptr<Store> OpenStoreOrReport(const std::string& path) {
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open({path});
  if (store.ok()) return *std::move(store);
  std::fprintf(stderr, "store: %s\n", store.status().ToString().c_str());
  return nullptr;
}

}  // namespace proactive

#endif  // PROACTIVE_BENCH_BENCH_SUPPORT_H_
