#include "engine/eval/compiler.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/eval/planner.h"
#include "engine/lang/checker.h"
#include "engine/lang/parser.h"
#include "engine/lang/source.h"

namespace proactive::eval {

CompileResult Compile(absl::string_view expression, const lang::TypeEnvironment& env, const CompileOptions& options) {
  CompileResult result;
  lang::ParseOptions parse_options;
  parse_options.enable_macros = options.enable_macros;
  lang::ParseResult parsed = lang::Parse(expression, parse_options);
  result.diagnostics = std::move(parsed.diagnostics);

  lang::CheckOptions check_options;
  check_options.report_type_errors = options.check_types;
  lang::CheckResult checked = lang::Check(*parsed.root, expression, env, check_options);
  for (Diagnostic& d : checked.diagnostics) result.diagnostics.push_back(std::move(d));
  if (result.diagnostics.empty() && options.expected_type.has_value() && !checked.result_type.is_open() &&
      checked.result_type != *options.expected_type) {
    result.diagnostics.push_back(
        lang::MakeDiagnostic(expression, parsed.root->begin,
                             absl::StrCat("the expression must be a ", options.expected_type->ToString(),
                                          ", but it is a ", checked.result_type.ToString())));
  }
  if (result.diagnostics.empty()) {
    internal::PlanResult plan =
        internal::Plan(*parsed.root, expression, checked.local_count, options.assumed_collection_size);
    result.diagnostics = std::move(plan.diagnostics);
    if (result.diagnostics.empty()) {
      Program::Parts parts;
      parts.source = std::string(expression);
      parts.result_type = checked.result_type;
      parts.root = std::move(plan.root);
      parts.local_count = plan.local_count;
      parts.memo_count = plan.memo_count;
      parts.cost = plan.cost;
      parts.reads = std::move(checked.reads);
      parts.whole_reads = std::move(checked.whole_reads);
      parts.presence_reads = std::move(checked.presence_reads);
      parts.field_values = std::move(checked.field_values);
      parts.object_types.assign(env.object_types().begin(), env.object_types().end());
      parts.slot_count = env.slot_count();
      result.program = std::make_shared<const Program>(std::move(parts));
      return result;
    }
  }
  std::stable_sort(result.diagnostics.begin(), result.diagnostics.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  return result;
}

}  // namespace proactive::eval
