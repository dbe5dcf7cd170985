// The static types of the expression language: CEL's types (int, uint,
// double, bool, string, bytes, null_type, list(T), map(K, V), type(T),
// timestamp, duration, dyn) plus the public-rules extensions (date, money)
// and object types declared by the caller (person, household, ...).
//
//   ObjectType person("person");
//   person.AddField("birth_date", Type::Date());
//   Type children = Type::List(Type::Object(&person));   // "list(person)"
//
// A Type is a small immutable value, cheap to copy. Object types are owned by
// the TypeEnvironment that declares them (see declarations.h); a Type only
// points at one.
#ifndef PROACTIVE_ENGINE_LANG_TYPES_H_
#define PROACTIVE_ENGINE_LANG_TYPES_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace proactive::lang {

class ObjectType;

enum class TypeKind : unsigned char {
  kDyn,    // any value, checked at run time
  kError,  // the type of an expression that failed to check
  kNull,
  kBool,
  kInt,
  kUint,
  kDouble,
  kString,
  kBytes,
  kDuration,
  kTimestamp,
  kDate,
  kMoney,
  kList,    // list(elem)
  kMap,     // map(key, value)
  kObject,  // a declared object type
  kType,    // type(T): the type of a type value
  kParam,   // a type parameter in an overload signature (A, B)
};

class Type {
 public:
  Type() = default;  // dyn

  static Type Dyn() { return Type(TypeKind::kDyn); }
  static Type Error() { return Type(TypeKind::kError); }
  static Type Null() { return Type(TypeKind::kNull); }
  static Type Bool() { return Type(TypeKind::kBool); }
  static Type Int() { return Type(TypeKind::kInt); }
  static Type Uint() { return Type(TypeKind::kUint); }
  static Type Double() { return Type(TypeKind::kDouble); }
  static Type String() { return Type(TypeKind::kString); }
  static Type Bytes() { return Type(TypeKind::kBytes); }
  static Type Duration() { return Type(TypeKind::kDuration); }
  static Type Timestamp() { return Type(TypeKind::kTimestamp); }
  static Type Date() { return Type(TypeKind::kDate); }
  static Type Money() { return Type(TypeKind::kMoney); }
  static Type List(Type elem);
  static Type Map(Type key, Type value);
  // REQUIRES: `object` outlives every use of the returned type.
  static Type Object(const ObjectType* object);
  // The type of the type value `t`, e.g. TypeOf(Int()) for the value `int`.
  static Type TypeOf(Type t);
  static Type Param(absl::string_view name);

  TypeKind kind() const { return kind_; }
  bool is_dyn() const { return kind_ == TypeKind::kDyn; }
  bool is_error() const { return kind_ == TypeKind::kError; }
  // dyn or error: anything goes at check time.
  bool is_open() const { return kind_ == TypeKind::kDyn || kind_ == TypeKind::kError; }
  bool is_numeric() const { return kind_ == TypeKind::kInt || kind_ == TypeKind::kUint || kind_ == TypeKind::kDouble; }

  // list element, or the T of type(T). REQUIRES: kind is kList or kType.
  const Type& elem() const { return (*params_)[0]; }
  // REQUIRES: kind is kMap.
  const Type& key() const { return (*params_)[0]; }
  const Type& value() const { return (*params_)[1]; }
  // REQUIRES: kind is kObject.
  const ObjectType* object() const { return object_; }
  // REQUIRES: kind is kParam.
  const std::string& param_name() const { return name_; }

  // "int", "list(person)", "map(string, int)", "type(int)", "timestamp".
  std::string ToString() const;

  // Structural equality (object types by identity).
  friend bool operator==(const Type& a, const Type& b);
  friend bool operator!=(const Type& a, const Type& b) { return !(a == b); }

 private:
  explicit Type(TypeKind kind) : kind_(kind) {}

  TypeKind kind_ = TypeKind::kDyn;
  std::shared_ptr<const std::vector<Type>> params_;
  const ObjectType* object_ = nullptr;
  std::string name_;
};

// One field of an object type. `index` is the field's position in
// declaration order: records hand their fields to the evaluator by index.
struct FieldDecl {
  std::string name;
  Type type;
  int index = 0;
};

// A record type such as `person`: named, typed fields, each of which may be
// absent at run time (`has(person.phone)` tests presence). Fields may refer to
// the type itself (`children: list(person)`).
class ObjectType {
 public:
  explicit ObjectType(std::string name) : name_(std::move(name)) {}
  ObjectType(const ObjectType&) = delete;
  ObjectType& operator=(const ObjectType&) = delete;

  const std::string& name() const { return name_; }

  // Adds a field at the next index and returns that index. INVALID_ARGUMENT
  // when the name is not an identifier or is already a field.
  absl::StatusOr<int> AddField(absl::string_view name, Type type);

  // The field, or null when the type has no field of that name.
  const FieldDecl* FindField(absl::string_view name) const;
  const std::vector<FieldDecl>& fields() const { return fields_; }
  int field_count() const { return static_cast<int>(fields_.size()); }

 private:
  std::string name_;
  std::vector<FieldDecl> fields_;
};

// True for [_a-zA-Z][_a-zA-Z0-9]*.
bool IsIdentifier(absl::string_view text);

// True for the words the language reserves (true, false, null, in, and
// as, break, const, ... kept for embedding languages).
bool IsReservedWord(absl::string_view word);

}  // namespace proactive::lang

#endif  // PROACTIVE_ENGINE_LANG_TYPES_H_
