#include "engine/eval/value_json.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace proactive::eval {
namespace {

using ::proactive::testing::StatusIs;
using ::testing::HasSubstr;

std::string Parsed(absl::string_view json) {
  absl::StatusOr<Value> v = ParseJsonValue(json);
  return v.ok() ? FormatValue(*v) : std::string(v.status().message());
}

TEST(ValueJsonTest, EveryEncoding) {
  EXPECT_EQ(Parsed(R"({"int": "-9223372036854775808"})"), "-9223372036854775808");
  EXPECT_EQ(Parsed(R"({"uint": "18446744073709551615"})"), "18446744073709551615u");
  EXPECT_EQ(Parsed(R"({"double": 1.5})"), "1.5");
  EXPECT_EQ(Parsed(R"({"double": "-Infinity"})"), "-Infinity");
  EXPECT_EQ(Parsed(R"({"string": "é"})"), "\"é\"");
  EXPECT_EQ(Parsed(R"({"bytes_b64": "AP8="})"), "b\"\\x00\\xff\"");
  EXPECT_EQ(Parsed(R"({"bool": false})"), "false");
  EXPECT_EQ(Parsed(R"({"null": null})"), "null");
  EXPECT_EQ(Parsed(R"({"list": [{"int": "1"}, {"string": "a"}]})"), "[1, \"a\"]");
  EXPECT_EQ(Parsed(R"({"map": [[{"string": "k"}, {"int": "2"}]]})"), "{\"k\": 2}");
  EXPECT_EQ(Parsed(R"({"type": "int"})"), "int");
  EXPECT_EQ(Parsed(R"({"timestamp": "2009-02-13T23:31:30Z"})"), "timestamp(\"2009-02-13T23:31:30Z\")");
  EXPECT_EQ(Parsed(R"({"duration": "1.5s"})"), "duration(\"1.5s\")");
  EXPECT_EQ(Parsed(R"({"date": "2026-09-01"})"), "date(\"2026-09-01\")");
  EXPECT_EQ(Parsed(R"({"money": "12.50 EUR"})"), "money(\"12.50 EUR\")");
}

TEST(ValueJsonTest, Mistakes) {
  EXPECT_THAT(ParseJsonValue("{"), StatusIs(absl::StatusCode::kInvalidArgument, "not valid JSON"));
  EXPECT_THAT(ParseJsonValue(R"({"int": "x"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("int needs a decimal string")));
  EXPECT_THAT(ParseJsonValue(R"({"colour": "red"})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown value kind \"colour\"")));
  EXPECT_THAT(ParseJsonValue(R"({"map": [[{"int": "1"}, {"null": null}], [{"uint": "1"}, {"null": null}]]})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("duplicate map key")));
}

TEST(ValueJsonTest, BindingsKeepTheirOrder) {
  absl::StatusOr<std::vector<std::pair<std::string, Value>>> b =
      ParseJsonBindings(R"({"z": {"int": "1"}, "a": {"bool": true}})");
  ASSERT_TRUE(b.ok());
  ASSERT_EQ(b->size(), 2u);
  EXPECT_EQ((*b)[0].first, "z");
  EXPECT_EQ((*b)[1].first, "a");
  EXPECT_THAT(ParseJsonBindings(R"({"x": 1})"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("binding \"x\"")));
  EXPECT_THAT(ParseJsonBindings("[]"), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace proactive::eval
