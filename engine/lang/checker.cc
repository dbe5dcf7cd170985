#include "engine/lang/checker.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "engine/lang/checker_internal.h"
#include "engine/lang/source.h"

namespace proactive::lang {
namespace internal {
namespace {

constexpr int kMaxCheckDiagnostics = 25;

std::string WithHint(std::string message, const std::string& suggestion) {
  if (!suggestion.empty()) absl::StrAppend(&message, " (did you mean '", suggestion, "'?)");
  return message;
}

// "a.b.c" for a chain of selections rooted at an identifier; false otherwise.
bool DottedName(const Expr& e, std::string* out, const Expr** root) {
  if (e.kind == ExprKind::kIdent) {
    *out = e.name;
    *root = &e;
    return true;
  }
  if (e.kind != ExprKind::kSelect || e.test_only) return false;
  if (!DottedName(*e.target, out, root)) return false;
  absl::StrAppend(out, ".", e.name);
  return true;
}

}  // namespace

CheckResult Checker::Run(Expr& root) {
  CheckExpr(root);
  CheckResult result;
  result.result_type = root.type;
  result.diagnostics = std::move(diagnostics_);
  result.local_count = local_count_;
  std::set<std::string> reads, whole_reads, valued_reads;
  for (const auto& [expr, path] : paths_) {
    if (extended_.contains(expr)) continue;
    reads.insert(path);
    if (!counted_.contains(expr)) whole_reads.insert(path);
    if (!expr->test_only) valued_reads.insert(path);
  }
  result.reads.assign(reads.begin(), reads.end());
  result.whole_reads.assign(whole_reads.begin(), whole_reads.end());
  result.field_values.assign(field_values_.begin(), field_values_.end());
  // A value can also be read through an expression with no path: the
  // elements filter() yields, an element by index, an object used whole.
  // Such a read makes its path's ancestor a whole read.
  for (const std::string& path : reads) {
    if (valued_reads.count(path) == 0 && !HasWholeReadAncestor(path, whole_reads)) {
      result.presence_reads.push_back(path);  // in order: `reads` is sorted
    }
  }
  return result;
}

void Checker::Report(int32_t offset, std::string message) {
  if (!options_.report_type_errors) return;
  if (static_cast<int>(diagnostics_.size()) >= kMaxCheckDiagnostics) return;
  diagnostics_.push_back(MakeDiagnostic(text_, offset, std::move(message)));
}

void Checker::Unresolved(Expr& e, std::string message) {
  Report(e.pos, message);
  e.ref.kind = Reference::Kind::kUnresolved;
  e.ref.name = std::move(message);
  e.type = Type::Error();
}

const Type& Checker::CheckExpr(Expr& e) {
  switch (e.kind) {
    case ExprKind::kError:
      // Still look inside, so that other mistakes are reported too.
      if (e.target) CheckExpr(*e.target);
      e.type = Type::Error();
      break;
    case ExprKind::kConstant:
      CheckConstant(e);
      break;
    case ExprKind::kIdent:
      CheckIdent(e);
      break;
    case ExprKind::kSelect:
      CheckSelect(e);
      break;
    case ExprKind::kCall:
      CheckCall(e);
      break;
    case ExprKind::kList:
      CheckList(e);
      break;
    case ExprKind::kMap:
      CheckMap(e);
      break;
    case ExprKind::kStruct:
      CheckStruct(e);
      break;
    case ExprKind::kComprehension:
      CheckComprehension(e);
      break;
  }
  return e.type;
}

void Checker::CheckConstant(Expr& e) {
  switch (e.constant.kind) {
    case Constant::Kind::kNull:
      e.type = Type::Null();
      break;
    case Constant::Kind::kBool:
      e.type = Type::Bool();
      break;
    case Constant::Kind::kInt:
      e.type = Type::Int();
      break;
    case Constant::Kind::kUint:
      e.type = Type::Uint();
      break;
    case Constant::Kind::kDouble:
      e.type = Type::Double();
      break;
    case Constant::Kind::kString:
      e.type = Type::String();
      break;
    case Constant::Kind::kBytes:
      e.type = Type::Bytes();
      break;
  }
}

const Checker::Local* Checker::FindLocal(absl::string_view name) const {
  for (auto it = scope_.rbegin(); it != scope_.rend(); ++it) {
    if (it->name == name) return &*it;
  }
  return nullptr;
}

std::vector<std::string> Checker::VisibleNames() const {
  std::vector<std::string> names;
  for (const Local& l : scope_) names.push_back(l.name);
  for (const VariableDecl& v : env_.variables()) names.push_back(v.name);
  return names;
}

void Checker::CheckIdent(Expr& e) {
  absl::string_view name = e.name;
  const bool root_only = absl::ConsumePrefix(&name, ".");
  if (!root_only) {
    if (const Local* local = FindLocal(name)) {
      e.ref.kind = Reference::Kind::kLocal;
      e.ref.slot = local->slot;
      e.ref.name = local->name;
      e.type = local->type;
      if (!local->path.empty()) SetPath(e, local->path);
      return;
    }
  }
  if (const VariableDecl* v = env_.FindVariable(name)) {
    e.ref.kind = Reference::Kind::kVariable;
    e.ref.slot = v->slot;
    e.ref.name = v->name;
    e.type = v->type;
    SetPath(e, v->name);
    return;
  }
  Type denoted;
  if (LookupTypeName(name, env_, &denoted)) {
    e.ref.kind = Reference::Kind::kType;
    e.ref.type_value = denoted;
    e.type = Type::TypeOf(denoted);
    return;
  }
  Unresolved(e, WithHint(absl::StrCat("undeclared reference to '", name, "'"), ClosestMatch(name, VisibleNames())));
}

// `a.b.c` may name a variable "a.b.c" (or a type): the longest declared
// prefix wins, unless the first name is a comprehension variable.
bool Checker::ResolveQualifiedName(Expr& e) {
  std::string dotted;
  const Expr* root = nullptr;
  if (!DottedName(e, &dotted, &root)) return false;
  absl::string_view name = dotted;
  const bool root_only = absl::ConsumePrefix(&name, ".");
  if (!root_only && FindLocal(root->name) != nullptr) return false;
  if (const VariableDecl* v = env_.FindVariable(name)) {
    e.ref.kind = Reference::Kind::kVariable;
    e.ref.slot = v->slot;
    e.ref.name = v->name;
    e.type = v->type;
    SetPath(e, v->name);
    return true;
  }
  Type denoted;
  if (LookupTypeName(name, env_, &denoted)) {
    e.ref.kind = Reference::Kind::kType;
    e.ref.type_value = denoted;
    e.type = Type::TypeOf(denoted);
    return true;
  }
  return false;
}

void Checker::CheckSelect(Expr& e) {
  if (!e.test_only && ResolveQualifiedName(e)) return;
  const Type& operand = CheckExpr(*e.target);
  if (const std::string* base = PathOf(*e.target)) {
    SetPath(e, absl::StrCat(*base, ".", e.name));
    extended_.insert(e.target.get());
  }
  const Type result_if_has = Type::Bool();
  switch (operand.kind()) {
    case TypeKind::kObject: {
      const ObjectType* object = operand.object();
      const FieldDecl* field = object->FindField(e.name);
      if (field == nullptr) {
        std::vector<std::string> names;
        for (const FieldDecl& f : object->fields()) names.push_back(f.name);
        Report(e.pos,
               WithHint(absl::StrCat(object->name(), " has no field '", e.name, "'"), ClosestMatch(e.name, names)));
        e.type = e.test_only ? result_if_has : Type::Error();
        return;
      }
      e.ref.kind = Reference::Kind::kField;
      e.ref.slot = field->index;
      e.type = e.test_only ? result_if_has : field->type;
      if (!e.test_only) field_values_.insert(absl::StrCat(object->name(), ".", e.name));
      return;
    }
    case TypeKind::kMap:
      if (!operand.key().is_open() && operand.key().kind() != TypeKind::kString) {
        Report(e.pos, absl::StrCat("the keys of ", operand.ToString(), " are not strings: write m[key] instead of m.",
                                   e.name));
      }
      e.type = e.test_only ? result_if_has : operand.value();
      return;
    case TypeKind::kDyn:
      e.type = e.test_only ? result_if_has : Type::Dyn();
      if (!e.test_only) field_values_.insert(absl::StrCat("dyn.", e.name));
      return;
    case TypeKind::kError:
      e.type = e.test_only ? result_if_has : Type::Error();
      return;
    default:
      if (e.test_only) {
        Report(e.pos, absl::StrCat("has() tests a field of an object or a map, not of ", operand.ToString()));
      } else {
        Report(e.pos, absl::StrCat(operand.ToString(), " has no fields (selecting '", e.name, "')"));
      }
      e.type = e.test_only ? result_if_has : Type::Error();
  }
}

void Checker::CheckList(Expr& e) {
  Type elem;
  bool first = true;
  for (auto& a : e.args) {
    const Type& t = CheckExpr(*a);
    elem = first ? t : Join(elem, t);
    first = false;
  }
  e.type = Type::List(first || elem.is_error() ? Type::Dyn() : elem);
}

void Checker::CheckMap(Expr& e) {
  Type key, value;
  bool first = true;
  for (Entry& entry : e.entries) {
    const Type& k = CheckExpr(*entry.key);
    const Type& v = CheckExpr(*entry.value);
    switch (k.kind()) {
      case TypeKind::kBool:
      case TypeKind::kInt:
      case TypeKind::kUint:
      case TypeKind::kString:
      case TypeKind::kDyn:
      case TypeKind::kError:
        break;
      default:
        Report(entry.key->begin, absl::StrCat("map keys are int, uint, bool or string, not ", k.ToString()));
    }
    key = first ? k : Join(key, k);
    value = first ? v : Join(value, v);
    first = false;
  }
  if (first) {
    e.type = Type::Map(Type::Dyn(), Type::Dyn());
  } else {
    e.type = Type::Map(key.is_error() ? Type::Dyn() : key, value.is_error() ? Type::Dyn() : value);
  }
}

// Only the protobuf wrapper types can be built with `Name{...}`; they stand
// for their wrapped value.
void Checker::CheckStruct(Expr& e) {
  static const std::pair<const char*, TypeKind> kWrappers[] = {
      {"google.protobuf.BoolValue", TypeKind::kBool},     {"google.protobuf.BytesValue", TypeKind::kBytes},
      {"google.protobuf.DoubleValue", TypeKind::kDouble}, {"google.protobuf.FloatValue", TypeKind::kDouble},
      {"google.protobuf.Int32Value", TypeKind::kInt},     {"google.protobuf.Int64Value", TypeKind::kInt},
      {"google.protobuf.StringValue", TypeKind::kString}, {"google.protobuf.UInt32Value", TypeKind::kUint},
      {"google.protobuf.UInt64Value", TypeKind::kUint},
  };
  for (Entry& entry : e.entries) CheckExpr(*entry.value);
  absl::string_view name = e.name;
  absl::ConsumePrefix(&name, ".");
  for (const auto& [wrapper, kind] : kWrappers) {
    if (name != wrapper) continue;
    Type wrapped;
    LookupTypeName(kind == TypeKind::kBool     ? "bool"
                   : kind == TypeKind::kBytes  ? "bytes"
                   : kind == TypeKind::kDouble ? "double"
                   : kind == TypeKind::kInt    ? "int"
                   : kind == TypeKind::kUint   ? "uint"
                                               : "string",
                   env_, &wrapped);
    for (Entry& entry : e.entries) {
      if (entry.field != "value") {
        Report(entry.pos, absl::StrCat(wrapper, " has only the field 'value'"));
      } else if (!entry.value->type.is_open() && entry.value->type != wrapped) {
        Report(entry.value->begin,
               absl::StrCat(wrapper, ".value is ", wrapped.ToString(), ", not ", entry.value->type.ToString()));
      }
    }
    e.ref.kind = Reference::Kind::kType;
    e.ref.name = std::string(name);
    e.ref.type_value = wrapped;
    e.type = wrapped;
    return;
  }
  Unresolved(e, absl::StrCat("unknown type '", name, "': objects cannot be built in an expression, only read"));
}

void Checker::ExpectBool(const Expr& e, const char* what) {
  if (e.type.is_open() || e.type.kind() == TypeKind::kBool) return;
  Report(e.begin, absl::StrCat(what, " must be a bool, not ", e.type.ToString()));
}

void Checker::CheckComprehension(Expr& e) {
  const Type& range = CheckExpr(*e.target);
  const bool two = !e.var2.empty();
  const bool list_output = e.macro == MacroKind::kTransformList || e.macro == MacroKind::kTransformMap;
  Type first = Type::Dyn(), second = Type::Dyn();  // types of var and var2
  std::string path;
  if (const std::string* p = PathOf(*e.target)) path = *p;
  bool iterates_list = false;
  switch (range.kind()) {
    case TypeKind::kList:
      iterates_list = true;
      first = two ? Type::Int() : range.elem();
      second = range.elem();
      break;
    case TypeKind::kMap:
      first = range.key();
      second = range.value();
      path.clear();
      break;
    case TypeKind::kDyn:
    case TypeKind::kError:
      path.clear();
      break;
    default:
      Report(e.pos, absl::StrCat(MacroName(e.macro), "() iterates over a list or a map, not ", range.ToString()));
      path.clear();
  }
  (void)list_output;
  // The elements' reads are recorded through the variable, but filter()
  // yields the elements themselves, whose later reads no path records: its
  // range counts as read wholly.
  if (iterates_list && !path.empty() && e.macro != MacroKind::kFilter) counted_.insert(e.target.get());
  const size_t saved = scope_.size();
  e.var_slot = static_cast<int>(scope_.size());
  scope_.push_back(Local{e.var, first, e.var_slot, (iterates_list && !two) ? path : ""});
  if (two) {
    e.var2_slot = static_cast<int>(scope_.size());
    scope_.push_back(Local{e.var2, second, e.var2_slot, iterates_list ? path : ""});
  }
  local_count_ = std::max(local_count_, static_cast<int>(scope_.size()));
  if (e.filter) {
    CheckExpr(*e.filter);
    ExpectBool(*e.filter, "the filter");
  }
  const Type& body = CheckExpr(*e.body);
  scope_.resize(saved);

  switch (e.macro) {
    case MacroKind::kAll:
    case MacroKind::kExists:
    case MacroKind::kExistsOne:
      ExpectBool(*e.body, "the condition");
      e.type = Type::Bool();
      break;
    case MacroKind::kFilter:
      ExpectBool(*e.body, "the condition");
      e.type = Type::List(range.kind() == TypeKind::kList ? range.elem() : first);
      break;
    case MacroKind::kMap:
    case MacroKind::kTransformList:
      e.type = Type::List(body.is_error() ? Type::Dyn() : body);
      break;
    case MacroKind::kTransformMap:
      e.type = Type::Map(range.kind() == TypeKind::kMap    ? range.key()
                         : range.kind() == TypeKind::kList ? Type::Int()
                                                           : Type::Dyn(),
                         body.is_error() ? Type::Dyn() : body);
      break;
  }
}

}  // namespace internal

bool HasWholeReadAncestor(absl::string_view path, const std::set<std::string>& whole_reads) {
  for (size_t dot = path.rfind('.'); dot != absl::string_view::npos; dot = path.rfind('.', dot - 1)) {
    if (whole_reads.count(std::string(path.substr(0, dot))) > 0) return true;
    if (dot == 0) break;
  }
  return false;
}

CheckResult Check(Expr& root, absl::string_view text, const TypeEnvironment& env, const CheckOptions& options) {
  return internal::Checker(text, env, options).Run(root);
}

bool LookupTypeName(absl::string_view name, const TypeEnvironment& env, Type* type) {
  if (name == "int")
    *type = Type::Int();
  else if (name == "uint")
    *type = Type::Uint();
  else if (name == "double")
    *type = Type::Double();
  else if (name == "bool")
    *type = Type::Bool();
  else if (name == "string")
    *type = Type::String();
  else if (name == "bytes")
    *type = Type::Bytes();
  else if (name == "null_type")
    *type = Type::Null();
  else if (name == "list")
    *type = Type::List(Type::Dyn());
  else if (name == "map")
    *type = Type::Map(Type::Dyn(), Type::Dyn());
  else if (name == "type")
    *type = Type::TypeOf(Type::Dyn());
  else if (name == "google.protobuf.Timestamp")
    *type = Type::Timestamp();
  else if (name == "google.protobuf.Duration")
    *type = Type::Duration();
  else if (name == "date")
    *type = Type::Date();
  else if (name == "money")
    *type = Type::Money();
  else if (const ObjectType* object = env.FindObjectType(name))
    *type = Type::Object(object);
  else
    return false;
  return true;
}

std::string ClosestMatch(absl::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  // Short names need a closer match: "foo" should not suggest "bool".
  size_t best_distance = word.size() <= 4 ? 2 : 3;
  for (const std::string& c : candidates) {
    // Levenshtein distance, two rows.
    std::vector<size_t> prev(c.size() + 1), cur(c.size() + 1);
    for (size_t j = 0; j <= c.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= word.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= c.size(); ++j) {
        const size_t substitution = prev[j - 1] + (word[i - 1] == c[j - 1] ? 0 : 1);
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, substitution});
      }
      std::swap(prev, cur);
    }
    const size_t d = prev[c.size()];
    if (d < best_distance && d < word.size() && c != word) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

}  // namespace proactive::lang
