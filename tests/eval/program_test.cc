// What a compiled Program tells the rules layer: result type, reads, cost,
// trace; and how Compile reports mistakes.
#include "engine/eval/program.h"

#include <string>

#include "engine/eval/compiler.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/eval/rules_env.h"
#include "tests/testing/status_matchers.h"

namespace proactive::eval {
namespace {

using ::proactive::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

TEST(ProgramTest, DescribesWhatTheRuleReads) {
  testing::RulesEnv env;
  std::shared_ptr<const Program> p = env.MustCompile(
      "age(person.birth_date, today) >= 65 && (person.lives_alone || "
      "person.registered_vulnerable) && has(person.phone)");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->result_type(), lang::Type::Bool());
  EXPECT_THAT(p->reads(), ElementsAre("person.birth_date", "person.lives_alone", "person.phone",
                                      "person.registered_vulnerable", "today"));
  EXPECT_EQ(p->slot_count(), 5);
}

TEST(ProgramTest, TellsPathsOnlyTestedForPresenceFromPathsWhoseValueItReads) {
  testing::RulesEnv env;
  const auto presence_reads = [&](const char* text) { return env.MustCompile(text)->presence_reads(); };
  EXPECT_THAT(presence_reads("has(person.phone) && has(person.lives_alone) && person.lives_alone"),
              ElementsAre("person.phone"));
  EXPECT_THAT(presence_reads("!has(person.phone)"), ElementsAre("person.phone"));
  EXPECT_THAT(presence_reads("has(person.phone) && size(person.phone) > 3"), ElementsAre());
  // Through a macro's variable: the path of the elements' field.
  EXPECT_THAT(presence_reads("person.guardians.exists(g, has(g.phone))"), ElementsAre("person.guardians.phone"));
  EXPECT_THAT(presence_reads("person.guardians.exists(g, has(g.phone) && g.phone != '')"), ElementsAre());
  EXPECT_THAT(presence_reads("person.arrondissement == 3"), ElementsAre());
  // Read through a path-less expression: the elements filter() yields, an
  // element by index.
  EXPECT_THAT(presence_reads("person.guardians.filter(g, has(g.phone))[0].phone == '1'"), ElementsAre());
  EXPECT_THAT(presence_reads("person.guardians.exists(g, has(g.phone)) && person.guardians[0].phone == '1'"),
              ElementsAre());
}

TEST(ProgramTest, TellsListsOnlyCountedOrIteratedFromListsReadWhole) {
  testing::RulesEnv env;
  const auto whole_reads = [&](const char* text) { return env.MustCompile(text)->whole_reads(); };
  // Counted, iterated, or continued by a field: who the members are, and
  // what each path names of them.
  EXPECT_THAT(whole_reads("size(household.members) > 1 && household.members.size() < 5"), ElementsAre());
  EXPECT_THAT(whole_reads("household.members.exists(m, m.arrondissement == 3)"),
              ElementsAre("household.members.arrondissement"));
  EXPECT_THAT(env.MustCompile("household.members.exists(m, m.arrondissement == 3)")->reads(),
              ElementsAre("household.members", "household.members.arrondissement"));
  EXPECT_THAT(whole_reads("household.members.map(m, m.arrondissement).exists(a, a == 3)"),
              ElementsAre("household.members.arrondissement"));
  // Whole values: an element by index, the elements filter() yields, the
  // variable itself.
  EXPECT_THAT(whole_reads("household.members[0].arrondissement == 3"), ElementsAre("household.members"));
  EXPECT_THAT(whole_reads("size(household.members.filter(m, m.arrondissement == 3)) > 0"),
              ElementsAre("household.members", "household.members.arrondissement"));
  EXPECT_THAT(whole_reads("size(household.members.map(m, m)) > 0"), ElementsAre("household.members"));
  // size() of a string reads the string.
  EXPECT_THAT(whole_reads("size(person.phone) > 3"), ElementsAre("person.phone"));
}

TEST(ProgramTest, CostEstimate) {
  testing::RulesEnv env;
  CompileOptions options;
  options.assumed_collection_size = 10;
  CompileResult simple = Compile("person.arrondissement >= 1 && person.arrondissement <= 20", env.env, options);
  ASSERT_NE(simple.program, nullptr);
  // >= (3 nodes: fused field read counts 2, constant 1) twice, plus &&.
  EXPECT_EQ(simple.program->cost().max, 9);
  EXPECT_EQ(simple.program->cost().min, 5);
  CompileResult loop = Compile("person.children.exists(c, c.arrondissement == 3)", env.env, options);
  ASSERT_NE(loop.program, nullptr);
  // range (2) + 10 iterations x body (select 2 + constant 1 + == 1) + 1.
  EXPECT_EQ(loop.program->cost().max, 3 + 10 * 4);
  EXPECT_EQ(loop.program->cost().min, 3);
}

TEST(ProgramTest, ConstantsAreFolded) {
  testing::RulesEnv env;
  CompileResult r = Compile("eur(12000) + eur(6000) * 2", env.env);
  ASSERT_NE(r.program, nullptr);
  EXPECT_EQ(r.program->cost().max, 1);
  Trace trace;
  absl::StatusOr<Value> v = r.program->Evaluate(env.activation, {}, &trace);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(FormatValue(*v), "money(\"24000.00 EUR\")");
  ASSERT_THAT(trace.entries(), SizeIs(1));
  EXPECT_EQ(trace.entries()[0].begin, 0);
  EXPECT_EQ(trace.entries()[0].end, 26);
  // Errors are not folded: they stay run-time errors.
  CompileResult div = Compile("1 / 0 == 1 || true", env.env);
  ASSERT_NE(div.program, nullptr);
  EXPECT_TRUE(div.program->Evaluate(env.activation)->bool_value());
}

TEST(ProgramTest, TraceRecordsEverySubExpression) {
  testing::RulesEnv env;
  RecordObject& p = env.NewPerson();
  p.Set(env.birth_date, Value::Date(absl::CivilDay(1950, 3, 1)));
  p.Set(env.lives_alone, Value::Bool(false));
  env.activation.Bind(env.person_slot, Value::Object(&p));
  std::shared_ptr<const Program> program = env.MustCompile(
      "age(person.birth_date, today) >= 65 && (person.lives_alone || "
      "has(person.phone))");
  Trace trace;
  absl::StatusOr<Value> v = program->Evaluate(env.activation, {}, &trace);
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->bool_value());
  const std::string text = trace.Format(program->source());
  EXPECT_THAT(text, HasSubstr("person.birth_date = date(\"1950-03-01\")\n"));
  EXPECT_THAT(text, HasSubstr("today = date(\"2026-07-01\")\n"));
  EXPECT_THAT(text, HasSubstr("age(person.birth_date, today) = 76\n"));
  EXPECT_THAT(text, HasSubstr("age(person.birth_date, today) >= 65 = true\n"));
  EXPECT_THAT(text, HasSubstr("person.lives_alone = false\n"));
  EXPECT_THAT(text, HasSubstr("has(person.phone) = false\n"));
  // The root is recorded last.
  const TraceEntry& last = trace.entries().back();
  EXPECT_EQ(last.begin, 0);
  EXPECT_EQ(static_cast<size_t>(last.end), program->source().size());
  EXPECT_EQ(FormatValue(last.value), "false");
  EXPECT_NE(trace.Find(last.expr_id), nullptr);
}

