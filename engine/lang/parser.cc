#include "engine/lang/parser.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/common/utf8.h"
#include "engine/lang/lexer.h"
#include "engine/lang/macros.h"
#include "engine/lang/source.h"

namespace proactive::lang {
namespace {

using ExprPtr = std::unique_ptr<Expr>;

class Parser final : public MacroErrorSink {
 public:
  Parser(absl::string_view text, const ParseOptions& options, std::vector<Diagnostic>* diagnostics)
      : text_(text), options_(options), diagnostics_(diagnostics) {
    tokens_ = Tokenize(text, diagnostics);
  }

  ExprPtr ParseAll() {
    ExprPtr root = ParseExpr();
    if (Peek().kind != TokenKind::kEnd) {
      Error(Peek().begin,
            absl::StrCat("unexpected ", DescribeToken(Peek(), text_), " after the end of the expression"));
    }
    return root;
  }

  int32_t max_id() const { return next_id_ - 1; }

  void MacroError(int32_t offset, std::string message) override { Error(offset, std::move(message)); }

 private:
  // ---- tokens -------------------------------------------------------------
  const Token& Peek(size_t ahead = 0) const { return tokens_[std::min(index_ + ahead, tokens_.size() - 1)]; }
  const Token& Advance() {
    const Token& t = tokens_[index_];
    if (index_ + 1 < tokens_.size()) ++index_;
    return t;
  }
  bool Accept(TokenKind kind) {
    if (Peek().kind != kind) return false;
    Advance();
    return true;
  }
  // Consumes the expected token or reports what was found instead.
  bool Expect(TokenKind kind, const char* what) {
    if (Accept(kind)) return true;
    if (Peek().kind != TokenKind::kError) {
      Error(Peek().begin, absl::StrCat("expected ", what, " but found ", DescribeToken(Peek(), text_)));
    }
    return false;
  }
  int32_t PrevEnd() const { return index_ == 0 ? 0 : tokens_[index_ - 1].end; }

  void Error(int32_t offset, std::string message) {
    if (too_deep_ || static_cast<int>(diagnostics_->size()) >= kMaxDiagnostics) return;
    if (offset == last_error_offset_) return;  // one mistake per place
    last_error_offset_ = offset;
    diagnostics_->push_back(MakeDiagnostic(text_, offset, std::move(message)));
  }

  // ---- nodes --------------------------------------------------------------
  ExprPtr NewExpr(ExprKind kind, int32_t begin, int32_t end, int32_t pos) {
    auto e = std::make_unique<Expr>();
    e->id = next_id_++;
    e->kind = kind;
    e->begin = begin;
    e->end = end;
    e->pos = pos;
    return e;
  }

  // Sets the height from the children and refuses over-tall trees.
  ExprPtr Finish(ExprPtr e) {
    int h = 0;
    if (e->target) h = std::max(h, e->target->height);
    for (const auto& a : e->args) h = std::max(h, a->height);
    for (const Entry& en : e->entries) {
      if (en.key) h = std::max(h, en.key->height);
      if (en.value) h = std::max(h, en.value->height);
    }
    e->height = h + 1;
    if (e->height > kMaxHeight) {
      // Keep the tree shallow (the checker and evaluator recurse on it).
      if (!height_reported_) {
        height_reported_ = true;
        Error(e->pos, absl::StrCat("expression is too long to evaluate safely (more than ", kMaxHeight,
                                   " operators in a chain); split it"));
      }
      return ErrorExpr(e->begin, e->end);
    }
    return e;
  }

  ExprPtr Call(const char* function, int32_t pos, ExprPtr a, ExprPtr b = nullptr, ExprPtr c = nullptr) {
    const int32_t begin = std::min(a->begin, pos);
    const int32_t end = std::max({a->end, b ? b->end : 0, c ? c->end : 0});
    ExprPtr e = NewExpr(ExprKind::kCall, begin, end, pos);
    e->name = function;
    e->args.push_back(std::move(a));
    if (b) e->args.push_back(std::move(b));
    if (c) e->args.push_back(std::move(c));
    return Finish(std::move(e));
  }

  ExprPtr ErrorExpr(int32_t begin, int32_t end) {
    return NewExpr(ExprKind::kError, begin, std::max(begin, end), begin);
  }

