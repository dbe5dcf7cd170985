// Operators and function calls: overload resolution by unification of type
// parameters, and the generic operators (==, <, in, [], &&, ||, ?:).
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/lang/checker_internal.h"

namespace proactive::lang::internal {
namespace {

bool IsOrderableKind(TypeKind k) {
  switch (k) {
    case TypeKind::kBool:
    case TypeKind::kInt:
    case TypeKind::kUint:
    case TypeKind::kDouble:
    case TypeKind::kString:
    case TypeKind::kBytes:
    case TypeKind::kTimestamp:
    case TypeKind::kDuration:
    case TypeKind::kDate:
    case TypeKind::kMoney:
      return true;
    default:
      return false;
  }
}

bool IsRelation(absl::string_view f) { return f == kLess || f == kLessEquals || f == kGreater || f == kGreaterEquals; }

}  // namespace

bool Unify(const Type& param, const Type& arg, TypeBindings* bindings) {
  if (arg.is_open()) return true;
  switch (param.kind()) {
    case TypeKind::kDyn:
    case TypeKind::kError:
      return true;
    case TypeKind::kParam: {
      auto it = bindings->find(param.param_name());
      if (it == bindings->end()) {
        bindings->emplace(param.param_name(), arg);
        return true;
      }
      if (it->second.is_open()) return true;
      const Type bound = it->second;
      return Unify(bound, arg, bindings);
    }
    default:
      break;
  }
  if (param.kind() != arg.kind()) return false;
  switch (param.kind()) {
    case TypeKind::kList:
    case TypeKind::kType:
      return Unify(param.elem(), arg.elem(), bindings);
    case TypeKind::kMap:
      return Unify(param.key(), arg.key(), bindings) && Unify(param.value(), arg.value(), bindings);
    case TypeKind::kObject:
      return param.object() == arg.object();
    default:
      return true;
  }
}

Type Substitute(const Type& type, const TypeBindings& bindings) {
  switch (type.kind()) {
    case TypeKind::kParam: {
      auto it = bindings.find(type.param_name());
      return it == bindings.end() ? Type::Dyn() : Substitute(it->second, bindings);
    }
    case TypeKind::kList:
      return Type::List(Substitute(type.elem(), bindings));
    case TypeKind::kType:
      return Type::TypeOf(Substitute(type.elem(), bindings));
    case TypeKind::kMap:
      return Type::Map(Substitute(type.key(), bindings), Substitute(type.value(), bindings));
    default:
      return type;
  }
}

Type Join(const Type& a, const Type& b) {
  if (a.is_error()) return b;
  if (b.is_error()) return a;
  if (a == b) return a;
  return Type::Dyn();
}

bool Comparable(const Type& a, const Type& b) {
  if (a.is_open() || b.is_open()) return true;
  if (a.kind() == TypeKind::kNull || b.kind() == TypeKind::kNull) return true;
  if (a.is_numeric() && b.is_numeric()) return true;
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case TypeKind::kList:
      return Comparable(a.elem(), b.elem());
    case TypeKind::kMap:
      return Comparable(a.key(), b.key()) && Comparable(a.value(), b.value());
    case TypeKind::kObject:
      return a.object() == b.object();
    default:
      return true;
  }
}

bool Orderable(const Type& a, const Type& b) {
  if (a.is_open() && b.is_open()) return true;
  if (a.is_open()) return IsOrderableKind(b.kind());
  if (b.is_open()) return IsOrderableKind(a.kind());
  if (a.is_numeric() && b.is_numeric()) return true;
  return a.kind() == b.kind() && IsOrderableKind(a.kind());
}

std::string Checker::Signature(const Expr& e) const {
  std::vector<std::string> args;
  for (const auto& a : e.args) args.push_back(a->type.ToString());
  std::string out = absl::StrCat("(", absl::StrJoin(args, ", "), ")");
  if (e.target) out = absl::StrCat(e.target->type.ToString(), ".", e.name, out);
  return out;
}

