// Compile: expression text to a Program, against a TypeEnvironment.
//
//   lang::TypeEnvironment env;  // declare person, household, today, ...
//   CompileResult compiled = Compile(
//       "has(person.phone) && age(person.birth_date, today) >= 65", env);
//   if (compiled.program == nullptr) {
//     // every mistake, with line:col and a caret
//     std::cerr << FormatDiagnostics(compiled.diagnostics);
//   }
//
// Parsing, checking and planning report every mistake of the expression in
// one pass. Diagnostics carry 1-based line and column (in characters) within
// the expression text and the source line; `file` is left empty for the
// caller (e.g. the rules loader) to fill, shifting lines and columns as
// needed.
#ifndef PROACTIVE_ENGINE_EVAL_COMPILER_H_
#define PROACTIVE_ENGINE_EVAL_COMPILER_H_

#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/common/diagnostic.h"
#include "engine/eval/program.h"
#include "engine/lang/declarations.h"

namespace proactive::eval {

struct CompileOptions {
  // false: CEL's unchecked mode. Type mistakes and unknown names are not
  // reported; they become errors at run time. For conformance tests only.
  bool check_types = true;
  bool enable_macros = true;
  // When set, an expression of another static type is refused, e.g. a rule
  // condition must be a bool.
  std::optional<lang::Type> expected_type;
  // Collection size assumed by the static cost estimate.
  int64_t assumed_collection_size = 100;
};

struct CompileResult {
  std::shared_ptr<const Program> program;  // null when there are diagnostics
  std::vector<Diagnostic> diagnostics;     // sorted by position
};

// Thread-safe; `env` is only read, and must outlive the returned Program's
// use of object types (the Program keeps them alive itself).
CompileResult Compile(absl::string_view expression, const lang::TypeEnvironment& env,
                      const CompileOptions& options = {});

}  // namespace proactive::eval

#endif  // PROACTIVE_ENGINE_EVAL_COMPILER_H_