  // ---- grammar ------------------------------------------------------------
  ExprPtr ParseExpr() {
    if (too_deep_) return ErrorExpr(Peek().begin, Peek().begin);
    if (depth_ >= kMaxNesting) {
      Error(Peek().begin, absl::StrCat("expression is nested too deeply (more than ", kMaxNesting, " levels)"));
      too_deep_ = true;
      const int32_t at = Peek().begin;
      index_ = tokens_.size() - 1;  // give up on the rest
      return ErrorExpr(at, at);
    }
    ++depth_;
    ExprPtr cond = ParseOr();
    if (Peek().kind == TokenKind::kQuestion) {
      const int32_t pos = Advance().begin;
      ExprPtr then = ParseOr();
      Expect(TokenKind::kColon, "':' of the conditional a ? b : c");
      ExprPtr otherwise = ParseExpr();
      cond = Call(kConditional, pos, std::move(cond), std::move(then), std::move(otherwise));
    }
    --depth_;
    return cond;
  }

  ExprPtr ParseOr() {
    ExprPtr left = ParseAnd();
    while (Peek().kind == TokenKind::kOr) {
      const int32_t pos = Advance().begin;
      left = Call(kOr, pos, std::move(left), ParseAnd());
    }
    return left;
  }

  ExprPtr ParseAnd() {
    ExprPtr left = ParseRelation();
    while (Peek().kind == TokenKind::kAnd) {
      const int32_t pos = Advance().begin;
      left = Call(kAnd, pos, std::move(left), ParseRelation());
    }
    return left;
  }

  static const char* RelationName(TokenKind kind) {
    switch (kind) {
      case TokenKind::kEq:
        return kEquals;
      case TokenKind::kNe:
        return kNotEquals;
      case TokenKind::kLt:
        return kLess;
      case TokenKind::kLe:
        return kLessEquals;
      case TokenKind::kGt:
        return kGreater;
      case TokenKind::kGe:
        return kGreaterEquals;
      case TokenKind::kIn:
        return kIn;
      default:
        return nullptr;
    }
  }

  ExprPtr ParseRelation() {
    ExprPtr left = ParseAddition();
    while (const char* op = RelationName(Peek().kind)) {
      const int32_t pos = Advance().begin;
      left = Call(op, pos, std::move(left), ParseAddition());
    }
    return left;
  }

  ExprPtr ParseAddition() {
    ExprPtr left = ParseMultiplication();
    while (Peek().kind == TokenKind::kPlus || Peek().kind == TokenKind::kMinus) {
      const char* op = Peek().kind == TokenKind::kPlus ? kAdd : kSubtract;
      const int32_t pos = Advance().begin;
      left = Call(op, pos, std::move(left), ParseMultiplication());
    }
    return left;
  }

  ExprPtr ParseMultiplication() {
    ExprPtr left = ParseUnary();
    while (true) {
      const TokenKind k = Peek().kind;
      const char* op = k == TokenKind::kStar      ? kMultiply
                       : k == TokenKind::kSlash   ? kDivide
                       : k == TokenKind::kPercent ? kModulo
                                                  : nullptr;
      if (op == nullptr) break;
      const int32_t pos = Advance().begin;
      left = Call(op, pos, std::move(left), ParseUnary());
    }
    return left;
  }

  ExprPtr ParseUnary() {
    if (Peek().kind == TokenKind::kBang || Peek().kind == TokenKind::kMinus) {
      const TokenKind kind = Peek().kind;
      std::vector<int32_t> positions;
      while (Peek().kind == kind) positions.push_back(Advance().begin);
      const TokenKind next = Peek().kind;
      if (kind == TokenKind::kMinus && positions.size() == 1 &&
          (next == TokenKind::kInt || next == TokenKind::kDouble)) {
        // A negative literal: -9223372036854775808 is an int.
        return ParseMemberSuffix(ParseNumber(positions[0]));
      }
      ExprPtr operand = ParseMember();
      for (auto it = positions.rbegin(); it != positions.rend(); ++it) {
        operand = Call(kind == TokenKind::kBang ? kNot : kNegate, *it, std::move(operand));
      }
      return operand;
    }
    return ParseMember();
  }

  ExprPtr ParseMember() { return ParseMemberSuffix(ParsePrimary()); }