void Checker::CheckCall(Expr& e) {
  const std::string& f = e.name;
  if (e.target == nullptr) {
    if (f == kAnd || f == kOr) return CheckLogical(e);
    if (f == kConditional && e.args.size() == 3) return CheckConditional(e);
    if ((f == kEquals || f == kNotEquals) && e.args.size() == 2) return CheckEquality(e);
    if (IsRelation(f) && e.args.size() == 2) return CheckRelation(e);
    if (f == kIn && e.args.size() == 2) return CheckIn(e);
    if (f == kIndex && e.args.size() == 2) return CheckIndex(e);
  }
  CheckFunction(e);
}

void Checker::CheckLogical(Expr& e) {
  for (auto& a : e.args) {
    const Type& t = CheckExpr(*a);
    if (!t.is_open() && t.kind() != TypeKind::kBool) {
      Report(a->begin,
             absl::StrCat("'", OperatorDisplayName(e.name), "' needs bool operands, but this is ", t.ToString()));
    }
  }
  e.type = Type::Bool();
}

void Checker::CheckConditional(Expr& e) {
  for (auto& a : e.args) CheckExpr(*a);
  ExpectBool(*e.args[0], "the condition of ?:");
  const Type& a = e.args[1]->type;
  const Type& b = e.args[2]->type;
  TypeBindings none;
  if (!Unify(a, b, &none) || !Unify(b, a, &none)) {
    Report(e.pos, absl::StrCat("the two branches of ?: have different types: ", a.ToString(), " and ", b.ToString()));
    e.type = Type::Error();
    return;
  }
  e.type = Join(a, b);
}

void Checker::CheckEquality(Expr& e) {
  const Type& a = CheckExpr(*e.args[0]);
  const Type& b = CheckExpr(*e.args[1]);
  if (!Comparable(a, b)) {
    Report(e.pos, absl::StrCat("'", OperatorDisplayName(e.name), "' compares values of one type, not ", a.ToString(),
                               " with ", b.ToString()));
  }
  e.type = Type::Bool();
}

void Checker::CheckRelation(Expr& e) {
  const Type& a = CheckExpr(*e.args[0]);
  const Type& b = CheckExpr(*e.args[1]);
  if (!Orderable(a, b)) {
    Report(e.pos, absl::StrCat("no matching overload for '", OperatorDisplayName(e.name), "' applied to ", Signature(e),
                               ": ordering is defined between numbers, or two values of the "
                               "same type among bool, string, bytes, timestamp, duration, "
                               "date, money"));
  }
  e.type = Type::Bool();
}

void Checker::CheckIn(Expr& e) {
  const Type& element = CheckExpr(*e.args[0]);
  const Type& container = CheckExpr(*e.args[1]);
  e.type = Type::Bool();
  switch (container.kind()) {
    case TypeKind::kList:
      if (!Comparable(element, container.elem())) {
        Report(e.pos, absl::StrCat("'in' looks for ", element.ToString(), " in a ", container.ToString()));
      }
      return;
    case TypeKind::kMap:
      if (!Comparable(element, container.key())) {
        Report(e.pos, absl::StrCat("'in' looks for a ", element.ToString(), " key in a ", container.ToString()));
      }
      return;
    case TypeKind::kDyn:
    case TypeKind::kError:
      return;
    default:
      Report(e.args[1]->begin, absl::StrCat("'in' needs a list or a map on its right, not ", container.ToString()));
  }
}

void Checker::CheckIndex(Expr& e) {
  const Type& operand = CheckExpr(*e.args[0]);
  const Type& index = CheckExpr(*e.args[1]);
  switch (operand.kind()) {
    case TypeKind::kList:
      if (!index.is_open() && index.kind() != TypeKind::kInt && index.kind() != TypeKind::kUint) {
        Report(e.args[1]->begin, absl::StrCat("a list index is an int, not ", index.ToString()));
      }
      e.type = operand.elem();
      return;
    case TypeKind::kMap:
      if (!Comparable(index, operand.key())) {
        Report(e.args[1]->begin, absl::StrCat("the keys of ", operand.ToString(), " are not ", index.ToString()));
      }
      e.type = operand.value();
      return;
    case TypeKind::kDyn:
      e.type = Type::Dyn();
      return;
    case TypeKind::kError:
      e.type = Type::Error();
      return;
    default:
      Report(e.pos, absl::StrCat(operand.ToString(), " cannot be indexed with []"));
      e.type = Type::Error();
  }
}