TEST(ProgramTest, TraceShowsEachIteration) {
  testing::RulesEnv env;
  std::shared_ptr<const Program> program = env.MustCompile("[1, 2, 3].exists(x, x == school_year - 2024)");
  Trace trace;
  ASSERT_TRUE(program->Evaluate(env.activation, {}, &trace)->bool_value());
  int comparisons = 0;
  for (const TraceEntry& e : trace.entries()) {
    if (program->source().substr(e.begin, e.end - e.begin) == "x == school_year - 2024") ++comparisons;
  }
  EXPECT_EQ(comparisons, 2);  // stops at 2
}

TEST(ProgramTest, ExpectedTypeIsEnforced) {
  testing::RulesEnv env;
  CompileOptions options;
  options.expected_type = lang::Type::Bool();
  CompileResult r = Compile("person.arrondissement", env.env, options);
  EXPECT_EQ(r.program, nullptr);
  ASSERT_THAT(r.diagnostics, SizeIs(1));
  EXPECT_EQ(r.diagnostics[0].message, "the expression must be a bool, but it is a int");
}

TEST(ProgramTest, DiagnosticsAreSortedAndComplete) {
  testing::RulesEnv env;
  CompileResult r = Compile("person.foo ||\n  bar(1,,2) ||\n  today.addDay(1)", env.env);
  EXPECT_EQ(r.program, nullptr);
  ASSERT_THAT(r.diagnostics, SizeIs(4)) << FormatDiagnostics(r.diagnostics);
  EXPECT_EQ(r.diagnostics[0].line, 1);
  EXPECT_EQ(r.diagnostics[0].message, "person has no field 'foo'");
  EXPECT_EQ(r.diagnostics[1].line, 2);
  EXPECT_EQ(r.diagnostics[1].message, "undeclared function 'bar'");
  EXPECT_EQ(r.diagnostics[2].line, 2);
  EXPECT_EQ(r.diagnostics[2].column, 9);
  EXPECT_EQ(r.diagnostics[3].line, 3);
  EXPECT_EQ(r.diagnostics[3].message, "undeclared function 'addDay' (did you mean 'addDays'?)");
}

