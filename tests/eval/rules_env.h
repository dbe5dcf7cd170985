// Test helper: the environment the rules layer declares (person, household,
// broadcast, today, school_year) and records to evaluate against.
//
//   RulesEnv env;
//   RecordObject& alice = env.NewPerson();
//   alice.Set(env.birth_date, Value::Date(absl::CivilDay(1950, 3, 1)));
//   Value v = env.Eval("age(person.birth_date, today) >= 65", alice);
#ifndef PROACTIVE_TESTS_EVAL_RULES_ENV_H_
#define PROACTIVE_TESTS_EVAL_RULES_ENV_H_

#include <deque>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "engine/eval/compiler.h"
#include "engine/eval/object_value.h"
#include "engine/lang/declarations.h"
#include "gtest/gtest.h"

namespace proactive::eval::testing {

class RulesEnv {
 public:
  RulesEnv() {
    person_type = *env.DeclareObjectType("person");
    household_type = *env.DeclareObjectType("household");
    broadcast_type = *env.DeclareObjectType("broadcast");
    const lang::Type person = lang::Type::Object(person_type);
    birth_date = *person_type->AddField("birth_date", lang::Type::Date());
    phone = *person_type->AddField("phone", lang::Type::String());
    yearly_income = *person_type->AddField("yearly_income", lang::Type::Money());
    arrondissement = *person_type->AddField("arrondissement", lang::Type::Int());
    lives_alone = *person_type->AddField("lives_alone", lang::Type::Bool());
    registered_vulnerable = *person_type->AddField("registered_vulnerable", lang::Type::Bool());
    receives_rsa = *person_type->AddField("receives_rsa", lang::Type::Bool());
    children = *person_type->AddField("children", lang::Type::List(person));
    guardians = *person_type->AddField("guardians", lang::Type::List(person));
    members = *household_type->AddField("members", lang::Type::List(person));
    size = *household_type->AddField("size", lang::Type::Int());
    level = *broadcast_type->AddField("level", lang::Type::String());
    episode_id = *broadcast_type->AddField("episode_id", lang::Type::String());
    area = *broadcast_type->AddField("area", lang::Type::String());
    person_slot = *env.DeclareVariable("person", person);
    household_slot = *env.DeclareVariable("household", lang::Type::Object(household_type));
    broadcast_slot = *env.DeclareVariable("broadcast", lang::Type::Object(broadcast_type));
    today_slot = *env.DeclareVariable("today", lang::Type::Date());
    school_year_slot = *env.DeclareVariable("school_year", lang::Type::Int());
    activation = Activation(env.slot_count());
    activation.Bind(today_slot, Value::Date(absl::CivilDay(2026, 7, 1)));
    activation.Bind(school_year_slot, Value::Int(2026));
  }

  RecordObject& NewPerson() { return people.emplace_back(*person_type); }
  RecordObject& NewHousehold() { return households.emplace_back(*household_type); }

  std::shared_ptr<const Program> MustCompile(absl::string_view text) {
    CompileResult r = Compile(text, env);
    EXPECT_NE(r.program, nullptr) << FormatDiagnostics(r.diagnostics);
    return r.program;
  }

  // Compiles and evaluates `text` with `person` (and `household` when given)
  // bound; the value, or an error value naming the status.
  Value Eval(absl::string_view text, const RecordObject* person = nullptr, const RecordObject* household = nullptr) {
    std::shared_ptr<const Program> program = MustCompile(text);
    if (program == nullptr) return Value::Error("does not compile");
    if (person != nullptr) activation.Bind(person_slot, Value::Object(person));
    if (household != nullptr) activation.Bind(household_slot, Value::Object(household));
    absl::StatusOr<Value> v = program->Evaluate(activation);
    if (!v.ok()) return Value::Error(absl::StrCat("STATUS: ", v.status().ToString()));
    return *v;
  }

  lang::TypeEnvironment env;
  lang::ObjectType* person_type;
  lang::ObjectType* household_type;
  lang::ObjectType* broadcast_type;
  int birth_date, phone, yearly_income, arrondissement, lives_alone, registered_vulnerable, receives_rsa, children,
      guardians, members, size, level, episode_id, area;
  int person_slot, household_slot, broadcast_slot, today_slot, school_year_slot;
  Activation activation;
  std::deque<RecordObject> people;
  std::deque<RecordObject> households;
};

}  // namespace proactive::eval::testing

#endif  // PROACTIVE_TESTS_EVAL_RULES_ENV_H_