  ExprPtr ParseMemberSuffix(ExprPtr operand) {
    while (true) {
      const TokenKind k = Peek().kind;
      if (k == TokenKind::kDot) {
        const int32_t dot = Advance().begin;
        const Token& name = Peek();
        if (name.kind != TokenKind::kIdent && name.kind != TokenKind::kQuotedIdent) {
          if (name.kind != TokenKind::kError)
            Error(name.begin,
                  absl::StrCat("expected a field or function name after '.' but found ", DescribeToken(name, text_)));
          ExprPtr e = NewExpr(ExprKind::kError, operand->begin, PrevEnd(), dot);
          e->target = std::move(operand);
          operand = Finish(std::move(e));
          continue;
        }
        Advance();
        if (name.kind == TokenKind::kIdent && Peek().kind == TokenKind::kLParen) {
          Advance();
          ExprPtr call = NewExpr(ExprKind::kCall, operand->begin, 0, name.begin);
          call->name = name.text;
          call->target = std::move(operand);
          call->args = ParseList(TokenKind::kRParen, "')'");
          call->end = PrevEnd();
          operand = MaybeMacro(Finish(std::move(call)));
          continue;
        }
        ExprPtr select = NewExpr(ExprKind::kSelect, operand->begin, name.end, name.begin);
        select->name = name.text;
        select->target = std::move(operand);
        operand = Finish(std::move(select));
      } else if (k == TokenKind::kLBracket) {
        const int32_t pos = Advance().begin;
        ExprPtr index = ParseExpr();
        Expect(TokenKind::kRBracket, "']'");
        operand = Call(kIndex, pos, std::move(operand), std::move(index));
        operand->end = PrevEnd();
      } else if (k == TokenKind::kLBrace && IsQualifiedName(*operand)) {
        operand = ParseStruct(std::move(operand));
      } else {
        return operand;
      }
    }
  }

  static bool IsQualifiedName(const Expr& e) {
    if (e.kind == ExprKind::kIdent) return true;
    return e.kind == ExprKind::kSelect && !e.test_only && IsQualifiedName(*e.target);
  }
  static std::string QualifiedName(const Expr& e) {
    if (e.kind == ExprKind::kIdent) return e.name;
    return absl::StrCat(QualifiedName(*e.target), ".", e.name);
  }

  ExprPtr MaybeMacro(ExprPtr call) {
    return options_.enable_macros ? ExpandMacro(std::move(call), *this) : std::move(call);
  }

  ExprPtr ParsePrimary() {
    const Token& t = Peek();
    switch (t.kind) {
      case TokenKind::kInt:
      case TokenKind::kUint:
      case TokenKind::kDouble:
        return ParseNumber(-1);
      case TokenKind::kString:
      case TokenKind::kBytes: {
        Advance();
        ExprPtr e = NewExpr(ExprKind::kConstant, t.begin, t.end, t.begin);
        e->constant.kind = t.kind == TokenKind::kString ? Constant::Kind::kString : Constant::Kind::kBytes;
        e->constant.string_value = t.text;
        return e;
      }
      case TokenKind::kTrue:
      case TokenKind::kFalse: {
        Advance();
        ExprPtr e = NewExpr(ExprKind::kConstant, t.begin, t.end, t.begin);
        e->constant.kind = Constant::Kind::kBool;
        e->constant.bool_value = t.kind == TokenKind::kTrue;
        return e;
      }
      case TokenKind::kNull: {
        Advance();
        return NewExpr(ExprKind::kConstant, t.begin, t.end, t.begin);
      }
      case TokenKind::kDot:
      case TokenKind::kIdent:
        return ParseIdentOrCall();
      case TokenKind::kLParen: {
        Advance();
        ExprPtr inner = ParseExpr();
        Expect(TokenKind::kRParen, "')'");
        // The range includes the parentheses, so that a trace shows them.
        inner->begin = t.begin;
        inner->end = std::max(inner->end, PrevEnd());
        return inner;
      }
      case TokenKind::kLBracket: {
        Advance();
        ExprPtr list = NewExpr(ExprKind::kList, t.begin, 0, t.begin);
        list->args = ParseList(TokenKind::kRBracket, "']'");
        list->end = PrevEnd();
        return Finish(std::move(list));
      }
      case TokenKind::kLBrace:
        return ParseMap();
      case TokenKind::kQuotedIdent:
        Advance();
        Error(t.begin, "a `quoted` name is only allowed after '.', e.g. m.`content-type`");
        return ErrorExpr(t.begin, t.end);
      case TokenKind::kError:
        Advance();  // the lexer reported it
        return ErrorExpr(t.begin, t.end);
      default: {
        Error(t.begin, absl::StrCat("expected an expression but found ", DescribeToken(t, text_)));
        const bool closing = t.kind == TokenKind::kRParen || t.kind == TokenKind::kRBracket ||
                             t.kind == TokenKind::kRBrace || t.kind == TokenKind::kComma ||
                             t.kind == TokenKind::kColon || t.kind == TokenKind::kEnd;
        if (!closing) Advance();
        return ErrorExpr(t.begin, closing ? t.begin : t.end);
      }
    }
  }

