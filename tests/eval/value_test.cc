#include "engine/eval/value.h"

#include <cmath>
#include <limits>
#include <string>

#include "engine/eval/object_value.h"
#include "engine/eval/value_ops.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace proactive::eval {
namespace {

TEST(ValueTest, IsSixteenBytes) { EXPECT_EQ(sizeof(Value), 16u); }

TEST(ValueTest, FormatsEveryKind) {
  EXPECT_EQ(FormatValue(Value::Null()), "null");
  EXPECT_EQ(FormatValue(Value::Bool(true)), "true");
  EXPECT_EQ(FormatValue(Value::Int(-3)), "-3");
  EXPECT_EQ(FormatValue(Value::Uint(3)), "3u");
  EXPECT_EQ(FormatValue(Value::Double(3)), "3.0");
  EXPECT_EQ(FormatValue(Value::Double(0.1)), "0.1");
  EXPECT_EQ(FormatValue(Value::Double(1e100)), "1e+100");
  EXPECT_EQ(FormatValue(Value::Double(std::nan(""))), "NaN");
  EXPECT_EQ(FormatValue(Value::Double(-std::numeric_limits<double>::infinity())), "-Infinity");
  EXPECT_EQ(FormatValue(Value::String("a\"b\n")), "\"a\\\"b\\n\"");
  EXPECT_EQ(FormatValue(Value::Bytes(std::string("\x00\xff", 2))), "b\"\\x00\\xff\"");
  EXPECT_EQ(FormatValue(Value::Duration(absl::Milliseconds(-1500))), "duration(\"-1.5s\")");
  EXPECT_EQ(FormatValue(Value::Timestamp(absl::FromUnixSeconds(0) + absl::Nanoseconds(5))),
            "timestamp(\"1970-01-01T00:00:00.000000005Z\")");
  EXPECT_EQ(FormatValue(Value::Timestamp(absl::FromUnixSeconds(-62135596800))), "timestamp(\"0001-01-01T00:00:00Z\")");
  EXPECT_EQ(FormatValue(Value::Date(absl::CivilDay(2026, 9, 1))), "date(\"2026-09-01\")");
  EXPECT_EQ(FormatValue(Value::Money(-1205, "EUR")), "money(\"-12.05 EUR\")");
  EXPECT_EQ(FormatValue(Value::List({Value::Int(1), Value::String("x")})), "[1, \"x\"]");
  EXPECT_EQ(FormatValue(Value::Map({{Value::String("a"), Value::Int(1)}})), "{\"a\": 1}");
  EXPECT_EQ(FormatValue(Value::Type("int")), "int");
  EXPECT_EQ(FormatValue(Value::Error("boom")), "error: boom");
}

TEST(ValueTest, FormatsRecordsOneLevelDeep) {
  lang::ObjectType person("person");
  const int name = *person.AddField("name", lang::Type::String());
  const int children = *person.AddField("children", lang::Type::List(lang::Type::Object(&person)));
  const int phone = *person.AddField("phone", lang::Type::String());
  (void)phone;
  RecordObject child(person);
  child.Set(name, Value::String("Léa"));
  RecordObject parent(person);
  parent.Set(name, Value::String("Ana"));
  parent.Set(children, Value::List({Value::Object(&child)}));
  EXPECT_EQ(FormatValue(Value::Object(&parent)), "person{name: \"Ana\", children: [person{...}]}");
}

TEST(ValueTest, RangesAreChecked) {
  EXPECT_TRUE(Value::Date(absl::CivilDay(10000, 1, 1)).is_error());
  EXPECT_TRUE(Value::Timestamp(absl::FromUnixSeconds(253402300800)).is_error());
  EXPECT_TRUE(Value::Duration(absl::Hours(24 * 366 * 300)).is_error());
  EXPECT_FALSE(Value::Duration(absl::Hours(24 * 365 * 290)).is_error());
  EXPECT_EQ(Value::Money(1, "eur").error_message(), "\"eur\" is not a currency code (three capital letters)");
}

TEST(ValueTest, MapKeys) {
  Value m = Value::Map({{Value::Int(1), Value::String("one")},
                        {Value::String("k"), Value::Bool(true)},
                        {Value::Bool(false), Value::Null()}});
  ASSERT_FALSE(m.is_error());
  EXPECT_EQ(m.map_value().Find(Value::Uint(1))->string_value(), "one");
  EXPECT_EQ(m.map_value().Find(Value::Double(1.0))->string_value(), "one");
  EXPECT_EQ(m.map_value().Find(Value::Double(1.5)), nullptr);
  EXPECT_NE(m.map_value().Find(Value::Bool(false)), nullptr);
  EXPECT_EQ(Value::Map({{Value::Int(1), Value::Null()}, {Value::Uint(1), Value::Null()}}).error_message(),
            "duplicate map key 1u");
  EXPECT_EQ(Value::Map({{Value::Double(1), Value::Null()}}).error_message(),
            "a map key cannot be double (keys are int, uint, bool or string)");
}

TEST(ValueTest, LargeMapsUseTheSortedIndex) {
  std::vector<std::pair<Value, Value>> entries;
  for (int i = 0; i < 100; ++i) entries.emplace_back(Value::Int(99 - i), Value::Int(i));
  Value m = Value::Map(std::move(entries));
  for (int i = 0; i < 100; ++i) {
    const Value* v = m.map_value().Find(Value::Uint(i));
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->int_value(), 99 - i);
  }
  EXPECT_EQ(m.map_value().Find(Value::Int(100)), nullptr);
}

