// The checker: resolves every name of a parsed expression against a
// TypeEnvironment (variables, comprehension variables, type names, object
// fields, functions), infers the type of every node, and reports each mistake
// as a diagnostic with line:column, continuing after a mistake so that all of
// them are reported in one pass.
//
//   ParseResult parsed = Parse(text);
//   CheckResult checked = Check(*parsed.root, text, env);
//   // checked.result_type == Type::Bool(); parsed.root is annotated in place.
//
// With report_type_errors = false (CEL's "unchecked" evaluation, used by
// conformance cases that disable the checker), nothing is reported: unknown
// names and overloads are left for the evaluator to fail on at run time.
#ifndef PROACTIVE_ENGINE_LANG_CHECKER_H_
#define PROACTIVE_ENGINE_LANG_CHECKER_H_

#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/common/diagnostic.h"
#include "engine/lang/ast.h"
#include "engine/lang/declarations.h"

namespace proactive::lang {

struct CheckOptions {
  bool report_type_errors = true;
};

struct CheckResult {
  Type result_type;
  std::vector<Diagnostic> diagnostics;
  // Comprehension variables need this many local slots at run time.
  int local_count = 0;
  // The variable paths the expression reads, sorted: "today",
  // "person.birth_date", "person.children.birth_date" (a field of the
  // elements of person.children), ...
  std::vector<std::string> reads;
  // Those of `reads` used as whole values somewhere, not only counted
  // (size(household.members)), iterated by all/exists/exists_one/map/
  // transformList/transformMap, or continued by a field. A rule reading
  // "household.members" wholly depends on everything about every member;
  // one that only counts them depends on who the members are.
  std::vector<std::string> whole_reads;
  // Those of `reads` only tested for presence (has(person.phone)): the
  // expression never reads their value, neither by their path nor through
  // an ancestor read whole (person.guardians.filter(...)[0].phone).
  std::vector<std::string> presence_reads;
  // The object fields whose values it reads by any way, with or without a
  // path (an element by index, a comprehension variable, filter()'s
  // results), as "<type>.<field>" ("person.phone"), sorted; a field of a
  // dynamic value (dyn(x).phone) as "dyn.<field>". has() reads no value.
  std::vector<std::string> field_values;
};

// Whether a proper prefix of the dotted `path` ("person.guardians" of
// "person.guardians.phone") is in `whole_reads`.
bool HasWholeReadAncestor(absl::string_view path, const std::set<std::string>& whole_reads);

// Annotates `root` (types and references). `text` is the expression's text,
// for diagnostics. `env` must outlive the use of the annotations.
CheckResult Check(Expr& root, absl::string_view text, const TypeEnvironment& env, const CheckOptions& options = {});

// The name closest to `word` among `candidates` (edit distance at most 2, or
// 1 for words of up to 4 letters), or "" — for "did you mean" hints.
std::string ClosestMatch(absl::string_view word, const std::vector<std::string>& candidates);

// The type a built-in or declared type name denotes when used as a value
// (`int`, `list`, `google.protobuf.Timestamp`, `date`, `person`); false when
// `name` is not a type name.
bool LookupTypeName(absl::string_view name, const TypeEnvironment& env, Type* type);

}  // namespace proactive::lang

#endif  // PROACTIVE_ENGINE_LANG_CHECKER_H_
