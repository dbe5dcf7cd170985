#include "engine/lang/declarations.h"

#include <memory>

#include "engine/lang/types.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace proactive::lang {
namespace {

using ::proactive::testing::IsOkAndHolds;
using ::proactive::testing::StatusIs;
using ::testing::HasSubstr;

TEST(TypeEnvironmentTest, SlotsFollowDeclarationOrder) {
  TypeEnvironment env;
  EXPECT_THAT(env.DeclareVariable("person", Type::Dyn()), IsOkAndHolds(0));
  EXPECT_THAT(env.DeclareVariable("today", Type::Date()), IsOkAndHolds(1));
  EXPECT_THAT(env.DeclareVariable("params.ceiling", Type::Money()), IsOkAndHolds(2));
  EXPECT_EQ(env.slot_count(), 3);
  ASSERT_NE(env.FindVariable("today"), nullptr);
  EXPECT_EQ(env.FindVariable("today")->type, Type::Date());
  EXPECT_EQ(env.FindVariable("params"), nullptr);
}

TEST(TypeEnvironmentTest, RefusesBadNames) {
  TypeEnvironment env;
  EXPECT_THAT(env.DeclareVariable("2x", Type::Int()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not an identifier")));
  EXPECT_THAT(env.DeclareVariable("a..b", Type::Int()), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(env.DeclareVariable("for", Type::Int()), StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_THAT(env.DeclareVariable("x", Type::Int()), IsOkAndHolds(0));
  EXPECT_THAT(env.DeclareVariable("x", Type::Int()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("already declared")));
  EXPECT_THAT(env.DeclareObjectType("date"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("built-in type")));
  ASSERT_TRUE(env.DeclareObjectType("person").ok());
  EXPECT_THAT(env.DeclareObjectType("person"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ObjectTypeTest, FieldsAreIndexedInDeclarationOrder) {
  TypeEnvironment env;
  ObjectType* person = *env.DeclareObjectType("person");
  EXPECT_THAT(person->AddField("birth_date", Type::Date()), IsOkAndHolds(0));
  EXPECT_THAT(person->AddField("children", Type::List(Type::Object(person))), IsOkAndHolds(1));
  EXPECT_THAT(person->AddField("children", Type::Int()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("already has a field")));
  EXPECT_THAT(person->AddField("in", Type::Int()), StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_NE(person->FindField("children"), nullptr);
  EXPECT_EQ(person->FindField("children")->index, 1);
  EXPECT_EQ(person->FindField("children")->type.ToString(), "list(person)");
  EXPECT_EQ(env.FindObjectType("person"), person);
}

TEST(TypeEnvironmentTest, ASharedObjectTypeIsTheSameTypeInBothAndOutlivesTheFirst) {
  auto second = std::make_unique<TypeEnvironment>();
  {
    TypeEnvironment first;
    ObjectType* person = *first.DeclareObjectType("person");
    ASSERT_THAT(person->AddField("birth_date", Type::Date()), IsOkAndHolds(0));
    ASSERT_TRUE(second->DeclareSharedObjectType(first.object_types().front()).ok());
    EXPECT_EQ(second->FindObjectType("person"), person);
    EXPECT_THAT(second->DeclareSharedObjectType(first.object_types().front()),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("already declared")));
    EXPECT_THAT(second->DeclareObjectType("person"), StatusIs(absl::StatusCode::kInvalidArgument));
  }
  ASSERT_NE(second->FindObjectType("person"), nullptr);
  EXPECT_EQ(second->FindObjectType("person")->FindField("birth_date")->index, 0);
}

TEST(TypeTest, NamesAndEquality) {
  ObjectType person("person");
  ObjectType other("person");
  EXPECT_EQ(Type::Map(Type::String(), Type::List(Type::Int())).ToString(), "map(string, list(int))");
  EXPECT_EQ(Type::TypeOf(Type::Timestamp()).ToString(), "type(timestamp)");
  EXPECT_EQ(Type::List(Type::Int()), Type::List(Type::Int()));
  EXPECT_NE(Type::List(Type::Int()), Type::List(Type::Uint()));
  EXPECT_NE(Type::Object(&person), Type::Object(&other));  // by identity
  EXPECT_TRUE(Type().is_dyn());
  EXPECT_TRUE(Type::Error().is_open());
}

TEST(StandardLibraryTest, DeclaresReceiverAndGlobalForms) {
  const FunctionDecl* size = FindStandardFunction("size");
  ASSERT_NE(size, nullptr);
  int receiver = 0, global = 0;
  for (const OverloadDecl& o : size->overloads) (o.receiver ? receiver : global)++;
  EXPECT_EQ(receiver, 4);
  EXPECT_EQ(global, 4);
  EXPECT_EQ(FindStandardFunction("_==_"),
            nullptr);  // handled by the checker itself
  EXPECT_EQ(OperatorDisplayName(kGreaterEquals), ">=");
  EXPECT_EQ(OperatorDisplayName("size"), "size");
}

}  // namespace
}  // namespace proactive::lang
