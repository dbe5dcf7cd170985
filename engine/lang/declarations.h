// What an expression may refer to: the object types and variables a caller
// declares (person, household, broadcast, today, parameters), and the
// functions of the standard library.
//
//   TypeEnvironment env;
//   ObjectType* person = *env.DeclareObjectType("person");
//   person->AddField("birth_date", Type::Date()).IgnoreError();
//   int person_slot = *env.DeclareVariable("person", Type::Object(person));
//
// Each variable gets a slot (0, 1, 2, ... in declaration order); at run time
// an Activation holds the variables' values by slot, and an object's fields
// are read by their index in the ObjectType. Declare everything before
// compiling; a TypeEnvironment is not modified by compilation and may be
// shared between threads once fully declared.
#ifndef PROACTIVE_ENGINE_LANG_DECLARATIONS_H_
#define PROACTIVE_ENGINE_LANG_DECLARATIONS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/lang/types.h"

namespace proactive::lang {

struct VariableDecl {
  std::string name;  // may be qualified, e.g. "params.ceiling"
  Type type;
  int slot = 0;
};

class TypeEnvironment {
 public:
  TypeEnvironment() = default;
  TypeEnvironment(const TypeEnvironment&) = delete;
  TypeEnvironment& operator=(const TypeEnvironment&) = delete;

  // Declares an object type whose fields are then added with AddField. The
  // environment owns it; the pointer stays valid as long as the environment
  // (and any Program compiled against it) lives. INVALID_ARGUMENT when the
  // name is not an identifier, is reserved or a built-in type, or is taken.
  absl::StatusOr<ObjectType*> DeclareObjectType(absl::string_view name);
  // Declares `type`, owned with the environments that declared it before:
  // values of the type made for one environment are then read by programs
  // of the other at full speed (a field access compares types by address).
  // INVALID_ARGUMENT when its name is taken. REQUIRES: `type` is complete.
  absl::Status DeclareSharedObjectType(std::shared_ptr<ObjectType> type);
  // The object type, or null when undeclared.
  const ObjectType* FindObjectType(absl::string_view name) const;

  // Declares a variable and returns its slot. `name` is an identifier or a
  // dotted sequence of identifiers. INVALID_ARGUMENT when malformed or taken.
  absl::StatusOr<int> DeclareVariable(absl::string_view name, Type type);
  // The variable, or null when undeclared.
  const VariableDecl* FindVariable(absl::string_view name) const;
  // All variables, indexed by slot.
  const std::vector<VariableDecl>& variables() const { return variables_; }
  int slot_count() const { return static_cast<int>(variables_.size()); }

  const std::vector<std::shared_ptr<ObjectType>>& object_types() const { return object_types_; }

 private:
  std::vector<std::shared_ptr<ObjectType>> object_types_;
  absl::flat_hash_map<std::string, ObjectType*> object_index_;
  std::vector<VariableDecl> variables_;
  absl::flat_hash_map<std::string, int> variable_index_;
};

// One signature of a function. For receiver-style overloads (`s.contains(t)`)
// params[0] is the receiver. `id` names the implementation in the evaluator.
struct OverloadDecl {
  std::string id;
  bool receiver = false;
  std::vector<Type> params;
  Type result;
};

struct FunctionDecl {
  std::string name;
  std::vector<OverloadDecl> overloads;
};

// The standard library (CEL's standard functions and the date/money
// extensions), or null when `name` is not one of its functions. Operators
// with generic semantics (==, !=, <, <=, >, >=, in, [], &&, ||, ?:) are not
// listed: the checker and evaluator handle them directly.
const FunctionDecl* FindStandardFunction(absl::string_view name);
const std::vector<FunctionDecl>& StandardFunctions();

// Operator function names, as CEL spells them in its AST.
inline constexpr char kAnd[] = "_&&_";
inline constexpr char kOr[] = "_||_";
inline constexpr char kNot[] = "!_";
inline constexpr char kNegate[] = "-_";
inline constexpr char kConditional[] = "_?_:_";
inline constexpr char kIndex[] = "_[_]";
inline constexpr char kIn[] = "@in";
inline constexpr char kEquals[] = "_==_";
inline constexpr char kNotEquals[] = "_!=_";
inline constexpr char kLess[] = "_<_";
inline constexpr char kLessEquals[] = "_<=_";
inline constexpr char kGreater[] = "_>_";
inline constexpr char kGreaterEquals[] = "_>=_";
inline constexpr char kAdd[] = "_+_";
inline constexpr char kSubtract[] = "_-_";
inline constexpr char kMultiply[] = "_*_";
inline constexpr char kDivide[] = "_/_";
inline constexpr char kModulo[] = "_%_";

// The operator as written ("==", "&&", "[]"), for messages; `function`
// itself when it is not an operator.
absl::string_view OperatorDisplayName(absl::string_view function);

}  // namespace proactive::lang

#endif  // PROACTIVE_ENGINE_LANG_DECLARATIONS_H_
