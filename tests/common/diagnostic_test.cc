#include "engine/common/diagnostic.h"

#include "engine/common/field_error.h"
#include "gtest/gtest.h"

namespace proactive {
namespace {

TEST(DiagnosticTest, PutsTheCaretUnderTheColumn) {
  Diagnostic d{"rules/x.yaml", 3, 11, "unknown attribute \"lives_alon\"", "  when: person.lives_alon"};
  EXPECT_EQ(FormatDiagnostic(d),
            "rules/x.yaml:3:11: unknown attribute \"lives_alon\"\n"
            "      when: person.lives_alon\n"
            "              ^\n");
}

TEST(DiagnosticTest, WholeFileMistakeHasNoPosition) {
  EXPECT_EQ(FormatDiagnostic(Diagnostic{"a.yaml", 0, 0, "empty file", ""}), "a.yaml: empty file\n");
}

TEST(SourceLineTest, FindsLinesAndStripsCarriageReturns) {
  EXPECT_EQ(SourceLine("one\ntwo\r\nthree", 2), "two");
  EXPECT_EQ(SourceLine("one\ntwo", 3), "");
  EXPECT_EQ(SourceLine("one", 0), "");
}

TEST(FieldErrorTest, CarriesTheField) {
  absl::Status s = FieldError("set[2].value", "expects date, got string");
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "set[2].value: expects date, got string");
  EXPECT_EQ(ErrorField(s), "set[2].value");
  EXPECT_EQ(ErrorField(absl::InternalError("x")), "");
}

TEST(FieldPathTest, WritesNamesIndexesAndMembers) {
  EXPECT_EQ(FieldPath("source").Text(), "source");
  const FieldPath item("set", 12);
  EXPECT_EQ(item.Text(), "set[12]");
  const FieldPath value(item, "value");
  EXPECT_EQ(value.Text(), "set[12].value");
  EXPECT_EQ(FieldPath(value, "list_value.values", 0).Text(), "set[12].value.list_value.values[0]");
  EXPECT_EQ(FieldPath(FieldPath(value, "money_value"), "currency").Text(), "set[12].value.money_value.currency");
  const std::string name = "links_added";
  EXPECT_EQ(FieldPath(FieldPath(name, 1), "person_id").Text(), "links_added[1].person_id");
}

}  // namespace
}  // namespace proactive
