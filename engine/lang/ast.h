// The syntax tree of an expression, as the parser builds it and the checker
// annotates it (type and resolved reference of every node).
//
//   ParseResult parsed = Parse("size(person.children) > 2");
//   const Expr& root = *parsed.root;    // kCall "_>_"
//   root.args[0]->kind == ExprKind::kCall;  // size(...)
//
// Operators are calls to functions with CEL's names ("_+_", "_&&_", see
// declarations.h). Macros (has, all, exists, exists_one, map, filter and the
// two-variable forms) are expanded by the parser into kSelect with
// test_only = true (has) or kComprehension nodes.
#ifndef PROACTIVE_ENGINE_LANG_AST_H_
#define PROACTIVE_ENGINE_LANG_AST_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/lang/declarations.h"
#include "engine/lang/types.h"

namespace proactive::lang {

struct Constant {
  enum class Kind : unsigned char { kNull, kBool, kInt, kUint, kDouble, kString, kBytes };
  Kind kind = Kind::kNull;
  bool bool_value = false;
  int64_t int_value = 0;
  uint64_t uint_value = 0;
  double double_value = 0;
  std::string string_value;  // kString (UTF-8) and kBytes
};

enum class ExprKind : unsigned char {
  kError,  // a placeholder the parser left where it recovered from a mistake
  kConstant,
  kIdent,
  kSelect,  // target.name, or has(target.name) when test_only
  kCall,    // name(args) or target.name(args)
  kList,    // [args...]
  kMap,     // {entries: key: value}
  kStruct,  // name{entries: field: value}
  kComprehension,
};

enum class MacroKind : unsigned char {
  kAll,
  kExists,
  kExistsOne,
  kMap,            // range.map(x, body) or range.map(x, filter, body)
  kFilter,         // range.filter(x, body)
  kTransformList,  // range.transformList(i, v, [filter,] body)
  kTransformMap,   // range.transformMap(k, v, [filter,] body)
};

// "all", "exists", "exists_one", "map", "filter", "transformList", ...
const char* MacroName(MacroKind kind);

// What a name or a call resolved to (filled by the checker).
struct Reference {
  enum class Kind : unsigned char {
    kNone,
    kVariable,    // an environment variable: `slot`, `name`
    kLocal,       // a comprehension variable: `slot` is the local index
    kType,        // a type name used as a value: `type_value`
    kField,       // a field of a statically known object type: `slot` = field index
    kUnresolved,  // unchecked mode: `name` holds the message of the run-time
                  // error
  };
  Kind kind = Kind::kNone;
  int slot = -1;
  std::string name;
  Type type_value;
  // kCall: the overloads that may apply, most specific first.
  std::vector<const OverloadDecl*> overloads;
};

struct Expr;

// A map entry (key, value) or a struct field (field, value).
struct Entry {
  std::unique_ptr<Expr> key;  // null for struct fields
  std::string field;
  std::unique_ptr<Expr> value;
  int32_t pos = 0;
};

struct Expr {
  int32_t id = 0;  // unique in the tree, from 1
  ExprKind kind = ExprKind::kError;
  int32_t begin = 0;  // byte range [begin, end) of the whole sub-expression
  int32_t end = 0;
  int32_t pos = 0;  // where a caret points for this node (operator, name, ...)

  Constant constant;                        // kConstant
  std::string name;                         // kIdent, kSelect field, kCall function, kStruct type
  std::unique_ptr<Expr> target;             // kSelect operand, kCall receiver, kComprehension range
  bool test_only = false;                   // kSelect from has()
  std::vector<std::unique_ptr<Expr>> args;  // kCall arguments, kList elements
  std::vector<Entry> entries;               // kMap, kStruct

  // kComprehension: `var` (and `var2` for two-variable forms) range over
  // `target`; `filter` may be null; `body` is the predicate or transform.
  MacroKind macro = MacroKind::kAll;
  std::string var;
  std::string var2;
  std::unique_ptr<Expr> filter;
  std::unique_ptr<Expr> body;
  int var_slot = -1;  // local indexes, set by the checker
  int var2_slot = -1;

  int height = 1;  // longest path to a leaf, counting this node

  // Set by the checker.
  Type type;
  Reference ref;
};

// Visits `expr` and every sub-expression, parents first.
template <typename Fn>
void ForEachExpr(const Expr& expr, const Fn& fn) {
  fn(expr);
  if (expr.target) ForEachExpr(*expr.target, fn);
  for (const auto& a : expr.args) ForEachExpr(*a, fn);
  for (const Entry& e : expr.entries) {
    if (e.key) ForEachExpr(*e.key, fn);
    if (e.value) ForEachExpr(*e.value, fn);
  }
  if (expr.filter) ForEachExpr(*expr.filter, fn);
  if (expr.body) ForEachExpr(*expr.body, fn);
}

}  // namespace proactive::lang

#endif  // PROACTIVE_ENGINE_LANG_AST_H_