  // A number literal; `minus` is the offset of a leading '-', or -1.
  ExprPtr ParseNumber(int32_t minus) {
    const Token t = Advance();
    const bool negative = minus >= 0;
    const int32_t begin = negative ? minus : t.begin;
    ExprPtr e = NewExpr(ExprKind::kConstant, begin, t.end, begin);
    Constant& c = e->constant;
    const absl::string_view spelling = text_.substr(begin, t.end - begin);
    if (t.kind == TokenKind::kDouble) {
      c.kind = Constant::Kind::kDouble;
      c.double_value = negative ? -t.double_value : t.double_value;
    } else if (t.kind == TokenKind::kUint) {
      c.kind = Constant::Kind::kUint;
      c.uint_value = t.magnitude;
      if (t.overflow) Error(begin, absl::StrCat("uint literal ", spelling, " is too large"));
    } else {
      c.kind = Constant::Kind::kInt;
      const uint64_t limit = negative ? (uint64_t{1} << 63) : INT64_MAX;
      if (t.overflow || t.magnitude > limit) {
        Error(begin,
              absl::StrCat("int literal ", spelling, " is out of range (ints are 64-bit; use a u suffix for uint)"));
      } else if (negative) {
        c.int_value = static_cast<int64_t>(0 - t.magnitude);
      } else {
        c.int_value = static_cast<int64_t>(t.magnitude);
      }
    }
    return e;
  }

  ExprPtr ParseIdentOrCall() {
    const int32_t begin = Peek().begin;
    std::string prefix;
    if (Accept(TokenKind::kDot)) {
      prefix = ".";
      if (Peek().kind != TokenKind::kIdent) {
        Error(Peek().begin,
              absl::StrCat("expected a name after the leading '.' but found ", DescribeToken(Peek(), text_)));
        return ErrorExpr(begin, PrevEnd());
      }
    }
    const Token& name = Advance();
    if (name.reserved) {
      Error(name.begin, absl::StrCat("'", name.text, "' is a reserved word and cannot be a name"));
    }
    if (Peek().kind == TokenKind::kLParen) {
      Advance();
      ExprPtr call = NewExpr(ExprKind::kCall, begin, 0, name.begin);
      call->name = name.text;
      call->args = ParseList(TokenKind::kRParen, "')'");
      call->end = PrevEnd();
      return MaybeMacro(Finish(std::move(call)));
    }
    ExprPtr ident = NewExpr(ExprKind::kIdent, begin, name.end, name.begin);
    ident->name = prefix + name.text;
    return ident;
  }

  // Skips to the next ',' or `closing` at this nesting level (or the end).
  void SkipTo(TokenKind closing) {
    int nesting = 0;
    while (Peek().kind != TokenKind::kEnd) {
      const TokenKind k = Peek().kind;
      if (nesting == 0 && (k == closing || k == TokenKind::kComma)) return;
      if (k == TokenKind::kLParen || k == TokenKind::kLBracket || k == TokenKind::kLBrace) {
        ++nesting;
      } else if (k == TokenKind::kRParen || k == TokenKind::kRBracket || k == TokenKind::kRBrace) {
        if (nesting == 0) return;  // a closing bracket of an outer level
        --nesting;
      }
      Advance();
    }
  }

  // Elements up to `closing` (consumed); a trailing comma is allowed.
  std::vector<ExprPtr> ParseList(TokenKind closing, const char* closing_text) {
    std::vector<ExprPtr> items;
    while (Peek().kind != closing && Peek().kind != TokenKind::kEnd) {
      items.push_back(ParseExpr());
      if (Accept(TokenKind::kComma)) continue;
      if (Peek().kind == closing) break;
      Error(Peek().begin, absl::StrCat("expected ',' or ", closing_text, " but found ", DescribeToken(Peek(), text_)));
      SkipTo(closing);
      if (!Accept(TokenKind::kComma)) break;
    }
    Expect(closing, closing_text);
    return items;
  }

