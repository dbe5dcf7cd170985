#include "engine/lang/lexer.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace proactive::lang {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<TokenKind> Kinds(const std::vector<Token>& tokens) {
  std::vector<TokenKind> kinds;
  for (const Token& t : tokens) kinds.push_back(t.kind);
  return kinds;
}

TEST(LexerTest, OperatorsAndNames) {
  std::vector<Diagnostic> d;
  std::vector<Token> t = Tokenize("a.b >= 65 && !c || x in [1] ? y : z", &d);
  EXPECT_THAT(d, IsEmpty());
  EXPECT_THAT(Kinds(t), ElementsAre(TokenKind::kIdent, TokenKind::kDot, TokenKind::kIdent, TokenKind::kGe,
                                    TokenKind::kInt, TokenKind::kAnd, TokenKind::kBang, TokenKind::kIdent,
                                    TokenKind::kOr, TokenKind::kIdent, TokenKind::kIn, TokenKind::kLBracket,
                                    TokenKind::kInt, TokenKind::kRBracket, TokenKind::kQuestion, TokenKind::kIdent,
                                    TokenKind::kColon, TokenKind::kIdent, TokenKind::kEnd));
  EXPECT_EQ(t[2].text, "b");
  EXPECT_EQ(t[2].begin, 2);
  EXPECT_EQ(t[2].end, 3);
}

TEST(LexerTest, Numbers) {
  std::vector<Diagnostic> d;
  std::vector<Token> t = Tokenize("42 0x1F 7u 0xFFu 1.5 .5 2e3 1e-2 18446744073709551616", &d);
  EXPECT_THAT(d, IsEmpty());
  EXPECT_EQ(t[0].kind, TokenKind::kInt);
  EXPECT_EQ(t[0].magnitude, 42u);
  EXPECT_EQ(t[1].magnitude, 31u);
  EXPECT_EQ(t[2].kind, TokenKind::kUint);
  EXPECT_EQ(t[2].magnitude, 7u);
  EXPECT_EQ(t[3].kind, TokenKind::kUint);
  EXPECT_EQ(t[3].magnitude, 255u);
  EXPECT_EQ(t[4].kind, TokenKind::kDouble);
  EXPECT_DOUBLE_EQ(t[4].double_value, 1.5);
  EXPECT_DOUBLE_EQ(t[5].double_value, 0.5);
  EXPECT_DOUBLE_EQ(t[6].double_value, 2000);
  EXPECT_DOUBLE_EQ(t[7].double_value, 0.01);
  EXPECT_EQ(t[8].kind, TokenKind::kInt);
  EXPECT_TRUE(t[8].overflow);
}

TEST(LexerTest, IntFollowedByDotIsNotADouble) {
  std::vector<Diagnostic> d;
  EXPECT_THAT(Kinds(Tokenize("1.size()", &d)), ElementsAre(TokenKind::kInt, TokenKind::kDot, TokenKind::kIdent,
                                                           TokenKind::kLParen, TokenKind::kRParen, TokenKind::kEnd));
}

TEST(LexerTest, StringEscapes) {
  std::vector<Diagnostic> d;
  std::vector<Token> t = Tokenize(R"('a\tb' "\x41\101\u00e9\U0001F600" "\"" '\\' "\a\b\f\n\r\v\?\`")", &d);
  EXPECT_THAT(d, IsEmpty());
  EXPECT_EQ(t[0].text, "a\tb");
  EXPECT_EQ(t[1].text, "AA\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(t[2].text, "\"");
  EXPECT_EQ(t[3].text, "\\");
  EXPECT_EQ(t[4].text, "\a\b\f\n\r\v?`");
}

