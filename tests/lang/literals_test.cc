#include "engine/lang/literals.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace proactive::lang {
namespace {

std::string Decode(absl::string_view body, bool raw, bool bytes, std::vector<LiteralError>* errors = nullptr) {
  std::vector<LiteralError> local;
  std::string out;
  DecodeLiteralBody(body, 10, raw, bytes, &out, errors != nullptr ? errors : &local);
  return out;
}

TEST(LiteralsTest, DecodesEscapes) {
  EXPECT_EQ(Decode(R"(\x41\101\u00E9\U0001F600)", false, false), "AA\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(Decode(R"(\xff\377)", false, true), "\xff\xff");
  EXPECT_EQ(Decode(R"(a\nb)", true, false), "a\\nb");
}

TEST(LiteralsTest, ReportsEachBadEscapeWithItsOffset) {
  std::vector<LiteralError> errors;
  EXPECT_EQ(Decode(R"(a\qb\x4)", false, false, &errors), "ab4");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].offset, 11);
  EXPECT_EQ(errors[0].message, "unknown escape sequence \\q");
  EXPECT_EQ(errors[1].offset, 14);
  EXPECT_EQ(errors[1].message, "\\x must be followed by two hex digits");
}

TEST(LiteralsTest, QuotesRoundTrip) {
  EXPECT_EQ(QuoteString("a\"b\\c\n\x01é"), "\"a\\\"b\\\\c\\n\\x01é\"");
  EXPECT_EQ(QuoteBytes(std::string("a\0\xff", 3)), "b\"a\\x00\\xff\"");
  std::string decoded;
  std::vector<LiteralError> errors;
  const std::string quoted = QuoteString("tab\there \"q\"");
  DecodeLiteralBody(absl::string_view(quoted).substr(1, quoted.size() - 2), 0, false, false, &decoded, &errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(decoded, "tab\there \"q\"");
}

}  // namespace
}  // namespace proactive::lang
