// The planner: a checked syntax tree to executable steps, with names already
// resolved to slots and field indexes, constant sub-expressions folded (by
// evaluating them once), constant regular expressions compiled, and the
// static cost estimated. Internal to engine/eval; Compile uses it.
#ifndef PROACTIVE_ENGINE_EVAL_PLANNER_H_
#define PROACTIVE_ENGINE_EVAL_PLANNER_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "engine/common/diagnostic.h"
#include "engine/eval/program.h"
#include "engine/eval/step.h"
#include "engine/lang/ast.h"

namespace proactive::eval::internal {

struct PlanResult {
  StepPtr root;  // null when there are diagnostics
  CostEstimate cost;
  // Slots: comprehension variables first, then memoized loop invariants.
  int local_count = 0;
  int memo_count = 0;
  std::vector<Diagnostic> diagnostics;
};

// REQUIRES: `root` was checked without diagnostics.
PlanResult Plan(const lang::Expr& root, absl::string_view text, int local_count, int64_t assumed_collection_size);

// The CEL name of a type used as a value: "int", "list",
// "google.protobuf.Timestamp".
std::string RuntimeTypeName(const lang::Type& type);

}  // namespace proactive::eval::internal

#endif  // PROACTIVE_ENGINE_EVAL_PLANNER_H_
