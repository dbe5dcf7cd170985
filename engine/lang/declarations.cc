#include "engine/lang/declarations.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace proactive::lang {
namespace {

bool IsBuiltinTypeName(absl::string_view name) {
  static constexpr absl::string_view kNames[] = {"int",       "uint",      "double",   "bool", "string",
                                                 "bytes",     "list",      "map",      "type", "dyn",
                                                 "null_type", "timestamp", "duration", "date", "money"};
  for (absl::string_view n : kNames) {
    if (n == name) return true;
  }
  return false;
}

bool IsQualifiedName(absl::string_view name) {
  for (absl::string_view part : absl::StrSplit(name, '.')) {
    if (!IsIdentifier(part) || IsReservedWord(part)) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<ObjectType*> TypeEnvironment::DeclareObjectType(absl::string_view name) {
  if (!IsIdentifier(name) || IsReservedWord(name)) {
    return absl::InvalidArgumentError(absl::StrCat("object type name \"", name, "\" is not an identifier"));
  }
  if (IsBuiltinTypeName(name)) {
    return absl::InvalidArgumentError(absl::StrCat("\"", name, "\" is a built-in type"));
  }
  if (object_index_.contains(name)) {
    return absl::InvalidArgumentError(absl::StrCat("object type \"", name, "\" is already declared"));
  }
  auto type = std::make_shared<ObjectType>(std::string(name));
  ObjectType* raw = type.get();
  object_types_.push_back(std::move(type));
  object_index_.emplace(std::string(name), raw);
  return raw;
}

absl::Status TypeEnvironment::DeclareSharedObjectType(std::shared_ptr<ObjectType> type) {
  if (object_index_.contains(type->name())) {
    return absl::InvalidArgumentError(absl::StrCat("object type \"", type->name(), "\" is already declared"));
  }
  object_index_.emplace(type->name(), type.get());
  object_types_.push_back(std::move(type));
  return absl::OkStatus();
}

const ObjectType* TypeEnvironment::FindObjectType(absl::string_view name) const {
  auto it = object_index_.find(name);
  return it == object_index_.end() ? nullptr : it->second;
}

absl::StatusOr<int> TypeEnvironment::DeclareVariable(absl::string_view name, Type type) {
  if (!IsQualifiedName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("variable name \"", name, "\" is not an identifier (or identifiers joined by '.')"));
  }
  if (variable_index_.contains(name)) {
    return absl::InvalidArgumentError(absl::StrCat("variable \"", name, "\" is already declared"));
  }
  const int slot = static_cast<int>(variables_.size());
  variables_.push_back(VariableDecl{std::string(name), std::move(type), slot});
  variable_index_.emplace(std::string(name), slot);
  return slot;
}

const VariableDecl* TypeEnvironment::FindVariable(absl::string_view name) const {
  auto it = variable_index_.find(name);
  return it == variable_index_.end() ? nullptr : &variables_[it->second];
}

absl::string_view OperatorDisplayName(absl::string_view function) {
  static const std::pair<absl::string_view, absl::string_view> kOperators[] = {
      {kAnd, "&&"},           {kOr, "||"},    {kNot, "!"},         {kNegate, "-"},
      {kConditional, "?:"},   {kIndex, "[]"}, {kIn, "in"},         {kEquals, "=="},
      {kNotEquals, "!="},     {kLess, "<"},   {kLessEquals, "<="}, {kGreater, ">"},
      {kGreaterEquals, ">="}, {kAdd, "+"},    {kSubtract, "-"},    {kMultiply, "*"},
      {kDivide, "/"},         {kModulo, "%"}};
  for (const auto& [name, display] : kOperators) {
    if (name == function) return display;
  }
  return function;
}

}  // namespace proactive::lang
