#include "engine/eval/functions.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace proactive::eval::internal {
namespace {

TEST(FunctionsTest, EveryDeclaredOverloadIsImplemented) { EXPECT_THAT(UnimplementedOverloads(), ::testing::IsEmpty()); }

TEST(FunctionsTest, EntriesCheckArgumentKinds) {
  const FunctionEntry* add = FindFunction("add_int64");
  ASSERT_NE(add, nullptr);
  const Value ints[] = {Value::Int(1), Value::Int(2)};
  const Value mixed[] = {Value::Int(1), Value::Uint(2)};
  EXPECT_TRUE(add->Accepts(ints));
  EXPECT_FALSE(add->Accepts(mixed));
  EXPECT_EQ(add->impl(absl::MakeConstSpan(ints)).int_value(), 3);
  const FunctionEntry* size = FindFunction("size_list");
  ASSERT_NE(size, nullptr);
  EXPECT_TRUE(size->Accepts({Value::List({})}));
  EXPECT_EQ(FindFunction("no_such_overload"), nullptr);
}

}  // namespace
}  // namespace proactive::eval::internal
