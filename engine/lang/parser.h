// The parser: expression text to a syntax tree, for the full CEL grammar
// (literals, operators with CEL precedence, ternary, member and index access,
// global and receiver-style calls, list / map / struct literals) with macros
// expanded (has, all, exists, exists_one, map, filter and the two-variable
// forms all, exists, existsOne, transformList, transformMap).
//
//   ParseResult parsed = Parse("person.children.exists(c, c.age < 3)");
//   if (!parsed.diagnostics.empty()) {
//     std::cerr << FormatDiagnostics(parsed.diagnostics);
//   }
//
// The parser recovers from mistakes: it reports every one it finds (each with
// line:column) and still returns a tree, with kError nodes where parts could
// not be read, so that the checker can report further mistakes.
#ifndef PROACTIVE_ENGINE_LANG_PARSER_H_
#define PROACTIVE_ENGINE_LANG_PARSER_H_

#include <memory>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/common/diagnostic.h"
#include "engine/lang/ast.h"

namespace proactive::lang {

struct ParseOptions {
  bool enable_macros = true;
};

// Nesting (parentheses, brackets, calls) deeper than this is refused.
inline constexpr int kMaxNesting = 100;
// Trees taller than this (e.g. 600 terms joined by +) are refused.
inline constexpr int kMaxHeight = 500;
// At most this many diagnostics are reported per expression.
inline constexpr int kMaxDiagnostics = 25;

struct ParseResult {
  std::unique_ptr<Expr> root;  // never null
  std::vector<Diagnostic> diagnostics;
  int32_t max_id = 0;  // ids run from 1 to max_id
};

ParseResult Parse(absl::string_view text, const ParseOptions& options = {});

}  // namespace proactive::lang

#endif  // PROACTIVE_ENGINE_LANG_PARSER_H_
