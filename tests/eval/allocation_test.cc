// Evaluating rules over records allocates nothing: scalars live in Values,
// fields are read in place, errors for absent fields are prepared at compile
// time. This binary counts every operator new.
#include <atomic>
#include <cstdlib>
#include <new>

#include "gtest/gtest.h"
#include "tests/eval/rules_env.h"

namespace {
std::atomic<bool> counting{false};
std::atomic<int64_t> allocations{0};
}  // namespace

void* operator new(size_t size) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// The replaced operator new above allocates with malloc, so free is right.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace proactive::eval {
namespace {

TEST(AllocationTest, ReferenceRulesEvaluateWithoutAllocating) {
  testing::RulesEnv env;
  RecordObject& child = env.NewPerson();
  child.Set(env.birth_date, Value::Date(absl::CivilDay(2023, 5, 1)));
  RecordObject& adult = env.NewPerson();
  adult.Set(env.birth_date, Value::Date(absl::CivilDay(1950, 3, 1)));
  adult.Set(env.lives_alone, Value::Bool(true));
  adult.Set(env.arrondissement, Value::Int(11));
  adult.Set(env.yearly_income, Value::Money(900000, "EUR"));
  adult.Set(env.receives_rsa, Value::Bool(false));
  adult.Set(env.children, Value::List({Value::Object(&child)}));
  RecordObject& household = env.NewHousehold();
  household.Set(env.members, Value::List({Value::Object(&adult), Value::Object(&child)}));
  env.activation.Bind(env.household_slot, Value::Object(&household));
  const char* rules[] = {
      "age(person.birth_date, today) >= 65 && (person.lives_alone || "
      "person.registered_vulnerable) && has(person.phone)",
      "person.children.exists(c, c.birth_date.year() == school_year - 3) && "
      "person.arrondissement >= 1 && person.arrondissement <= 20",
      "person.yearly_income < eur(12000) + eur(6000) * "
      "(size(household.members) - 1) && "
      "!person.receives_rsa",
  };
  const bool expected[] = {false, true, true};
  for (int i = 0; i < 3; ++i) {
    std::shared_ptr<const Program> program = env.MustCompile(rules[i]);
    ASSERT_NE(program, nullptr);
    for (const RecordObject* person : {&adult, &child}) {
      env.activation.Bind(env.person_slot, Value::Object(person));
      allocations = 0;
      counting = true;
      absl::StatusOr<Value> v = program->Evaluate(env.activation);
      counting = false;
      EXPECT_EQ(allocations.load(), 0) << rules[i];
      ASSERT_TRUE(v.ok());
      if (person == &adult) {
        ASSERT_EQ(v->kind(), Value::Kind::kBool) << FormatValue(*v);
        EXPECT_EQ(v->bool_value(), expected[i]) << rules[i];
      }
      // As the rule evaluator tests a `when`.
      Value other;
      allocations = 0;
      counting = true;
      absl::StatusOr<Truth> truth = program->EvaluateCondition(env.activation, &other);
      counting = false;
      EXPECT_EQ(allocations.load(), 0) << rules[i];
      ASSERT_TRUE(truth.ok());
      if (person == &adult) {
        EXPECT_EQ(*truth, expected[i] ? Truth::kTrue : Truth::kFalse) << rules[i];
      }
    }
  }
}

}  // namespace
}  // namespace proactive::eval
