// The names a rule expression may use, typed from the attribute schema:
//
//   person      the subject: every schema attribute, plus id, guardians,
//               children (lists of person), and the row of each reference
//               table with a person_field (person.school_sector.school_name)
//   household   id and members (list of person, the subject included)
//   today       the evaluation date (date)
//   school_year the year of the next September rentrée (int)
//   broadcast   only for rules triggered by a broadcast: topic, area and the
//               topic's declared fields
//   <parameter> each dated parameter of the pack, as in force on `today`
//
//   ASSIGN_OR_RETURN(auto env, RuleEnvironment::Create(schema, topic, pack.parameters));
//   eval::Compile(rule.when.text, env->types());
#ifndef PROACTIVE_ENGINE_RULES_RULE_ENVIRONMENT_H_
#define PROACTIVE_ENGINE_RULES_RULE_ENVIRONMENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/lang/declarations.h"
#include "engine/rules/pack_spec.h"
#include "engine/schema/attribute_schema.h"

namespace proactive {

// A reference table rules read through the person (its person_field): the
// row whose key is the person's attribute `key_attribute`.
struct JoinedTable {
  std::string table;                           // "school_sectors_maternelle"
  std::string person_field;                    // "school_sector"
  std::string key_attribute;                   // "address_key"
  int field = -1;                              // the person_field's index in the person type
  const lang::ObjectType* row_type = nullptr;  // the table's columns, key included
};

// Field indexes of the person object type that are not schema attributes.
struct PersonFields {
  int id = -1;
  int guardians = -1;
  int children = -1;
  std::vector<int> attribute;  // by index in AttributeSchema::attributes()
  std::vector<JoinedTable> joined;
  // The joined table read through `field`, or null.
  const JoinedTable* FindJoined(absl::string_view field) const {
    for (const JoinedTable& j : joined) {
      if (j.person_field == field) return &j;
    }
    return nullptr;
  }
};

class RuleEnvironment {
 public:
  // `topic` is null for rules not triggered by a broadcast. INVALID_ARGUMENT
  // when a parameter's name clashes with a built-in variable. With
  // `person_types_from` (an environment of the same `schema`), the person and
  // household types are that environment's, shared: a person's graph built
  // for a rule of one serves the rules of the other (SharesPersonTypesWith).
  static absl::StatusOr<std::unique_ptr<RuleEnvironment>> Create(const AttributeSchema& schema, const TopicSpec* topic,
                                                                 const std::vector<ParameterSpec>& parameters,
                                                                 const RuleEnvironment* person_types_from = nullptr);

  const lang::TypeEnvironment& types() const { return types_; }

  const lang::ObjectType& person_type() const { return *person_type_; }
  const lang::ObjectType& household_type() const { return *household_type_; }
  // Null without a topic.
  const lang::ObjectType* broadcast_type() const { return broadcast_type_; }
  const PersonFields& person_fields() const { return person_fields_; }
  // True when both have the same person and household types: records made
  // for one are records of the other.
  bool SharesPersonTypesWith(const RuleEnvironment& other) const {
    return person_type_ == other.person_type_ && household_type_ == other.household_type_;
  }
  int household_id_field() const { return household_id_field_; }
  int household_members_field() const { return household_members_field_; }
  // Index of topic field `i` (TopicSpec::fields order) in the broadcast type;
  // topic is field 0 and area field 1.
  int broadcast_field(size_t i) const { return static_cast<int>(i) + 2; }

  int person_slot() const { return person_slot_; }
  int household_slot() const { return household_slot_; }
  int today_slot() const { return today_slot_; }
  int school_year_slot() const { return school_year_slot_; }
  int broadcast_slot() const { return broadcast_slot_; }  // -1 without a topic
  // Slot of parameter `i` (in the order given to Create).
  int parameter_slot(size_t i) const { return parameter_slots_[i]; }

 private:
  RuleEnvironment() = default;

  lang::TypeEnvironment types_;
  lang::ObjectType* person_type_ = nullptr;
  lang::ObjectType* household_type_ = nullptr;
  lang::ObjectType* broadcast_type_ = nullptr;
  PersonFields person_fields_;
  int household_id_field_ = -1;
  int household_members_field_ = -1;
  int person_slot_ = -1, household_slot_ = -1, today_slot_ = -1, school_year_slot_ = -1, broadcast_slot_ = -1;
  std::vector<int> parameter_slots_;
};

// The language type of a schema type.
lang::Type LanguageType(const TypeSpec& type);

// The school year of the next rentrée (1 September) on or after `today`'s
// school year start: 2026-03-10 -> 2026, 2026-09-01 -> 2027.
int SchoolYear(absl::CivilDay today);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_RULES_RULE_ENVIRONMENT_H_
