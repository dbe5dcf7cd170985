// The implementations of the standard library's overloads, by overload id
// (the ids engine/lang/standard_library.cc declares). Internal to
// engine/eval.
//
//   const FunctionEntry* add = FindFunction("add_int64");
//   Value sum = add->impl({Value::Int(1), Value::Int(2)});   // 3
#ifndef PROACTIVE_ENGINE_EVAL_FUNCTIONS_H_
#define PROACTIVE_ENGINE_EVAL_FUNCTIONS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/eval/value.h"

namespace proactive::eval::internal {

// An implementation receives arguments whose kinds match its parameters
// (never errors) and returns the result or an error value.
using FunctionImpl = Value (*)(absl::Span<const Value> args);

struct FunctionEntry {
  static constexpr int kMaxArity = 4;
  std::string id;
  FunctionImpl impl = nullptr;
  int arity = 0;
  // The kind each argument must have, or -1 for type parameters and dyn.
  int8_t kinds[kMaxArity] = {-1, -1, -1, -1};

  bool Accepts(absl::Span<const Value> args) const {
    for (int i = 0; i < arity; ++i) {
      if (kinds[i] >= 0 && static_cast<int8_t>(args[i].kind()) != kinds[i]) {
        return false;
      }
    }
    return true;
  }
};

// The entry for an overload id, or null when it has no implementation.
const FunctionEntry* FindFunction(absl::string_view overload_id);

// Overload ids declared by the standard library but not implemented (a test
// keeps this empty).
std::vector<std::string> UnimplementedOverloads();

// Each functions_*.cc file adds its implementations.
using ImplTable = std::vector<std::pair<const char*, FunctionImpl>>;
void AddArithmeticFunctions(ImplTable& table);
void AddStringFunctions(ImplTable& table);
void AddConversionFunctions(ImplTable& table);
void AddTimeFunctions(ImplTable& table);
void AddDateMoneyFunctions(ImplTable& table);

// Shared helpers for implementations.
// "UTC", an IANA zone name ("Europe/Paris") or a fixed offset ("+02:00").
bool ResolveTimeZone(absl::string_view name, absl::TimeZone* zone);
Value NoSuchOverload(absl::string_view function, absl::Span<const Value> args);
Value DivisionByZero();
Value Overflow(absl::string_view operation);

}  // namespace proactive::eval::internal

#endif  // PROACTIVE_ENGINE_EVAL_FUNCTIONS_H_
