#include "engine/lang/checker.h"

#include <string>

#include "engine/lang/parser.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace proactive::lang {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

class CheckerTest : public ::testing::Test {
 protected:
  CheckerTest() {
    person_ = *env_.DeclareObjectType("person");
    household_ = *env_.DeclareObjectType("household");
    (void)person_->AddField("birth_date", Type::Date());
    (void)person_->AddField("phone", Type::String());
    (void)person_->AddField("lives_alone", Type::Bool());
    (void)person_->AddField("yearly_income", Type::Money());
    (void)person_->AddField("arrondissement", Type::Int());
    (void)person_->AddField("children", Type::List(Type::Object(person_)));
    (void)household_->AddField("members", Type::List(Type::Object(person_)));
    (void)env_.DeclareVariable("person", Type::Object(person_));
    (void)env_.DeclareVariable("household", Type::Object(household_));
    (void)env_.DeclareVariable("today", Type::Date());
    (void)env_.DeclareVariable("params.ceiling", Type::Money());
  }

  struct Checked {
    ParseResult parsed;
    CheckResult result;
    std::vector<Diagnostic> all;  // parse then check
  };

  Checked Run(absl::string_view text, CheckOptions options = {}) {
    Checked c;
    c.parsed = Parse(text);
    c.result = Check(*c.parsed.root, text, env_, options);
    c.all = c.parsed.diagnostics;
    c.all.insert(c.all.end(), c.result.diagnostics.begin(), c.result.diagnostics.end());
    return c;
  }

  Type TypeOf(absl::string_view text) {
    Checked c = Run(text);
    EXPECT_THAT(c.all, IsEmpty()) << FormatDiagnostics(c.all);
    return c.result.result_type;
  }

  TypeEnvironment env_;
  ObjectType* person_ = nullptr;
  ObjectType* household_ = nullptr;
};

TEST_F(CheckerTest, InfersTypes) {
  EXPECT_EQ(TypeOf("age(person.birth_date, today) >= 65"), Type::Bool());
  EXPECT_EQ(TypeOf("person.children"), Type::List(Type::Object(person_)));
  EXPECT_EQ(TypeOf("person.children.map(c, c.birth_date)"), Type::List(Type::Date()));
  EXPECT_EQ(TypeOf("person.children.filter(c, c.lives_alone)"), Type::List(Type::Object(person_)));
  EXPECT_EQ(TypeOf("person.yearly_income < eur(12000) + eur(6000) * "
                   "(size(household.members) - 1)"),
            Type::Bool());
  EXPECT_EQ(TypeOf("[1, 2]"), Type::List(Type::Int()));
  EXPECT_EQ(TypeOf("[1, 'a']"), Type::List(Type::Dyn()));
  EXPECT_EQ(TypeOf("{'a': 1}"), Type::Map(Type::String(), Type::Int()));
  EXPECT_EQ(TypeOf("{'a': 1}.a"), Type::Int());
  EXPECT_EQ(TypeOf("[[1]][0]"), Type::List(Type::Int()));
  EXPECT_EQ(TypeOf("type(1)"), Type::TypeOf(Type::Int()));
  EXPECT_EQ(TypeOf("int"), Type::TypeOf(Type::Int()));
  EXPECT_EQ(TypeOf("dyn(1) + 1"), Type::Int());
  EXPECT_EQ(TypeOf("params.ceiling"), Type::Money());
  EXPECT_EQ(TypeOf("[1, 2].transformMap(i, v, v * 2)"), Type::Map(Type::Int(), Type::Int()));
  EXPECT_EQ(TypeOf("today.addMonths(1).year()"), Type::Int());
}

TEST_F(CheckerTest, ResolvesVariablesFieldsAndLocals) {
  Checked c = Run("person.children.exists(c, c.arrondissement == person.arrondissement)");
  ASSERT_THAT(c.all, IsEmpty());
  const Expr& comprehension = *c.parsed.root;
  EXPECT_EQ(comprehension.var_slot, 0);
  const Expr& range = *comprehension.target;
  EXPECT_EQ(range.ref.kind, Reference::Kind::kField);
  EXPECT_EQ(range.ref.slot, 5);  // children
  EXPECT_EQ(range.target->ref.kind, Reference::Kind::kVariable);
  EXPECT_EQ(range.target->ref.slot, 0);
  const Expr& local = *comprehension.body->args[0]->target;
  EXPECT_EQ(local.ref.kind, Reference::Kind::kLocal);
  EXPECT_EQ(local.ref.slot, 0);
  EXPECT_EQ(c.result.local_count, 1);
}

TEST_F(CheckerTest, ReportsTheAttributePathsItReads) {
  Checked c =
      Run("has(person.phone) && person.children.exists(c, c.birth_date.year() "
          "== today.year() - 3) "
          "&& size(household.members) > 1");
  ASSERT_THAT(c.all, IsEmpty());
  EXPECT_THAT(c.result.reads, ElementsAre("household.members", "person.children", "person.children.birth_date",
                                          "person.phone", "today"));
}

TEST_F(CheckerTest, UndeclaredNameWithSuggestion) {
  Checked c = Run("persn.phone");
  ASSERT_THAT(c.all, SizeIs(1));
  EXPECT_EQ(c.all[0].line, 1);
  EXPECT_EQ(c.all[0].column, 1);
  EXPECT_EQ(c.all[0].message, "undeclared reference to 'persn' (did you mean 'person'?)");
}