  ExprPtr ParseMap() {
    const int32_t begin = Advance().begin;
    ExprPtr map = NewExpr(ExprKind::kMap, begin, 0, begin);
    while (Peek().kind != TokenKind::kRBrace && Peek().kind != TokenKind::kEnd) {
      Entry entry;
      entry.key = ParseExpr();
      entry.pos = Peek().begin;
      if (Expect(TokenKind::kColon, "':' between a map key and its value")) {
        entry.value = ParseExpr();
      } else {
        SkipTo(TokenKind::kRBrace);
        entry.value = ErrorExpr(entry.pos, entry.pos);
      }
      map->entries.push_back(std::move(entry));
      if (Accept(TokenKind::kComma)) continue;
      if (Peek().kind == TokenKind::kRBrace) break;
      Error(Peek().begin, absl::StrCat("expected ',' or '}' but found ", DescribeToken(Peek(), text_)));
      SkipTo(TokenKind::kRBrace);
      if (!Accept(TokenKind::kComma)) break;
    }
    Expect(TokenKind::kRBrace, "'}'");
    map->end = PrevEnd();
    return Finish(std::move(map));
  }

  ExprPtr ParseStruct(ExprPtr type_name) {
    const int32_t brace = Advance().begin;
    ExprPtr s = NewExpr(ExprKind::kStruct, type_name->begin, 0, type_name->pos);
    s->name = QualifiedName(*type_name);
    (void)brace;
    while (Peek().kind != TokenKind::kRBrace && Peek().kind != TokenKind::kEnd) {
      Entry entry;
      const Token& field = Peek();
      entry.pos = field.begin;
      if (field.kind == TokenKind::kIdent || field.kind == TokenKind::kQuotedIdent) {
        Advance();
        entry.field = field.text;
      } else {
        Error(field.begin, absl::StrCat("expected a field name but found ", DescribeToken(field, text_)));
        SkipTo(TokenKind::kRBrace);
        if (Accept(TokenKind::kComma)) continue;
        break;
      }
      if (Expect(TokenKind::kColon, "':' after the field name")) {
        entry.value = ParseExpr();
      } else {
        entry.value = ErrorExpr(entry.pos, entry.pos);
        SkipTo(TokenKind::kRBrace);
      }
      s->entries.push_back(std::move(entry));
      if (Accept(TokenKind::kComma)) continue;
      if (Peek().kind == TokenKind::kRBrace) break;
      Error(Peek().begin, absl::StrCat("expected ',' or '}' but found ", DescribeToken(Peek(), text_)));
      SkipTo(TokenKind::kRBrace);
      if (!Accept(TokenKind::kComma)) break;
    }
    Expect(TokenKind::kRBrace, "'}'");
    s->end = PrevEnd();
    return Finish(std::move(s));
  }

  absl::string_view text_;
  ParseOptions options_;
  std::vector<Diagnostic>* diagnostics_;
  std::vector<Token> tokens_;
  size_t index_ = 0;
  int32_t next_id_ = 1;
  int depth_ = 0;
  bool too_deep_ = false;
  bool height_reported_ = false;
  int32_t last_error_offset_ = -1;
};

}  // namespace

ParseResult Parse(absl::string_view text, const ParseOptions& options) {
  ParseResult result;
  size_t bad = 0;
  if (!IsValidUtf8(text, &bad)) {
    result.diagnostics.push_back(
        MakeDiagnostic(text, static_cast<int32_t>(bad), "the expression is not valid UTF-8 text"));
    result.root = std::make_unique<Expr>();
    result.root->id = 1;
    result.max_id = 1;
    return result;
  }
  if (text.size() > static_cast<size_t>(INT32_MAX / 2)) {
    result.diagnostics.push_back(MakeDiagnostic("", 0, "the expression is too large"));
    result.root = std::make_unique<Expr>();
    result.root->id = 1;
    result.max_id = 1;
    return result;
  }
  Parser parser(text, options, &result.diagnostics);
  result.root = parser.ParseAll();
  result.max_id = parser.max_id();
  return result;
}

}  // namespace proactive::lang
