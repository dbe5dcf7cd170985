#include "engine/common/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace proactive {
namespace {

TEST(Utf8Test, AcceptsValidText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("Hôtel de Ville, 75004 Paris"));
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));  // U+1F600
  EXPECT_TRUE(IsValidUtf8("\xEF\xBF\xBF"));      // U+FFFF
}

TEST(Utf8Test, ReportsTheFirstBadByte) {
  size_t bad = 99;
  EXPECT_FALSE(IsValidUtf8(std::string("ab\xFF"
                                       "cd"),
                           &bad));
  EXPECT_EQ(bad, 2u);
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF", &bad));  // overlong '/'
  EXPECT_EQ(bad, 0u);
  EXPECT_FALSE(IsValidUtf8("x\xED\xA0\x80", &bad));  // surrogate U+D800
  EXPECT_EQ(bad, 1u);
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80", &bad));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("caf\xC3", &bad));           // truncated
  EXPECT_EQ(bad, 3u);
}

TEST(Utf8Test, PrefixesEndBetweenCharacters) {
  EXPECT_EQ(Utf8Prefix("Hôtel", 10), "Hôtel");
  EXPECT_EQ(Utf8Prefix("Hôtel", 6), "Hôtel");  // exactly its 6 bytes
  EXPECT_EQ(Utf8Prefix("Hôtel", 3), "Hô");
  EXPECT_EQ(Utf8Prefix("Hôtel", 2), "H");  // not half of the ô
  EXPECT_EQ(Utf8Prefix("\xF0\x9F\x98\x80!", 3), "");
  EXPECT_EQ(Utf8Prefix("\xF0\x9F\x98\x80!", 4), "\xF0\x9F\x98\x80");
  EXPECT_EQ(Utf8Prefix("abc", 0), "");
}

TEST(Utf8Test, CharactersAreCountedNotBytes) {
  EXPECT_EQ(Utf8CharacterCount(""), 0u);
  EXPECT_EQ(Utf8CharacterCount("Hôtel"), 5u);
  EXPECT_EQ(Utf8CharacterCount("€€€"), 3u);
  EXPECT_EQ(Utf8CharacterCount("\xF0\x9F\x98\x80!"), 2u);
}

}  // namespace
}  // namespace proactive
