#include "engine/lang/lexer.h"

#include <cerrno>
#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/lang/literals.h"
#include "engine/lang/source.h"
#include "engine/lang/types.h"

namespace proactive::lang {
namespace {

bool IsIdentStart(char c) { return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) { return absl::ascii_isxdigit(static_cast<unsigned char>(c)); }

class Lexer {
 public:
  Lexer(absl::string_view text, std::vector<Diagnostic>* diagnostics) : text_(text), diagnostics_(diagnostics) {}

  std::vector<Token> Run() {
    std::vector<Token> tokens;
    while (true) {
      SkipSpaceAndComments();
      Token t = Next();
      const bool end = t.kind == TokenKind::kEnd;
      tokens.push_back(std::move(t));
      if (end) break;
    }
    return tokens;
  }

 private:
  char At(size_t i) const { return i < text_.size() ? text_[i] : '\0'; }

  void Error(size_t offset, std::string message) {
    diagnostics_->push_back(MakeDiagnostic(text_, static_cast<int32_t>(offset), std::move(message)));
  }

  void SkipSpaceAndComments() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
        ++pos_;
      } else if (c == '/' && At(pos_ + 1) == '/') {
        while (pos_ < text_.size() && text_[pos_] != '\n' && text_[pos_] != '\r') ++pos_;
      } else {
        break;
      }
    }
  }

  Token Make(TokenKind kind, size_t begin, size_t end) {
    Token t;
    t.kind = kind;
    t.begin = static_cast<int32_t>(begin);
    t.end = static_cast<int32_t>(end);
    pos_ = end;
    return t;
  }

  Token Next() {
    const size_t begin = pos_;
    if (pos_ >= text_.size()) return Make(TokenKind::kEnd, begin, begin);
    const char c = text_[pos_];
    if (IsDigit(c) || (c == '.' && IsDigit(At(pos_ + 1)))) return Number();
    if (IsIdentStart(c)) return IdentOrString();
    if (c == '"' || c == '\'') return String(begin, pos_, false, false);
    if (c == '`') return QuotedIdent();
    const char n = At(pos_ + 1);
    switch (c) {
      case '(':
        return Make(TokenKind::kLParen, begin, begin + 1);
      case ')':
        return Make(TokenKind::kRParen, begin, begin + 1);
      case '[':
        return Make(TokenKind::kLBracket, begin, begin + 1);
      case ']':
        return Make(TokenKind::kRBracket, begin, begin + 1);
      case '{':
        return Make(TokenKind::kLBrace, begin, begin + 1);
      case '}':
        return Make(TokenKind::kRBrace, begin, begin + 1);
      case '.':
        return Make(TokenKind::kDot, begin, begin + 1);
      case ',':
        return Make(TokenKind::kComma, begin, begin + 1);
      case ':':
        return Make(TokenKind::kColon, begin, begin + 1);
      case '?':
        return Make(TokenKind::kQuestion, begin, begin + 1);
      case '+':
        return Make(TokenKind::kPlus, begin, begin + 1);
      case '-':
        return Make(TokenKind::kMinus, begin, begin + 1);
      case '*':
        return Make(TokenKind::kStar, begin, begin + 1);
      case '/':
        return Make(TokenKind::kSlash, begin, begin + 1);
      case '%':
        return Make(TokenKind::kPercent, begin, begin + 1);
      case '!':
        return n == '=' ? Make(TokenKind::kNe, begin, begin + 2) : Make(TokenKind::kBang, begin, begin + 1);
      case '<':
        return n == '=' ? Make(TokenKind::kLe, begin, begin + 2) : Make(TokenKind::kLt, begin, begin + 1);
      case '>':
        return n == '=' ? Make(TokenKind::kGe, begin, begin + 2) : Make(TokenKind::kGt, begin, begin + 1);
      case '=':
        if (n == '=') return Make(TokenKind::kEq, begin, begin + 2);
        Error(begin, "unexpected '=': use == to compare");
        return Make(TokenKind::kError, begin, begin + 1);
      case '&':
        if (n == '&') return Make(TokenKind::kAnd, begin, begin + 2);
        Error(begin, "unexpected '&': use && for \"and\"");
        return Make(TokenKind::kError, begin, begin + 1);
      case '|':
        if (n == '|') return Make(TokenKind::kOr, begin, begin + 2);
        Error(begin, "unexpected '|': use || for \"or\"");
        return Make(TokenKind::kError, begin, begin + 1);
      default:
        break;
    }
    // One whole UTF-8 character, so the message shows it intact.
    size_t end = begin + 1;
    while (end < text_.size() && (static_cast<unsigned char>(text_[end]) & 0xC0) == 0x80) ++end;
    Error(begin, absl::StrCat("unexpected character '", text_.substr(begin, end - begin), "'"));
    return Make(TokenKind::kError, begin, end);
  }

  Token Number() {
    const size_t begin = pos_;
    size_t i = pos_;
    if (At(i) == '0' && (At(i + 1) == 'x' || At(i + 1) == 'X') && IsHexDigit(At(i + 2))) {
      i += 2;
      uint64_t magnitude = 0;
      bool overflow = false;
      while (IsHexDigit(At(i))) {
        const char h = At(i);
        const uint64_t d = IsDigit(h) ? h - '0' : absl::ascii_tolower(h) - 'a' + 10;
        if (magnitude > (UINT64_MAX >> 4)) overflow = true;
        magnitude = magnitude * 16 + d;
        ++i;
      }
      return IntToken(begin, i, magnitude, overflow);
    }
    bool is_double = false;
    while (IsDigit(At(i))) ++i;
    if (At(i) == '.' && IsDigit(At(i + 1))) {
      is_double = true;
      ++i;
      while (IsDigit(At(i))) ++i;
    }
    if (At(i) == 'e' || At(i) == 'E') {
      size_t j = i + 1;
      if (At(j) == '+' || At(j) == '-') ++j;
      if (IsDigit(At(j))) {
        is_double = true;
        while (IsDigit(At(j))) ++j;
        i = j;
      }
    }
    if (is_double) {
      Token t = Make(TokenKind::kDouble, begin, i);
      const std::string digits(text_.substr(begin, i - begin));
      t.double_value = std::strtod(digits.c_str(), nullptr);  // overflow gives infinity
      return t;
    }
    uint64_t magnitude = 0;
    bool overflow = false;
    for (size_t k = begin; k < i; ++k) {
      const uint64_t d = text_[k] - '0';
      if (magnitude > (UINT64_MAX - d) / 10) overflow = true;
      magnitude = magnitude * 10 + d;
    }
    return IntToken(begin, i, magnitude, overflow);
  }

  Token IntToken(size_t begin, size_t end, uint64_t magnitude, bool overflow) {
    TokenKind kind = TokenKind::kInt;
    if (At(end) == 'u' || At(end) == 'U') {
      kind = TokenKind::kUint;
      ++end;
    }
    Token t = Make(kind, begin, end);
    t.magnitude = magnitude;
    t.overflow = overflow;
    return t;
  }

  Token IdentOrString() {
    const size_t begin = pos_;
    size_t i = pos_;
    while (IsIdentChar(At(i))) ++i;
    const absl::string_view word = text_.substr(begin, i - begin);
    // String prefixes: r, b, and both in either order and case.
    if ((At(i) == '"' || At(i) == '\'') && word.size() <= 2) {
      bool raw = false, bytes = false, valid = true;
      for (char p : word) {
        const char lower = absl::ascii_tolower(static_cast<unsigned char>(p));
        if (lower == 'r' && !raw) {
          raw = true;
        } else if (lower == 'b' && !bytes) {
          bytes = true;
        } else {
          valid = false;
        }
      }
      if (valid) return String(begin, i, raw, bytes);
    }
    Token t;
    if (word == "true") {
      t = Make(TokenKind::kTrue, begin, i);
    } else if (word == "false") {
      t = Make(TokenKind::kFalse, begin, i);
    } else if (word == "null") {
      t = Make(TokenKind::kNull, begin, i);
    } else if (word == "in") {
      t = Make(TokenKind::kIn, begin, i);
    } else {
      t = Make(TokenKind::kIdent, begin, i);
      t.text = std::string(word);
      t.reserved = IsReservedWord(word);
    }
    return t;
  }

  // `quote_at` is the offset of the opening quote; `begin` of the prefix.
  Token String(size_t begin, size_t quote_at, bool raw, bool bytes) {
    const char q = text_[quote_at];
    const bool triple = At(quote_at + 1) == q && At(quote_at + 2) == q;
    const size_t body_begin = quote_at + (triple ? 3 : 1);
    size_t i = body_begin;
    size_t body_end = 0, end = 0;
    bool closed = false;
    while (i < text_.size()) {
      const char c = text_[i];
      if (triple) {
        if (c == q && At(i + 1) == q && At(i + 2) == q) {
          body_end = i;
          end = i + 3;
          closed = true;
          break;
        }
      } else {
        if (c == q) {
          body_end = i;
          end = i + 1;
          closed = true;
          break;
        }
        if (c == '\n' || c == '\r') break;
      }
      // In non-raw literals a backslash protects the next character.
      i += (c == '\\' && !raw && i + 1 < text_.size()) ? 2 : 1;
    }
    Token t;
    if (!closed) {
      const bool newline = !triple && i < text_.size();
      Error(begin, newline ? "string literal is not closed before the end of the line (use "
                             "''' or \"\"\" for text over several lines)"
                           : "string literal is not closed");
      t = Make(TokenKind::kError, begin, newline ? i : text_.size());
      return t;
    }
    t = Make(bytes ? TokenKind::kBytes : TokenKind::kString, begin, end);
    std::vector<LiteralError> errors;
    DecodeLiteralBody(text_.substr(body_begin, body_end - body_begin), static_cast<int32_t>(body_begin), raw, bytes,
                      &t.text, &errors);
    for (LiteralError& e : errors) Error(e.offset, std::move(e.message));
    if (!errors.empty()) t.kind = TokenKind::kError;
    return t;
  }

  Token QuotedIdent() {
    const size_t begin = pos_;
    size_t i = begin + 1;
    while (i < text_.size()) {
      const char c = text_[i];
      if (!(IsIdentChar(c) || c == '.' || c == '-' || c == '/' || c == ' ')) break;
      ++i;
    }
    if (At(i) != '`' || i == begin + 1) {
      Error(begin,
            "a quoted field name is `name` with letters, digits, '_', '.', "
            "'-', '/' or spaces");
      return Make(TokenKind::kError, begin, At(i) == '`' ? i + 1 : i);
    }
    Token t = Make(TokenKind::kQuotedIdent, begin, i + 1);
    t.text = std::string(text_.substr(begin + 1, i - begin - 1));
    return t;
  }

  absl::string_view text_;
  std::vector<Diagnostic>* diagnostics_;
  size_t pos_ = 0;
};

}  // namespace

std::vector<Token> Tokenize(absl::string_view text, std::vector<Diagnostic>* diagnostics) {
  return Lexer(text, diagnostics).Run();
}

std::string DescribeToken(const Token& token, absl::string_view text) {
  if (token.kind == TokenKind::kEnd) return "the end of the expression";
  absl::string_view spelling = text.substr(token.begin, token.end - token.begin);
  if (token.kind == TokenKind::kIdent) return absl::StrCat("'", spelling, "'");
  return QuoteForMessage(spelling);
}

}  // namespace proactive::lang