void Checker::CheckFunction(Expr& e) {
  std::vector<Type> arg_types;
  if (e.target) arg_types.push_back(CheckExpr(*e.target));
  for (auto& a : e.args) arg_types.push_back(CheckExpr(*a));
  if (e.name == "size" && arg_types.size() == 1 && arg_types[0].kind() == TypeKind::kList) {
    counted_.insert(e.target ? e.target.get() : e.args[0].get());
  }
  const FunctionDecl* decl = FindStandardFunction(e.name);
  if (decl == nullptr) {
    std::vector<std::string> names;
    for (const FunctionDecl& f : StandardFunctions()) {
      if (f.name[0] != '_' && f.name[0] != '!' && f.name[0] != '-') names.push_back(f.name);
    }
    std::string message = absl::StrCat("undeclared function '", e.name, "'");
    const std::string hint = ClosestMatch(e.name, names);
    if (!hint.empty()) absl::StrAppend(&message, " (did you mean '", hint, "'?)");
    Unresolved(e, std::move(message));
    return;
  }
  const bool receiver = e.target != nullptr;
  std::vector<const OverloadDecl*> same_style;
  bool other_style = false;
  for (const OverloadDecl& o : decl->overloads) {
    if (o.params.size() != arg_types.size()) continue;
    if (o.receiver == receiver) {
      same_style.push_back(&o);
    } else {
      other_style = true;
    }
  }
  if (same_style.empty()) {
    std::string message;
    if (other_style && receiver) {
      message = absl::StrCat(e.name, "() is not a method: write ", e.name, "(x, ...)");
    } else if (other_style) {
      message = absl::StrCat(e.name, "() is a method: write x.", e.name, "(...)");
    } else {
      message = absl::StrCat("no overload of '", e.name, "' takes ", arg_types.size(), " argument",
                             arg_types.size() == 1 ? "" : "s");
    }
    Unresolved(e, std::move(message));
    return;
  }
  std::vector<const OverloadDecl*> matches;
  std::vector<Type> results;
  for (const OverloadDecl* o : same_style) {
    TypeBindings bindings;
    bool ok = true;
    for (size_t i = 0; i < arg_types.size() && ok; ++i) {
      ok = Unify(o->params[i], arg_types[i], &bindings);
    }
    if (!ok) continue;
    matches.push_back(o);
    results.push_back(Substitute(o->result, bindings));
  }
  if (matches.empty()) {
    std::vector<std::string> expected;
    for (const OverloadDecl* o : same_style) {
      std::vector<std::string> params;
      for (size_t i = receiver ? 1 : 0; i < o->params.size(); ++i) {
        params.push_back(o->params[i].ToString());
      }
      std::string sig = absl::StrCat("(", absl::StrJoin(params, ", "), ")");
      if (receiver) sig = absl::StrCat(o->params[0].ToString(), ".", e.name, sig);
      expected.push_back(std::move(sig));
    }
    Report(e.pos, absl::StrCat("no matching overload for '", OperatorDisplayName(e.name), "' applied to ", Signature(e),
                               "; expected ", absl::StrJoin(expected, " or ")));
    e.ref.overloads = same_style;  // unchecked mode: dispatch at run time
    e.type = Type::Error();
    return;
  }
  e.ref.overloads = std::move(matches);
  Type result = results[0];
  for (const Type& r : results) {
    if (r != result) result = Type::Dyn();
  }
  e.type = result;
}

}  // namespace proactive::lang::internal