TEST(ValueTest, CopiesShareDataAndBorrowedCopiesCanBeRetained) {
  Value s = Value::String(std::string(100, 'x'));
  Value copy = s;
  EXPECT_EQ(copy.string_value().data(), s.string_value().data());
  Value borrowed = s.Borrowed();
  EXPECT_FALSE(borrowed.owns_data());
  Value kept = borrowed.Retained();
  EXPECT_TRUE(kept.owns_data());
  s = Value();
  copy = Value();
  EXPECT_EQ(kept.string_value(), std::string(100, 'x'));
  // A list keeps its elements alive even when built from borrowed values.
  Value element = Value::String(std::string(50, 'y'));
  Value list = Value::List({element.Borrowed()});
  element = Value();
  EXPECT_EQ(list.list_elements()[0].string_value(), std::string(50, 'y'));
}

TEST(ValueOpsTest, OrderingAcrossNumbers) {
  std::string error;
  EXPECT_EQ(CompareValues(Value::Int(-1), Value::Uint(0), &error), Ordering::kLess);
  EXPECT_EQ(CompareValues(Value::Uint(UINT64_MAX), Value::Int(INT64_MAX), &error), Ordering::kGreater);
  EXPECT_EQ(CompareValues(Value::Int(2), Value::Double(1.5), &error), Ordering::kGreater);
  EXPECT_EQ(CompareValues(Value::Double(std::nan("")), Value::Int(1), &error), Ordering::kUnordered);
  EXPECT_EQ(CompareValues(Value::String("a"), Value::Int(1), &error), Ordering::kInvalid);
  EXPECT_EQ(error, "no ordering between string and int");
  EXPECT_EQ(CompareValues(Value::List({}), Value::List({}), &error), Ordering::kInvalid);
}

TEST(ValueOpsTest, Equality) {
  EXPECT_TRUE(ValuesEqual(Value::Int(1), Value::Double(1.0)));
  EXPECT_FALSE(ValuesEqual(Value::Int(1), Value::String("1")));
  EXPECT_FALSE(ValuesEqual(Value::Null(), Value::Bool(false)));
  EXPECT_TRUE(ValuesEqual(Value::Null(), Value::Null()));
  EXPECT_FALSE(ValuesEqual(Value::Money(100, "EUR"), Value::Money(100, "USD")));
  EXPECT_TRUE(ValuesEqual(Value::Date(absl::CivilDay(2026, 1, 1)), Value::DateFromEpochDays(20454)));
}

}  // namespace
}  // namespace proactive::eval
