// Runs conformance cases: JSON lines of {file, section, name, expr,
// disable_macros, disable_check, bindings, expect} as described in
// tests/conformance/testdata/README.md. One implementation, used by the
// conformance test (tests/conformance) and by `proactivectl eval --cases`.
//
//   ASSIGN_OR_RETURN(std::vector<ConformanceCase> cases,
//                    LoadConformanceCases(path));
//   ConformanceReport report = RunConformanceCases(cases);
//   std::cout << report.FormatFailures() << report.Summary() << "\n";
//   // ... "556 passed, 21 failed"
#ifndef PROACTIVE_ENGINE_EVAL_CONFORMANCE_CASES_H_
#define PROACTIVE_ENGINE_EVAL_CONFORMANCE_CASES_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/common/diagnostic.h"
#include "engine/eval/compiler.h"
#include "engine/eval/value.h"
#include "engine/lang/types.h"

namespace proactive::eval {

struct ConformanceCase {
  std::string file;
  std::string section;
  std::string name;
  std::string expr;
  bool disable_macros = false;
  bool disable_check = false;
  std::vector<std::pair<std::string, Value>> bindings;
  bool expect_error = false;
  Value expected;  // when !expect_error
};

// Reads a JSON-lines file. NOT_FOUND when unreadable; INVALID_ARGUMENT with
// the line number when a line is malformed. Empty lines are skipped.
absl::StatusOr<std::vector<ConformanceCase>> LoadConformanceCases(const std::string& path);
absl::StatusOr<std::vector<ConformanceCase>> ParseConformanceCases(absl::string_view jsonl);

// Compiles `expr` against an environment declaring each binding as a
// variable (typed after its value; lists and maps as list(dyn) and
// map(dyn, dyn)) and evaluates it with those values. Bindings named after a
// reserved word cannot be referenced and are ignored. On a
// compile error, returns INVALID_ARGUMENT and fills `diagnostics`; INTERNAL
// when Program::EvaluateCondition disagrees with Program::Evaluate.
absl::StatusOr<Value> EvaluateWithBindings(absl::string_view expr,
                                           const std::vector<std::pair<std::string, Value>>& bindings,
                                           const CompileOptions& options, std::vector<Diagnostic>* diagnostics);

// The static type a variable bound to `value` is declared with: the value's
// type, list(dyn) and map(dyn, dyn) for containers, dyn for objects.
lang::Type StaticTypeOf(const Value& value);

struct CaseOutcome {
  bool passed = false;
  std::string detail;  // why it failed: "expected 3, got 4", a diagnostic, ...
};
CaseOutcome RunConformanceCase(const ConformanceCase& test_case);

struct ConformanceFailure {
  std::string group;  // "file/section"
  std::string name;
  std::string detail;
};

struct ConformanceReport {
  int passed = 0;
  int failed = 0;
  std::vector<ConformanceFailure> failures;

  // "N passed, M failed"
  std::string Summary() const;
  // One line per section with failures: "  parse/whitespace (4): spaces, tabs,
  // ..."; with `details`, each failure and its reason on its own line.
  std::string FormatFailures(bool details = false) const;
};
ConformanceReport RunConformanceCases(const std::vector<ConformanceCase>& cases);

// Exact equality for expected results: same kind (1 is not 1u), NaN equals
// NaN, lists in order, maps by key.
bool SameValue(const Value& a, const Value& b);

}  // namespace proactive::eval

#endif  // PROACTIVE_ENGINE_EVAL_CONFORMANCE_CASES_H_
