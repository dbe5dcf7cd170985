// The evaluator: CEL semantics (errors as values, commutative logic,
// overflow, heterogeneous numbers), the standard functions, records and
// links, limits.
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/eval/compiler.h"
#include "engine/eval/value_ops.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/eval/rules_env.h"
#include "tests/testing/status_matchers.h"

namespace proactive::eval {
namespace {

using ::proactive::testing::StatusIs;
using ::testing::HasSubstr;

class EvaluatorTest : public ::testing::Test {
 protected:
  // The stable text of the value of `text`.
  std::string E(absl::string_view text) { return FormatValue(env_.Eval(text, person_)); }

  void SetUp() override {
    person_ = &env_.NewPerson();
    person_->Set(env_.birth_date, Value::Date(absl::CivilDay(1950, 3, 1)));
    person_->Set(env_.arrondissement, Value::Int(11));
    person_->Set(env_.lives_alone, Value::Bool(true));
  }

  testing::RulesEnv env_;
  RecordObject* person_ = nullptr;
};

TEST_F(EvaluatorTest, Arithmetic) {
  EXPECT_EQ(E("1 + 2 * 3"), "7");
  EXPECT_EQ(E("7 / 2"), "3");
  EXPECT_EQ(E("-7 / 2"), "-3");
  EXPECT_EQ(E("-7 % 3"), "-1");
  EXPECT_EQ(E("7u - 2u"), "5u");
  EXPECT_EQ(E("1.5 * 2.0"), "3.0");
  EXPECT_EQ(E("'ab' + 'cd'"), "\"abcd\"");
  EXPECT_EQ(E("[1] + [2, 3]"), "[1, 2, 3]");
}

TEST_F(EvaluatorTest, OverflowAndDivisionByZeroAreErrors) {
  EXPECT_EQ(E("9223372036854775807 + 1"), "error: integer overflow in +");
  EXPECT_EQ(E("-9223372036854775808 - 1"), "error: integer overflow in -");
  EXPECT_EQ(E("-(-9223372036854775808)"), "error: integer overflow in negation");
  EXPECT_EQ(E("0u - 1u"), "error: integer overflow in -");
  EXPECT_EQ(E("1 / 0"), "error: division by zero");
  EXPECT_EQ(E("1 % 0"), "error: modulus by zero");
  EXPECT_EQ(E("1.0 / 0.0"), "Infinity");
}

TEST_F(EvaluatorTest, HeterogeneousNumbers) {
  EXPECT_EQ(E("dyn(1) == 1.0"), "true");
  EXPECT_EQ(E("dyn(1u) == 1"), "true");
  EXPECT_EQ(E("1 < 1.5"), "true");
  EXPECT_EQ(E("dyn(-1) < 0u"), "true");
  EXPECT_EQ(E("dyn(18446744073709551615u) > 9223372036854775807"), "true");
  EXPECT_EQ(E("dyn('1') == 1"), "false");
  EXPECT_EQ(E("[1, 2] == [1.0, 2u]"), "true");
  EXPECT_EQ(E("{1: 'a'} == {1u: 'a'}"), "true");
  EXPECT_EQ(E("0.0/0.0 == 0.0/0.0"), "false");
}

TEST_F(EvaluatorTest, AbsentFieldIsAnErrorValue) {
  EXPECT_EQ(E("person.phone"), "error: no value for person.phone");
  EXPECT_EQ(E("has(person.phone)"), "false");
  EXPECT_EQ(E("has(person.lives_alone)"), "true");
  EXPECT_EQ(E("size(person.phone)"), "error: no value for person.phone");
}

TEST_F(EvaluatorTest, LogicAbsorbsErrorsInEitherOrder) {
  EXPECT_EQ(E("person.phone == '1' || true"), "true");
  EXPECT_EQ(E("true || person.phone == '1'"), "true");
  EXPECT_EQ(E("person.phone == '1' && false"), "false");
  EXPECT_EQ(E("false && person.phone == '1'"), "false");
  EXPECT_EQ(E("person.phone == '1' && true"), "error: no value for person.phone");
  EXPECT_EQ(E("false || person.phone == '1'"), "error: no value for person.phone");
  EXPECT_EQ(E("1/0 > 0 || 2/0 > 0"), "error: division by zero");
  EXPECT_EQ(E("!(1/0 > 0)"), "error: division by zero");
  EXPECT_EQ(E("person.phone == '1' ? 1 : 2"), "error: no value for person.phone");
  EXPECT_EQ(E("true ? 1 : 1/0"), "1");
}

TEST_F(EvaluatorTest, UnboundVariable) {
  EXPECT_EQ(E("broadcast.level == 'red'"), "error: no value for variable 'broadcast'");
  EXPECT_EQ(E("has(broadcast.level) || true"), "true");
}

TEST_F(EvaluatorTest, Strings) {
  EXPECT_EQ(E("size('été')"), "3");
  EXPECT_EQ(E("size(b'\\xc3\\xa9')"), "2");
  EXPECT_EQ(E("'hello'.contains('ell')"), "true");
  EXPECT_EQ(E("'hello'.startsWith('he') && 'hello'.endsWith('lo')"), "true");
  EXPECT_EQ(E("'75011'.matches('^750[0-2][0-9]$')"), "true");
  EXPECT_EQ(E("matches('abc', 'x')"), "false");
  EXPECT_EQ(E("'a' < 'b' && 'é' > 'z'"), "true");
}

TEST_F(EvaluatorTest, RegularExpressionsAreCompiledOnceOrReportedAtCompileTime) {
  CompileResult bad = Compile("person.phone.matches('(')", env_.env);
  ASSERT_EQ(bad.program, nullptr);
  ASSERT_EQ(bad.diagnostics.size(), 1u);
  EXPECT_EQ(bad.diagnostics[0].column, 22);
  EXPECT_THAT(bad.diagnostics[0].message, HasSubstr("invalid regular expression: missing )"));
  // A pattern known only at run time is checked at run time.
  EXPECT_THAT(E("'a'.matches(string(person.arrondissement) + '(')"), HasSubstr("error: invalid regular expression"));
}

TEST_F(EvaluatorTest, Conversions) {
  EXPECT_EQ(E("int('42') + int(2.9) + int(-2.9)"), "42");
  EXPECT_EQ(E("int('4x')"), "error: cannot convert \"4x\" to int");
  EXPECT_EQ(E("int(1e19)"), "error: int conversion is out of range");
  EXPECT_EQ(E("uint(-1)"), "error: uint conversion is out of range");
  EXPECT_EQ(E("double('2.5')"), "2.5");
  EXPECT_EQ(E("string(2.5) + string(3) + string(4u) + string(true)"), "\"2.534true\"");
  EXPECT_EQ(E("string(b'\\xff')"), "error: cannot convert bytes to string: not valid UTF-8");
  EXPECT_EQ(E("bytes('a')"), "b\"a\"");
  EXPECT_EQ(E("bool('true')"), "true");
  EXPECT_EQ(E("type(1) == int && type('a') == string && type([]) == list"), "true");
  EXPECT_EQ(E("type(person)"), "person");
  EXPECT_EQ(E("type(today)"), "date");
}

TEST_F(EvaluatorTest, TimestampsAndDurations) {
  EXPECT_EQ(E("timestamp('2026-07-01T08:00:00Z') + duration('90m')"), "timestamp(\"2026-07-01T09:30:00Z\")");
  EXPECT_EQ(E("timestamp('2026-07-01T08:00:00Z') - "
              "timestamp('2026-07-01T07:59:58.5Z')"),
            "duration(\"1.5s\")");
  EXPECT_EQ(E("timestamp('2026-07-01T23:30:00Z').getHours('Europe/Paris')"), "1");
  EXPECT_EQ(E("timestamp('2026-07-01T23:30:00Z').getDayOfWeek('Europe/Paris')"), "4");
  EXPECT_EQ(E("timestamp('2026-07-01T23:30:00Z').getDate('+02:00')"), "2");
  EXPECT_EQ(E("timestamp('2026-07-01T23:30:00Z').getHours('Mars/Olympus')"), "error: unknown time zone 'Mars/Olympus'");
  EXPECT_EQ(E("duration('1h30m').getMinutes()"), "90");
  EXPECT_EQ(E("timestamp('9999-12-31T23:59:59Z') + duration('1s')"),
            "error: timestamp out of range (years 0001 to 9999)");
}

TEST_F(EvaluatorTest, ListsMapsAndIndexing) {
  EXPECT_EQ(E("[1, 2, 3][1]"), "2");
  EXPECT_EQ(E("[1, 2, 3][3]"), "error: index out of range: 3 (the list has 3 elements)");
  EXPECT_EQ(E("{'a': 1}['b']"), "error: no such key: \"b\"");
  EXPECT_EQ(E("{'a': 1}.b"), "error: no such key: 'b' in {'a': 1}.b");
  EXPECT_EQ(E("2 in [1, 2] && 'a' in {'a': 1} && !(3 in [1, 2])"), "true");
  EXPECT_EQ(E("{'k': 1, 'k': 2}"), "error: duplicate map key \"k\"");
  EXPECT_EQ(E("size({1: 2, 3: 4})"), "2");
}

TEST_F(EvaluatorTest, Macros) {
  EXPECT_EQ(E("[1, 2, 3].all(x, x > 0)"), "true");
  EXPECT_EQ(E("[1, 2, 3].exists(x, x == 2)"), "true");
  EXPECT_EQ(E("[1, 2, 3].exists_one(x, x > 1)"), "false");
  EXPECT_EQ(E("[1, 2, 3].map(x, x * 10)"), "[10, 20, 30]");
  EXPECT_EQ(E("[1, 2, 3].map(x, x > 1, x * 10)"), "[20, 30]");
  EXPECT_EQ(E("[1, 2, 3].filter(x, x != 2)"), "[1, 3]");
  EXPECT_EQ(E("{'a': 1, 'b': 2}.filter(k, k == 'b')"), "[\"b\"]");
  EXPECT_EQ(E("['a', 'b'].transformList(i, v, v + string(i))"), "[\"a0\", \"b1\"]");
  EXPECT_EQ(E("{'a': 1}.transformMap(k, v, v + 1)"), "{\"a\": 2}");
  // Errors: all() is false if any element is false, whatever the errors.
  EXPECT_EQ(E("[0, 1, 2].all(x, 2 / x > 1)"), "false");
  EXPECT_EQ(E("[0, 1].all(x, 2 / x > 0)"), "error: division by zero");
  EXPECT_EQ(E("[0, 1].exists(x, 2 / x > 1)"), "true");
}

TEST_F(EvaluatorTest, LoopInvariantsAreRecomputedForEachOuterIteration) {
  // x * 10 does not depend on y: it is computed once per run of the inner
  // exists(), which must still see each x.
  EXPECT_EQ(E("[1, 2].all(x, [10, 20].exists(y, y == x * 10))"), "true");
  EXPECT_EQ(E("[1, 2].map(x, [1, 2, 3].filter(y, y > x * 1).size())"), "[2, 1]");
  EXPECT_EQ(E("[1, 2].map(x, [0].map(y, [5, 6].map(z, z - x)))"), "[[[4, 5]], [[3, 4]]]");
  // An invariant error stays an error, and an unused one is never raised.
  EXPECT_EQ(E("[1, 2].exists(x, 1 / 0 == x)"), "error: division by zero");
  EXPECT_EQ(E("[].exists(x, 1 / 0 == x)"), "false");
  EXPECT_EQ(E("[1, 2].exists(x, x == 1 || 1 / 0 == x)"), "true");
}

TEST_F(EvaluatorTest, BooleanFastPathKeepsErrorsAndTypes) {
  EXPECT_EQ(E("!person.lives_alone"), "false");
  EXPECT_EQ(E("!person.phone.startsWith('0')"), "error: no value for person.phone");
  EXPECT_EQ(E("[1].exists(x, dyn(x))"), "error: the condition of exists() gave int, not a bool");
  EXPECT_EQ(E("dyn(1) && true"), "error: no matching overload for '&&' applied to int (it needs bool)");
  EXPECT_EQ(E("!dyn('a')"), "error: no matching overload for '!' applied to string (it needs bool)");
  EXPECT_EQ(E("has(dyn(1).a)"), "error: has() needs an object or a map, not int");
}

TEST_F(EvaluatorTest, PersonLinks) {
  RecordObject& child1 = env_.NewPerson();
  child1.Set(env_.birth_date, Value::Date(absl::CivilDay(2023, 5, 1)));
  RecordObject& child2 = env_.NewPerson();
  child2.Set(env_.birth_date, Value::Date(absl::CivilDay(2015, 1, 9)));
  person_->Set(env_.children, Value::List({Value::Object(&child1), Value::Object(&child2)}));
  child1.Set(env_.guardians, Value::List({Value::Object(person_)}));
  EXPECT_EQ(E("person.children.exists(c, c.birth_date.year() == today.year() - 3)"), "true");
  EXPECT_EQ(E("person.children.filter(c, age(c.birth_date, today) < 10).size()"), "1");
  EXPECT_EQ(E("person.children[0].guardians[0].arrondissement"), "11");
  EXPECT_EQ(E("person.children[0].guardians[0] == person"), "true");
  EXPECT_EQ(E("person.children.map(c, c.birth_date)"), "[date(\"2023-05-01\"), date(\"2015-01-09\")]");
  EXPECT_EQ(E("person.children.all(c, has(c.phone))"), "false");
  RecordObject& household = env_.NewHousehold();
  household.Set(env_.members, Value::List({Value::Object(person_), Value::Object(&child1)}));
  EXPECT_EQ(FormatValue(env_.Eval("size(household.members)", person_, &household)), "2");
}

TEST_F(EvaluatorTest, DynamicFieldAccessByName) {
  RecordObject& child = env_.NewPerson();
  child.Set(env_.arrondissement, Value::Int(5));
  person_->Set(env_.children, Value::List({Value::Object(&child)}));
  EXPECT_EQ(E("dyn(person.children[0]).arrondissement"), "5");
  EXPECT_EQ(E("dyn(person.children[0]).phone"), "error: no value for dyn(person.children[0]).phone");
  EXPECT_EQ(E("dyn(person).nope"), "error: person has no field 'nope'");
}

// A person looked up as a map key is named by its type: their fields (a
// phone number) would otherwise travel in the error and its trace.
TEST_F(EvaluatorTest, AnObjectKeyNotFoundIsNamedNotPrinted) {
  person_->Set(env_.phone, Value::String("+33600000002"));
  EXPECT_EQ(E("{}[person]"), "error: no such key: a person");
  EXPECT_EQ(E("{'a': 1}['b']"), "error: no such key: \"b\"");
}

TEST_F(EvaluatorTest, WrongDataTypeInARecordIsAnErrorNotACrash) {
  person_->Set(env_.arrondissement, Value::String("11"));
  EXPECT_EQ(E("person.arrondissement + 1"), "error: no matching overload for '+' applied to (string, int)");
}

TEST_F(EvaluatorTest, IterationLimitStopsEvaluationAndIsNotAbsorbed) {
  std::shared_ptr<const Program> program = env_.MustCompile(
      "true || [1, 2, 3, 4, 5].map(x, [1, 2, 3, 4, 5].map(y, x * y)).size() > "
      "0");
  ASSERT_NE(program, nullptr);
  // `true ||` decides first: nothing iterates.
  EvalOptions options;
  options.max_iterations = 10;
  EXPECT_TRUE(program->Evaluate(env_.activation, options)->bool_value());
  std::shared_ptr<const Program> runaway = env_.MustCompile(
      "[1, 2, 3, 4, 5].map(x, [1, 2, 3, 4, 5].map(y, x * y + "
      "person.arrondissement)).size() > 0 "
      "|| true");
  env_.activation.Bind(env_.person_slot, Value::Object(person_));
  EXPECT_THAT(runaway->Evaluate(env_.activation, options),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("more than 10 iterations in comprehensions")));
  EvalOptions steps;
  steps.max_steps = 20;
  EXPECT_THAT(runaway->Evaluate(env_.activation, steps),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("more than 20 evaluation steps")));
  EXPECT_TRUE(runaway->Evaluate(env_.activation)->bool_value());
}

