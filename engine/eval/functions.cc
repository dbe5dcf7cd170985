#include "engine/eval/functions.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/lang/declarations.h"

namespace proactive::eval::internal {
namespace {

// The run-time kind a parameter type demands; false for "any".
bool RuntimeKind(const lang::Type& t, Value::Kind* kind) {
  using TK = lang::TypeKind;
  switch (t.kind()) {
    case TK::kNull:
      *kind = Value::Kind::kNull;
      return true;
    case TK::kBool:
      *kind = Value::Kind::kBool;
      return true;
    case TK::kInt:
      *kind = Value::Kind::kInt;
      return true;
    case TK::kUint:
      *kind = Value::Kind::kUint;
      return true;
    case TK::kDouble:
      *kind = Value::Kind::kDouble;
      return true;
    case TK::kString:
      *kind = Value::Kind::kString;
      return true;
    case TK::kBytes:
      *kind = Value::Kind::kBytes;
      return true;
    case TK::kDuration:
      *kind = Value::Kind::kDuration;
      return true;
    case TK::kTimestamp:
      *kind = Value::Kind::kTimestamp;
      return true;
    case TK::kDate:
      *kind = Value::Kind::kDate;
      return true;
    case TK::kMoney:
      *kind = Value::Kind::kMoney;
      return true;
    case TK::kList:
      *kind = Value::Kind::kList;
      return true;
    case TK::kMap:
      *kind = Value::Kind::kMap;
      return true;
    case TK::kObject:
      *kind = Value::Kind::kObject;
      return true;
    case TK::kType:
      *kind = Value::Kind::kType;
      return true;
    case TK::kDyn:
    case TK::kError:
    case TK::kParam:
      return false;
  }
  return false;
}

struct Registry {
  absl::flat_hash_map<std::string, FunctionEntry> entries;
  std::vector<std::string> missing;
};

const Registry& GetRegistry() {
  static const Registry* registry = [] {
    ImplTable table;
    AddArithmeticFunctions(table);
    AddStringFunctions(table);
    AddConversionFunctions(table);
    AddTimeFunctions(table);
    AddDateMoneyFunctions(table);
    absl::flat_hash_map<std::string, FunctionImpl> impls;
    for (const auto& [id, impl] : table) impls.emplace(id, impl);
    auto* r = new Registry;
    for (const lang::FunctionDecl& f : lang::StandardFunctions()) {
      for (const lang::OverloadDecl& o : f.overloads) {
        auto it = impls.find(o.id);
        if (it == impls.end()) {
          r->missing.push_back(o.id);
          continue;
        }
        if (o.params.size() > FunctionEntry::kMaxArity) {
          r->missing.push_back(o.id);  // more parameters than supported
          continue;
        }
        FunctionEntry entry;
        entry.id = o.id;
        entry.impl = it->second;
        entry.arity = static_cast<int>(o.params.size());
        for (size_t i = 0; i < o.params.size(); ++i) {
          Value::Kind kind = Value::Kind::kNull;
          entry.kinds[i] = RuntimeKind(o.params[i], &kind) ? static_cast<int8_t>(kind) : -1;
        }
        r->entries.emplace(o.id, std::move(entry));
      }
    }
    return r;
  }();
  return *registry;
}

}  // namespace

const FunctionEntry* FindFunction(absl::string_view overload_id) {
  const Registry& r = GetRegistry();
  auto it = r.entries.find(overload_id);
  return it == r.entries.end() ? nullptr : &it->second;
}

std::vector<std::string> UnimplementedOverloads() { return GetRegistry().missing; }

Value NoSuchOverload(absl::string_view function, absl::Span<const Value> args) {
  std::vector<std::string> kinds;
  for (const Value& a : args) kinds.push_back(TypeNameOf(a));
  return Value::Error(absl::StrCat("no matching overload for '", lang::OperatorDisplayName(function), "' applied to (",
                                   absl::StrJoin(kinds, ", "), ")"));
}

Value DivisionByZero() { return Value::Error("division by zero"); }

Value Overflow(absl::string_view operation) { return Value::Error(absl::StrCat("integer overflow in ", operation)); }

}  // namespace proactive::eval::internal
