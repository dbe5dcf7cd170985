#include "engine/eval/conformance_cases.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace proactive::eval {
namespace {

using ::proactive::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kCases[] = R"(
{"file": "f", "section": "s", "name": "ok", "expr": "x + 1", "bindings": {"x": {"int": "1"}}, "expect": {"int": "2"}}
{"file": "f", "section": "s", "name": "wrong", "expr": "1 + 1", "bindings": {}, "expect": {"int": "3"}}
{"file": "f", "section": "t", "name": "err", "expr": "1 / 0", "bindings": {}, "expect": {"error": true}}
{"file": "f", "section": "t", "name": "unchecked", "expr": "'a' && false", "disable_check": true, "bindings": {}, "expect": {"bool": false}}
{"file": "f", "section": "t", "name": "bad", "expr": "1 +", "bindings": {}, "expect": {"int": "1"}}
{"file": "f", "section": "u", "name": "uint_is_not_int", "expr": "1u", "bindings": {}, "expect": {"int": "1"}}
)";

TEST(ConformanceCasesTest, RunsAndReports) {
  absl::StatusOr<std::vector<ConformanceCase>> cases = ParseConformanceCases(kCases);
  ASSERT_TRUE(cases.ok()) << cases.status();
  ASSERT_EQ(cases->size(), 6u);
  ConformanceReport report = RunConformanceCases(*cases);
  EXPECT_EQ(report.Summary(), "3 passed, 3 failed");
  EXPECT_EQ(report.FormatFailures(),
            "failing cases by section:\n"
            "  f/s (1): wrong\n"
            "  f/t (1): bad\n"
            "  f/u (1): uint_is_not_int\n");
  EXPECT_THAT(report.FormatFailures(true), HasSubstr("    wrong: expected 3, got 2\n"));
  EXPECT_THAT(report.FormatFailures(true),
              HasSubstr("    bad: compile error: expected an expression but found the end"));
}

TEST(ConformanceCasesTest, MalformedLinesNameTheLine) {
  EXPECT_THAT(ParseConformanceCases("\n{\"expr\": \"1\"}\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 2")));
  EXPECT_THAT(LoadConformanceCases("/nonexistent/file.jsonl"), StatusIs(absl::StatusCode::kNotFound));
}

TEST(ConformanceCasesTest, SameValueIsStrict) {
  EXPECT_FALSE(SameValue(Value::Int(1), Value::Uint(1)));
  EXPECT_TRUE(SameValue(Value::Double(std::nan("")), Value::Double(std::nan(""))));
  EXPECT_FALSE(SameValue(Value::Double(0.0), Value::Double(-0.0)));
}

}  // namespace
}  // namespace proactive::eval