TEST(ProgramTest, ResultOutlivesTheActivation) {
  testing::RulesEnv env;
  std::shared_ptr<const Program> program = env.MustCompile("[person.phone + '!', 'x']");
  Value result;
  {
    RecordObject p(*env.person_type);
    p.Set(env.phone, Value::String(std::string(40, 'a')));
    Activation a(env.env.slot_count());
    a.Bind(env.person_slot, Value::Object(&p));
    result = *program->Evaluate(a);
  }
  EXPECT_EQ(FormatValue(result), "[\"" + std::string(40, 'a') + "!\", \"x\"]");
  std::shared_ptr<const Program> field = env.MustCompile("person.phone");
  {
    RecordObject p(*env.person_type);
    p.Set(env.phone, Value::String(std::string(40, 'b')));
    Activation a(env.env.slot_count());
    a.Bind(env.person_slot, Value::Object(&p));
    result = *field->Evaluate(a);
  }
  EXPECT_EQ(FormatValue(result), "\"" + std::string(40, 'b') + "\"");
}

// EvaluateCondition gives Evaluate's result without its Value when it is a
// bool; anything else comes back whole, and outlives the activation.
TEST(ProgramTest, ConditionsAgreeWithEvaluate) {
  testing::RulesEnv env;
  RecordObject& p = env.NewPerson();
  p.Set(env.birth_date, Value::Date(absl::CivilDay(1950, 3, 1)));
  p.Set(env.arrondissement, Value::Int(0));
  env.activation.Bind(env.person_slot, Value::Object(&p));
  const auto condition = [&](const char* text, Value* other, const EvalOptions& options = {}) {
    return env.MustCompile(text)->EvaluateCondition(env.activation, other, options);
  };
  Value other;
  EXPECT_EQ(*condition("age(person.birth_date, today) >= 65", &other), Truth::kTrue);
  EXPECT_EQ(*condition("[1, 2].exists(x, x == school_year)", &other), Truth::kFalse);
  EXPECT_EQ(*condition("[1, 2026].exists(x, x == school_year)", &other), Truth::kTrue);
  EXPECT_EQ(*condition("has(person.phone) || person.phone == ''", &other), Truth::kOther);
  EXPECT_EQ(FormatValue(other), "error: no value for person.phone");
  // A comprehension's result is one of its locals: it is kept past them.
  Value element;
  {
    RecordObject q(*env.person_type);
    q.Set(env.phone, Value::String(std::string(40, 'c')));
    Activation a(env.env.slot_count());
    a.Bind(env.person_slot, Value::Object(&q));
    EXPECT_EQ(*env.MustCompile("[person.phone].map(x, x)[0]")->EvaluateCondition(a, &element), Truth::kOther);
  }
  EXPECT_EQ(FormatValue(element), "\"" + std::string(40, 'c') + "\"");
  EvalOptions options;
  options.max_iterations = 3;
  EXPECT_THAT(condition("[1, 2, 3, 4].all(x, x > person.arrondissement)", &other, options),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("more than 3 iterations")));
  // With a trace, every sub-expression is recorded as Evaluate records it.
  std::shared_ptr<const Program> program = env.MustCompile("age(person.birth_date, today) >= 65 && true");
  Trace by_condition, by_value;
  ASSERT_EQ(*program->EvaluateCondition(env.activation, &other, {}, &by_condition), Truth::kTrue);
  ASSERT_TRUE(program->Evaluate(env.activation, {}, &by_value)->bool_value());
  EXPECT_EQ(by_condition.Format(program->source()), by_value.Format(program->source()));
}

}  // namespace
}  // namespace proactive::eval

namespace proactive::eval {
namespace {

// The example of docs/language.md ("Mistakes in expressions").
TEST(ProgramTest, DiagnosticsExampleOfTheLanguageReference) {
  testing::RulesEnv env;
  CompileResult r = Compile("person.lives_alon && age(person.birth_date, tody) >= '65'", env.env);
  ASSERT_EQ(r.program, nullptr);
  for (Diagnostic& d : r.diagnostics) d.file = "<expr>";
  EXPECT_EQ(FormatDiagnostics(r.diagnostics),
            "<expr>:1:8: person has no field 'lives_alon' (did you mean 'lives_alone'?)\n"
            "    person.lives_alon && age(person.birth_date, tody) >= '65'\n"
            "           ^\n"
            "<expr>:1:45: undeclared reference to 'tody' (did you mean 'today'?)\n"
            "    person.lives_alon && age(person.birth_date, tody) >= '65'\n"
            "                                                ^\n"
            "<expr>:1:51: no matching overload for '>=' applied to (int, string): ordering is "
            "defined between numbers, or two values of the same type among bool, string, bytes, "
            "timestamp, duration, date, money\n"
            "    person.lives_alon && age(person.birth_date, tody) >= '65'\n"
            "                                                      ^\n");
}

}  // namespace
}  // namespace proactive::eval