TEST_F(CheckerTest, UnknownFieldWithSuggestion) {
  Checked c = Run("person.lives_alon");
  ASSERT_THAT(c.all, SizeIs(1));
  EXPECT_EQ(c.all[0].column, 8);
  EXPECT_EQ(c.all[0].message, "person has no field 'lives_alon' (did you mean 'lives_alone'?)");
}

TEST_F(CheckerTest, ReportsEveryMistakeInOnePass) {
  Checked c =
      Run("person.lives_alon &&\n"
          "  age(person.birth_date, tody) >= '65' &&\n"
          "  person.phone.startsWith(1)");
  ASSERT_THAT(c.all, SizeIs(4)) << FormatDiagnostics(c.all);
  EXPECT_EQ(c.all[0].line, 1);
  EXPECT_THAT(c.all[0].message, HasSubstr("no field 'lives_alon'"));
  EXPECT_EQ(c.all[1].line, 2);
  EXPECT_EQ(c.all[1].column, 26);
  EXPECT_EQ(c.all[1].message, "undeclared reference to 'tody' (did you mean 'today'?)");
  EXPECT_EQ(c.all[2].line, 2);
  EXPECT_EQ(c.all[2].column, 32);
  EXPECT_THAT(c.all[2].message, HasSubstr("no matching overload for '>=' applied to (int, string)"));
  EXPECT_EQ(c.all[3].line, 3);
  EXPECT_EQ(c.all[3].column, 16);
  EXPECT_EQ(c.all[3].message,
            "no matching overload for 'startsWith' applied to "
            "string.startsWith(int); expected "
            "string.startsWith(string)");
}

TEST_F(CheckerTest, ParseAndCheckMistakesTogether) {
  Checked c = Run("foo(1,, 2) || persn");
  ASSERT_THAT(c.all, SizeIs(3)) << FormatDiagnostics(c.all);
  EXPECT_EQ(c.all[0].message, "expected an expression but found ','");
  EXPECT_EQ(c.all[1].message, "undeclared function 'foo'");
  EXPECT_EQ(c.all[2].message, "undeclared reference to 'persn' (did you mean 'person'?)");
}

TEST_F(CheckerTest, CallStyleMistakes) {
  Checked a = Run("startsWith(person.phone, '06')");
  ASSERT_THAT(a.all, SizeIs(1));
  EXPECT_EQ(a.all[0].message, "startsWith() is a method: write x.startsWith(...)");
  Checked b = Run("person.phone.int()");
  ASSERT_THAT(b.all, SizeIs(1));
  EXPECT_EQ(b.all[0].message, "int() is not a method: write int(x, ...)");
}

TEST_F(CheckerTest, TypeMismatches) {
  EXPECT_THAT(Run("person.arrondissement == '5'").all[0].message,
              HasSubstr("'==' compares values of one type, not int with string"));
  EXPECT_THAT(Run("person.lives_alone && 1").all[0].message, HasSubstr("'&&' needs bool operands, but this is int"));
  EXPECT_THAT(Run("true ? 1 : 'a'").all[0].message,
              HasSubstr("the two branches of ?: have different types: int and string"));
  EXPECT_THAT(Run("person.children.exists(c, c.arrondissement)").all[0].message,
              HasSubstr("the condition must be a bool, not int"));
  EXPECT_THAT(Run("has(person.phone.x)").all[0].message,
              HasSubstr("has() tests a field of an object or a map, not of string"));
  EXPECT_THAT(Run("1.all(x, x)").all[0].message, HasSubstr("all() iterates over a list or a map, not int"));
  EXPECT_THAT(Run("{1.5: 2}").all[0].message, HasSubstr("map keys are int, uint, bool or string, not double"));
  EXPECT_THAT(Run("[1] < [2]").all[0].message,
              HasSubstr("no matching overload for '<' applied to (list(int), list(int))"));
  // Numbers compare across types.
  EXPECT_THAT(Run("person.arrondissement == 1.0 && 1u < 2").all, IsEmpty());
}

TEST_F(CheckerTest, LocalsShadowVariables) {
  Checked c = Run("[1].all(person, person > 0)");
  ASSERT_THAT(c.all, IsEmpty());
  EXPECT_EQ(c.parsed.root->body->args[0]->ref.kind, Reference::Kind::kLocal);
}

TEST_F(CheckerTest, UncheckedModeReportsNothing) {
  CheckOptions options;
  options.report_type_errors = false;
  Checked c = Run("nope + 'a' && 1", options);
  EXPECT_THAT(c.all, IsEmpty());
  EXPECT_EQ(c.parsed.root->args[0]->args[0]->ref.kind, Reference::Kind::kUnresolved);
}

TEST_F(CheckerTest, WrapperTypes) {
  EXPECT_EQ(TypeOf("google.protobuf.Int32Value{value: 1}"), Type::Int());
  EXPECT_THAT(Run("google.protobuf.Int32Value{value: 'a'}").all[0].message,
              HasSubstr("google.protobuf.Int32Value.value is int, not string"));
  EXPECT_THAT(Run("person{phone: 'x'}").all[0].message, HasSubstr("unknown type 'person'"));
}

TEST(ClosestMatchTest, SuggestsOnlyCloseNames) {
  EXPECT_EQ(ClosestMatch("persn", {"person", "household"}), "person");
  EXPECT_EQ(ClosestMatch("xyz", {"person", "household"}), "");
  EXPECT_EQ(ClosestMatch("a", {"b"}), "");
}

}  // namespace
}  // namespace proactive::lang
