// The checker's state, shared by checker.cc (names, selections, literals,
// comprehensions) and checker_calls.cc (operators and function calls). Not
// part of the public interface.
#ifndef PROACTIVE_ENGINE_LANG_CHECKER_INTERNAL_H_
#define PROACTIVE_ENGINE_LANG_CHECKER_INTERNAL_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "engine/lang/checker.h"

namespace proactive::lang::internal {

// Type parameter bindings while matching one overload.
using TypeBindings = std::map<std::string, Type>;

// Matches an argument type against a parameter type, binding parameters.
bool Unify(const Type& param, const Type& arg, TypeBindings* bindings);
// `type` with bound parameters replaced (unbound ones become dyn).
Type Substitute(const Type& type, const TypeBindings& bindings);
// The common type of two expressions that may hold either (dyn if none).
Type Join(const Type& a, const Type& b);
// Whether == between the two types makes sense.
bool Comparable(const Type& a, const Type& b);
// Whether < between the two types is defined.
bool Orderable(const Type& a, const Type& b);

class Checker {
 public:
  Checker(absl::string_view text, const TypeEnvironment& env, const CheckOptions& options)
      : text_(text), env_(env), options_(options) {}

  CheckResult Run(Expr& root);

  // Checks `e` and its children; sets e.type and returns it.
  const Type& CheckExpr(Expr& e);

 private:
  struct Local {
    std::string name;
    Type type;
    int slot;
    std::string path;  // variable path of the values it ranges over, or ""
  };

  void Report(int32_t offset, std::string message);
  void Unresolved(Expr& e, std::string message);

  void CheckConstant(Expr& e);
  void CheckIdent(Expr& e);
  void CheckSelect(Expr& e);
  bool ResolveQualifiedName(Expr& e);
  void CheckList(Expr& e);
  void CheckMap(Expr& e);
  void CheckStruct(Expr& e);
  void CheckComprehension(Expr& e);
  void ExpectBool(const Expr& e, const char* what);

  // checker_calls.cc
  void CheckCall(Expr& e);
  void CheckLogical(Expr& e);
  void CheckConditional(Expr& e);
  void CheckEquality(Expr& e);
  void CheckRelation(Expr& e);
  void CheckIn(Expr& e);
  void CheckIndex(Expr& e);
  void CheckFunction(Expr& e);
  std::string Signature(const Expr& e) const;

  const Local* FindLocal(absl::string_view name) const;
  std::vector<std::string> VisibleNames() const;
  void SetPath(const Expr& e, std::string path) { paths_[&e] = std::move(path); }
  const std::string* PathOf(const Expr& e) const {
    auto it = paths_.find(&e);
    return it == paths_.end() ? nullptr : &it->second;
  }

  absl::string_view text_;
  const TypeEnvironment& env_;
  CheckOptions options_;
  std::vector<Diagnostic> diagnostics_;
  std::vector<Local> scope_;
  int local_count_ = 0;
  absl::flat_hash_map<const Expr*, std::string> paths_;
  absl::flat_hash_set<const Expr*> extended_;  // paths continued by a parent selection
  std::set<std::string> field_values_;         // CheckResult::field_values
  // Paths whose use reads only which elements there are: the operand of
  // size(), or the range of a macro that yields no element (its elements'
  // reads are recorded through the macro's variable).
  absl::flat_hash_set<const Expr*> counted_;
};

}  // namespace proactive::lang::internal

#endif  // PROACTIVE_ENGINE_LANG_CHECKER_INTERNAL_H_
