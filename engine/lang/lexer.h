// The lexer: expression text to tokens, with CEL's lexical rules (decimal and
// hex int literals, `u` suffixes, floats, quoted / triple-quoted / raw
// strings and bytes with every escape, `//` comments, backquoted field
// names).
//
//   std::vector<Diagnostic> diagnostics;
//   std::vector<Token> tokens = Tokenize("person.age >= 65", &diagnostics);
//   // tokens: IDENT DOT IDENT GE INT END
//
// Lexical mistakes (unterminated string, bad escape, stray character) become
// diagnostics and an kError token; lexing always runs to the end.
#ifndef PROACTIVE_ENGINE_LANG_LEXER_H_
#define PROACTIVE_ENGINE_LANG_LEXER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "engine/common/diagnostic.h"

namespace proactive::lang {

enum class TokenKind : unsigned char {
  kEnd,
  kError,
  kIdent,        // text = the name; reserved = true for reserved words
  kQuotedIdent,  // `foo.txt`; text = foo.txt
  kInt,          // magnitude, overflow
  kUint,
  kDouble,  // double_value
  kString,  // text = decoded UTF-8
  kBytes,   // text = decoded bytes
  kTrue,
  kFalse,
  kNull,
  kIn,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kLBrace,
  kRBrace,
  kDot,
  kComma,
  kColon,
  kQuestion,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
  kBang,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAnd,
  kOr,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  int32_t begin = 0;  // byte offsets [begin, end) in the text
  int32_t end = 0;
  std::string text;
  uint64_t magnitude = 0;  // kInt / kUint: the literal's value, without sign
  bool overflow = false;   // kInt / kUint: the literal exceeds 64 bits
  double double_value = 0;
  bool reserved = false;  // kIdent: a reserved word such as `for`
};

// Tokenizes all of `text`; the last token is kEnd. REQUIRES: `text` is valid
// UTF-8 (the parser checks).
std::vector<Token> Tokenize(absl::string_view text, std::vector<Diagnostic>* diagnostics);

// How a token is shown in messages: "')'", "identifier 'foo'", "end of input".
std::string DescribeToken(const Token& token, absl::string_view text);

}  // namespace proactive::lang

#endif  // PROACTIVE_ENGINE_LANG_LEXER_H_
