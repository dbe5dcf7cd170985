#include "engine/lang/types.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace proactive::lang {

Type Type::List(Type elem) {
  Type t(TypeKind::kList);
  t.params_ = std::make_shared<const std::vector<Type>>(std::vector<Type>{std::move(elem)});
  return t;
}

Type Type::Map(Type key, Type value) {
  Type t(TypeKind::kMap);
  t.params_ = std::make_shared<const std::vector<Type>>(std::vector<Type>{std::move(key), std::move(value)});
  return t;
}

Type Type::Object(const ObjectType* object) {
  Type t(TypeKind::kObject);
  t.object_ = object;
  return t;
}

Type Type::TypeOf(Type of) {
  Type t(TypeKind::kType);
  t.params_ = std::make_shared<const std::vector<Type>>(std::vector<Type>{std::move(of)});
  return t;
}

Type Type::Param(absl::string_view name) {
  Type t(TypeKind::kParam);
  t.name_ = std::string(name);
  return t;
}

std::string Type::ToString() const {
  switch (kind_) {
    case TypeKind::kDyn:
      return "dyn";
    case TypeKind::kError:
      return "*error*";
    case TypeKind::kNull:
      return "null_type";
    case TypeKind::kBool:
      return "bool";
    case TypeKind::kInt:
      return "int";
    case TypeKind::kUint:
      return "uint";
    case TypeKind::kDouble:
      return "double";
    case TypeKind::kString:
      return "string";
    case TypeKind::kBytes:
      return "bytes";
    case TypeKind::kDuration:
      return "duration";
    case TypeKind::kTimestamp:
      return "timestamp";
    case TypeKind::kDate:
      return "date";
    case TypeKind::kMoney:
      return "money";
    case TypeKind::kList:
      return absl::StrCat("list(", elem().ToString(), ")");
    case TypeKind::kMap:
      return absl::StrCat("map(", key().ToString(), ", ", value().ToString(), ")");
    case TypeKind::kObject:
      return object_ == nullptr ? "object" : object_->name();
    case TypeKind::kType:
      return absl::StrCat("type(", elem().ToString(), ")");
    case TypeKind::kParam:
      return name_;
  }
  return "?";
}

bool operator==(const Type& a, const Type& b) {
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case TypeKind::kList:
    case TypeKind::kType:
      return a.elem() == b.elem();
    case TypeKind::kMap:
      return a.key() == b.key() && a.value() == b.value();
    case TypeKind::kObject:
      return a.object_ == b.object_;
    case TypeKind::kParam:
      return a.name_ == b.name_;
    default:
      return true;
  }
}

absl::StatusOr<int> ObjectType::AddField(absl::string_view name, Type type) {
  if (!IsIdentifier(name) || IsReservedWord(name)) {
    return absl::InvalidArgumentError(absl::StrCat("field name \"", name, "\" of ", name_, " is not an identifier"));
  }
  if (FindField(name) != nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(name_, " already has a field named \"", name, "\""));
  }
  const int index = static_cast<int>(fields_.size());
  fields_.push_back(FieldDecl{std::string(name), std::move(type), index});
  return index;
}

const FieldDecl* ObjectType::FindField(absl::string_view name) const {
  for (const FieldDecl& field : fields_) {
    if (field.name == name) return &field;
  }
  return nullptr;
}

bool IsIdentifier(absl::string_view text) {
  if (text.empty()) return false;
  if (!absl::ascii_isalpha(static_cast<unsigned char>(text[0])) && text[0] != '_') return false;
  for (char c : text) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

bool IsReservedWord(absl::string_view word) {
  static constexpr absl::string_view kReserved[] = {
      "true", "false",  "null", "in",   "as",      "break",     "const",  "continue", "else", "for",  "function",
      "if",   "import", "let",  "loop", "package", "namespace", "return", "var",      "void", "while"};
  for (absl::string_view r : kReserved) {
    if (word == r) return true;
  }
  return false;
}

}  // namespace proactive::lang
