#include "engine/lang/source.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace proactive::lang {
namespace {

TEST(SourceTest, LinesAndCharacterColumns) {
  const absl::string_view text = "ab\r\ncé d\nx";
  EXPECT_EQ(PositionOf(text, 0).line, 1);
  EXPECT_EQ(PositionOf(text, 1).column, 2);
  EXPECT_EQ(PositionOf(text, 4).line, 2);  // after \r\n
  EXPECT_EQ(PositionOf(text, 4).column, 1);
  EXPECT_EQ(PositionOf(text, 8).column, 4);  // 'd', after the two-byte é
  EXPECT_EQ(PositionOf(text, 10).line, 3);
  EXPECT_EQ(PositionOf(text, 1000).line, 3);  // clamped
}

TEST(SourceTest, DiagnosticCarriesTheSourceLine) {
  Diagnostic d = MakeDiagnostic("a +\n  b ? c", 8, "boom");
  EXPECT_EQ(d.line, 2);
  EXPECT_EQ(d.column, 5);
  EXPECT_EQ(d.source_line, "  b ? c");
  EXPECT_EQ(d.message, "boom");
  EXPECT_EQ(QuoteForMessage(std::string(50, 'x')), "'" + std::string(37, 'x') + "...'");
}

}  // namespace
}  // namespace proactive::lang