TEST(LexerTest, RawAndTripleQuotedStrings) {
  std::vector<Diagnostic> d;
  std::vector<Token> t = Tokenize("r'\\d+' R\"a\\n\" '''it's\nmulti''' \"\"\"x\"y\"\"\"", &d);
  EXPECT_THAT(d, IsEmpty());
  EXPECT_EQ(t[0].text, "\\d+");
  EXPECT_EQ(t[1].text, "a\\n");
  EXPECT_EQ(t[2].text, "it's\nmulti");
  EXPECT_EQ(t[3].text, "x\"y");
}

TEST(LexerTest, BytesUseOctetsForNumericEscapes) {
  std::vector<Diagnostic> d;
  std::vector<Token> t = Tokenize(R"(b'\xff\377' B"ÿ" br'\x' '\xff')", &d);
  EXPECT_THAT(d, IsEmpty());
  EXPECT_EQ(t[0].kind, TokenKind::kBytes);
  EXPECT_EQ(t[0].text, "\xff\xff");
  EXPECT_EQ(t[1].text, "\xc3\xbf");
  EXPECT_EQ(t[2].text, "\\x");
  EXPECT_EQ(t[3].kind, TokenKind::kString);
  EXPECT_EQ(t[3].text, "\xc3\xbf");  // in strings \xff is the code point U+00FF
}

TEST(LexerTest, CommentsAndReservedWords) {
  std::vector<Diagnostic> d;
  std::vector<Token> t = Tokenize("a // comment\n + for", &d);
  EXPECT_THAT(Kinds(t), ElementsAre(TokenKind::kIdent, TokenKind::kPlus, TokenKind::kIdent, TokenKind::kEnd));
  EXPECT_FALSE(t[0].reserved);
  EXPECT_TRUE(t[2].reserved);
}

TEST(LexerTest, QuotedFieldName) {
  std::vector<Diagnostic> d;
  std::vector<Token> t = Tokenize("m.`content-type`", &d);
  EXPECT_THAT(d, IsEmpty());
  EXPECT_EQ(t[2].kind, TokenKind::kQuotedIdent);
  EXPECT_EQ(t[2].text, "content-type");
}

TEST(LexerTest, ReportsEveryMistakeWithPosition) {
  std::vector<Diagnostic> d;
  Tokenize("a = 1 & '\\q' # \"open", &d);
  ASSERT_EQ(d.size(), 5u);
  EXPECT_EQ(d[0].column, 3);
  EXPECT_THAT(d[0].message, HasSubstr("use == to compare"));
  EXPECT_EQ(d[1].column, 7);
  EXPECT_THAT(d[1].message, HasSubstr("use && for"));
  EXPECT_EQ(d[2].column, 10);
  EXPECT_EQ(d[2].message, "unknown escape sequence \\q");
  EXPECT_EQ(d[3].column, 14);
  EXPECT_EQ(d[3].message, "unexpected character '#'");
  EXPECT_EQ(d[4].column, 16);
  EXPECT_EQ(d[4].message, "string literal is not closed");
}

TEST(LexerTest, NewlineInsideSingleQuotedStringIsAMistake) {
  std::vector<Diagnostic> d;
  Tokenize("'abc\ndef'", &d);
  ASSERT_FALSE(d.empty());
  EXPECT_EQ(d[0].line, 1);
  EXPECT_EQ(d[0].column, 1);
  EXPECT_THAT(d[0].message, HasSubstr("not closed before the end of the line"));
}

TEST(LexerTest, InvalidCodePointEscapes) {
  std::vector<Diagnostic> d;
  Tokenize(R"("\uD800" "\U00110000" b"\u0041")", &d);
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].message, "\\uD800 is not a Unicode code point");
  EXPECT_EQ(d[1].message, "\\U00110000 is not a Unicode code point");
  EXPECT_THAT(d[2].message, HasSubstr("only allowed in strings, not in bytes"));
}

TEST(LexerTest, ColumnsCountCharactersNotBytes) {
  std::vector<Diagnostic> d;
  Tokenize("'été' # ", &d);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].column, 7);
}

}  // namespace
}  // namespace proactive::lang