TEST_F(EvaluatorTest, ConcurrentEvaluationsShareOneProgram) {
  std::shared_ptr<const Program> program = env_.MustCompile(
      "person.children.exists(c, c.arrondissement == person.arrondissement) && "
      "string(person.arrondissement) + '!' == '11!'");
  RecordObject& child = env_.NewPerson();
  child.Set(env_.arrondissement, Value::Int(11));
  person_->Set(env_.children, Value::List({Value::Object(&child)}));
  env_.activation.Bind(env_.person_slot, Value::Object(person_));
  std::vector<std::thread> threads;
  std::vector<int> trues(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) {
        absl::StatusOr<Value> v = program->Evaluate(env_.activation);
        if (v.ok() && v->kind() == Value::Kind::kBool && v->bool_value()) ++trues[t];
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (int n : trues) EXPECT_EQ(n, 2000);
}

}  // namespace
}  // namespace proactive::eval

namespace proactive::eval {
namespace {

TEST(TimeZoneTest, OnlyZoneNamesReachTheDatabase) {
  testing::RulesEnv env;
  EXPECT_EQ(FormatValue(env.Eval("timestamp('2026-01-01T12:00:00Z').getHours('/etc/passwd')")),
            "error: unknown time zone '/etc/passwd'");
  EXPECT_EQ(FormatValue(env.Eval("timestamp('2026-01-01T12:00:00Z').getHours('../../x')")),
            "error: unknown time zone '../../x'");
  EXPECT_EQ(FormatValue(env.Eval("timestamp('2026-01-01T12:00:00Z').getHours('UTC')")), "12");
  EXPECT_EQ(FormatValue(env.Eval("timestamp('2026-01-01T12:00:00Z').getHours('Asia/Kolkata')")), "17");
  // Twice: the second lookup comes from the cache.
  EXPECT_EQ(FormatValue(env.Eval("timestamp('2026-01-01T12:00:00Z').getHours('Asia/Kolkata')")), "17");
}

}  // namespace
}  // namespace proactive::eval
