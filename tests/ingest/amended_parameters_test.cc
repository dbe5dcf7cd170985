#include "engine/ingest/amended_parameters.h"

#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::proactive::testing::StatusIs;
using ::testing::HasSubstr;

storage::v1::DecisionRecord DecisionWith(const std::string& name, const storage::v1::Value& value) {
  storage::v1::DecisionRecord d;
  d.set_decision_id("d-test");
  storage::v1::NamedValue* p = d.add_parameters();
  p->set_name(name);
  *p->mutable_value() = value;
  return d;
}

v1::Attribute Given(const std::string& name, const std::string& text) {
  v1::Attribute a;
  a.set_name(name);
  a.mutable_value()->set_string_value(text);
  return a;
}

TypeSpec Kind(ValueKind kind, ValueKind element = ValueKind::kString) {
  TypeSpec spec;
  spec.kind = kind;
  spec.element = element;
  return spec;
}

// A parameter that evaluated to null (or to an empty list) says nothing of
// its kind: the rule's expression does, and the amended value takes it.
TEST(AmendParametersTest, AValueReplacingNullTakesTheKindTheRuleGivesIt) {
  storage::v1::Value null_value;
  null_value.set_null_value(true);
  storage::v1::DecisionRecord d = DecisionWith("start", null_value);
  storage::v1::RecourseCase c;
  const std::map<std::string, TypeSpec> declared{{"start", Kind(ValueKind::kDate)}};
  ASSERT_THAT(AmendParameters({Given("start", "2027-01-19")}, declared, &d, &c), IsOk());
  EXPECT_TRUE(d.parameters(0).value().has_date_days()) << d.parameters(0).ShortDebugString();
  EXPECT_TRUE(c.parameters_before(0).value().has_null_value());

  storage::v1::DecisionRecord again = DecisionWith("start", null_value);
  v1::Attribute yes;
  yes.set_name("start");
  yes.mutable_value()->set_bool_value(true);
  EXPECT_THAT(AmendParameters({yes}, declared, &again, &c),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("amended_parameters[0].value")));
  EXPECT_TRUE(again.parameters(0).value().has_null_value()) << "nothing changed";

  // The rule unknown (its version lost): the value is taken as given.
  storage::v1::DecisionRecord unknown = DecisionWith("start", null_value);
  ASSERT_THAT(AmendParameters({Given("start", "2027-01-19")}, {}, &unknown, &c), IsOk());
  EXPECT_EQ(unknown.parameters(0).value().string_value(), "2027-01-19");
}

TEST(AmendParametersTest, AnEmptyListTakesTheElementsKindTheRuleGivesIt) {
  storage::v1::Value empty;
  empty.mutable_list_value();
  storage::v1::DecisionRecord d = DecisionWith("schools", empty);
  storage::v1::RecourseCase c;
  v1::Attribute dates;
  dates.set_name("schools");
  v1::Value* day = dates.mutable_value()->mutable_list_value()->add_values();
  day->mutable_date_value()->set_year(2027);
  day->mutable_date_value()->set_month(1);
  day->mutable_date_value()->set_day(19);
  ASSERT_THAT(AmendParameters({dates}, {{"schools", Kind(ValueKind::kList, ValueKind::kDate)}}, &d, &c), IsOk());
  ASSERT_EQ(d.parameters(0).value().list_value().values_size(), 1);
  EXPECT_TRUE(d.parameters(0).value().list_value().values(0).has_date_days());
}

TEST(AmendParametersTest, ParameterKindsFollowTheExpressionsType) {
  EXPECT_EQ(ParameterKindOf(lang::Type::Date())->kind, ValueKind::kDate);
  EXPECT_EQ(ParameterKindOf(lang::Type::Money())->kind, ValueKind::kMoney);
  const std::optional<TypeSpec> list = ParameterKindOf(lang::Type::List(lang::Type::Int()));
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(list->kind, ValueKind::kList);
  EXPECT_EQ(list->element, ValueKind::kInt);
  EXPECT_FALSE(ParameterKindOf(lang::Type::Dyn()).has_value());
  EXPECT_FALSE(ParameterKindOf(lang::Type::List(lang::Type::Dyn())).has_value());
}

}  // namespace
}  // namespace proactive
