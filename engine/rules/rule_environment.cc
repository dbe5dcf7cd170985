#include "engine/rules/rule_environment.h"

#include "absl/strings/str_cat.h"
#include "engine/common/status_macros.h"

namespace proactive {

lang::Type LanguageType(const TypeSpec& type) {
  const auto scalar = [](ValueKind kind) {
    switch (kind) {
      case ValueKind::kBool:
        return lang::Type::Bool();
      case ValueKind::kInt:
        return lang::Type::Int();
      case ValueKind::kDouble:
        return lang::Type::Double();
      case ValueKind::kString:
        return lang::Type::String();
      case ValueKind::kDate:
        return lang::Type::Date();
      case ValueKind::kMoney:
        return lang::Type::Money();
      case ValueKind::kTimestamp:
        return lang::Type::Timestamp();
      case ValueKind::kDuration:
        return lang::Type::Duration();
      case ValueKind::kPerson:
        return lang::Type::String();  // a person id
      case ValueKind::kList:
        break;
    }
    return lang::Type::Dyn();
  };
  if (type.kind == ValueKind::kList) return lang::Type::List(scalar(type.element));
  return scalar(type.kind);
}

int SchoolYear(absl::CivilDay today) { return static_cast<int>(today.month() >= 9 ? today.year() + 1 : today.year()); }

absl::StatusOr<std::unique_ptr<RuleEnvironment>> RuleEnvironment::Create(const AttributeSchema& schema,
                                                                         const TopicSpec* topic,
                                                                         const std::vector<ParameterSpec>& parameters,
                                                                         const RuleEnvironment* person_types_from) {
  std::unique_ptr<RuleEnvironment> env(new RuleEnvironment());
  lang::TypeEnvironment& types = env->types_;
  if (person_types_from != nullptr) {
    const PersonFields& from = person_types_from->person_fields_;
    for (const std::shared_ptr<lang::ObjectType>& type : person_types_from->types_.object_types()) {
      bool row_type = false;
      for (const JoinedTable& joined : from.joined) row_type |= type.get() == joined.row_type;
      if (type.get() != person_types_from->person_type_ && type.get() != person_types_from->household_type_ &&
          !row_type) {
        continue;
      }
      RETURN_IF_ERROR(types.DeclareSharedObjectType(type));
    }
    env->person_type_ = person_types_from->person_type_;
    env->household_type_ = person_types_from->household_type_;
    env->person_fields_ = person_types_from->person_fields_;
    env->household_id_field_ = person_types_from->household_id_field_;
    env->household_members_field_ = person_types_from->household_members_field_;
  } else {
    ASSIGN_OR_RETURN(env->person_type_, types.DeclareObjectType("person"));
    ASSIGN_OR_RETURN(env->household_type_, types.DeclareObjectType("household"));
    lang::ObjectType* person = env->person_type_;
    PersonFields& fields = env->person_fields_;
    ASSIGN_OR_RETURN(fields.id, person->AddField("id", lang::Type::String()));
    ASSIGN_OR_RETURN(fields.guardians, person->AddField("guardians", lang::Type::List(lang::Type::Object(person))));
    ASSIGN_OR_RETURN(fields.children, person->AddField("children", lang::Type::List(lang::Type::Object(person))));
    for (const AttributeSpec& attribute : schema.attributes()) {
      absl::StatusOr<int> index = person->AddField(attribute.name, LanguageType(attribute.type));
      if (!index.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("attribute \"", attribute.name, "\" clashes with a built-in field of person"));
      }
      fields.attribute.push_back(*index);
    }
    for (const ReferenceTableSpec& table : schema.reference_tables()) {
      if (table.person_field.empty()) continue;
      JoinedTable joined{table.name, table.person_field, table.key};
      absl::StatusOr<lang::ObjectType*> declared = types.DeclareObjectType(table.name);
      if (!declared.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("reference table \"", table.name,
                                                       "\" clashes with a type of the rules (person, household, "
                                                       "broadcast, or another table)"));
      }
      lang::ObjectType* row = *declared;
      for (const FieldSpec& column : table.columns) {
        RETURN_IF_ERROR(row->AddField(column.name, LanguageType(column.type)).status());
      }
      joined.row_type = row;
      absl::StatusOr<int> index = person->AddField(table.person_field, lang::Type::Object(row));
      if (!index.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("person_field \"", table.person_field, "\" of table \"",
                                                       table.name, "\" clashes with a field of person"));
      }
      joined.field = *index;
      fields.joined.push_back(std::move(joined));
    }
    ASSIGN_OR_RETURN(env->household_id_field_, env->household_type_->AddField("id", lang::Type::String()));
    ASSIGN_OR_RETURN(env->household_members_field_,
                     env->household_type_->AddField("members", lang::Type::List(lang::Type::Object(person))));
  }
  lang::ObjectType* person = env->person_type_;

  ASSIGN_OR_RETURN(env->person_slot_, types.DeclareVariable("person", lang::Type::Object(person)));
  ASSIGN_OR_RETURN(env->household_slot_, types.DeclareVariable("household", lang::Type::Object(env->household_type_)));
  ASSIGN_OR_RETURN(env->today_slot_, types.DeclareVariable("today", lang::Type::Date()));
  ASSIGN_OR_RETURN(env->school_year_slot_, types.DeclareVariable("school_year", lang::Type::Int()));
  if (topic != nullptr) {
    ASSIGN_OR_RETURN(env->broadcast_type_, types.DeclareObjectType("broadcast"));
    ASSIGN_OR_RETURN(int topic_field, env->broadcast_type_->AddField("topic", lang::Type::String()));
    ASSIGN_OR_RETURN(int area_field, env->broadcast_type_->AddField("area", lang::Type::String()));
    (void)topic_field;
    (void)area_field;
    for (const FieldSpec& field : topic->fields) {
      absl::StatusOr<int> index = env->broadcast_type_->AddField(field.name, LanguageType(field.type));
      if (!index.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("field \"", field.name, "\" of topic \"", topic->name, "\" clashes with topic or area"));
      }
    }
    ASSIGN_OR_RETURN(env->broadcast_slot_,
                     types.DeclareVariable("broadcast", lang::Type::Object(env->broadcast_type_)));
  }
  for (const ParameterSpec& parameter : parameters) {
    absl::StatusOr<int> slot = types.DeclareVariable(parameter.name, LanguageType(parameter.type));
    if (!slot.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("parameter \"", parameter.name,
                                                     "\" clashes with a built-in name (person, household, "
                                                     "today, school_year, broadcast)"));
    }
    env->parameter_slots_.push_back(*slot);
  }
  return env;
}

}  // namespace proactive
