#include "engine/lang/parser.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace proactive::lang {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// A compact S-expression of the tree, to assert structure.
std::string Show(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kError:
      return "<error>";
    case ExprKind::kConstant: {
      const Constant& c = e.constant;
      switch (c.kind) {
        case Constant::Kind::kNull:
          return "null";
        case Constant::Kind::kBool:
          return c.bool_value ? "true" : "false";
        case Constant::Kind::kInt:
          return absl::StrCat(c.int_value);
        case Constant::Kind::kUint:
          return absl::StrCat(c.uint_value, "u");
        case Constant::Kind::kDouble:
          return absl::StrCat(c.double_value, "d");
        case Constant::Kind::kString:
          return absl::StrCat("\"", c.string_value, "\"");
        case Constant::Kind::kBytes:
          return absl::StrCat("b\"", c.string_value, "\"");
      }
      return "?";
    }
    case ExprKind::kIdent:
      return e.name;
    case ExprKind::kSelect:
      return e.test_only ? absl::StrCat("has(", Show(*e.target), ".", e.name, ")")
                         : absl::StrCat(Show(*e.target), ".", e.name);
    case ExprKind::kCall: {
      std::vector<std::string> args;
      for (const auto& a : e.args) args.push_back(Show(*a));
      return absl::StrCat(e.target ? Show(*e.target) + "." : "", e.name, "(", absl::StrJoin(args, ", "), ")");
    }
    case ExprKind::kList: {
      std::vector<std::string> items;
      for (const auto& a : e.args) items.push_back(Show(*a));
      return absl::StrCat("[", absl::StrJoin(items, ", "), "]");
    }
    case ExprKind::kMap:
    case ExprKind::kStruct: {
      std::vector<std::string> items;
      for (const Entry& en : e.entries) {
        items.push_back(absl::StrCat(en.key ? Show(*en.key) : en.field, ": ", Show(*en.value)));
      }
      return absl::StrCat(e.kind == ExprKind::kStruct ? e.name : "", "{", absl::StrJoin(items, ", "), "}");
    }
    case ExprKind::kComprehension:
      return absl::StrCat(MacroName(e.macro), "(", e.var, e.var2.empty() ? "" : ", " + e.var2, " in ", Show(*e.target),
                          e.filter ? " if " + Show(*e.filter) : "", ": ", Show(*e.body), ")");
  }
  return "?";
}

std::string ParseOk(absl::string_view text) {
  ParseResult r = Parse(text);
  EXPECT_THAT(r.diagnostics, IsEmpty()) << FormatDiagnostics(r.diagnostics);
  return Show(*r.root);
}

TEST(ParserTest, Precedence) {
  EXPECT_EQ(ParseOk("a || b && c == d + e * f"), "_||_(a, _&&_(b, _==_(c, _+_(d, _*_(e, f)))))");
  EXPECT_EQ(ParseOk("a ? b : c ? d : e"), "_?_:_(a, b, _?_:_(c, d, e))");
  EXPECT_EQ(ParseOk("1 - 2 - 3"), "_-_(_-_(1, 2), 3)");
  EXPECT_EQ(ParseOk("x in [1, 2] == true"), "_==_(@in(x, [1, 2]), true)");
  EXPECT_EQ(ParseOk("!!a"), "!_(!_(a))");
  EXPECT_EQ(ParseOk("-a.b"), "-_(a.b)");
}

TEST(ParserTest, NegativeLiterals) {
  EXPECT_EQ(ParseOk("-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(ParseOk("-2.5"), "-2.5d");
  EXPECT_EQ(ParseOk("1 -1"), "_-_(1, 1)");
  EXPECT_EQ(ParseOk("-(1)"), "-_(1)");
  EXPECT_EQ(ParseOk("--1"), "-_(-_(1))");
  EXPECT_EQ(ParseOk("-1u"), "-_(1u)");
}

TEST(ParserTest, MembersCallsAndLiterals) {
  EXPECT_EQ(ParseOk("person.children[0].birth_date.year()"), "_[_](person.children, 0).birth_date.year()");
  EXPECT_EQ(ParseOk("size(x) + 'a'.size()"), "_+_(size(x), \"a\".size())");
  EXPECT_EQ(ParseOk("{'a': 1, 2: [true, null],}"), "{\"a\": 1, 2: [true, null]}");
  EXPECT_EQ(ParseOk("[1, 2,]"), "[1, 2]");
  EXPECT_EQ(ParseOk("google.protobuf.Int64Value{value: 3}"), "google.protobuf.Int64Value{value: 3}");
  EXPECT_EQ(ParseOk(".a.b"), ".a.b");
  EXPECT_EQ(ParseOk("m.`content-type`"), "m.content-type");
  EXPECT_EQ(ParseOk("{'if': 1}.if"), "{\"if\": 1}.if");
}

TEST(ParserTest, Macros) {
  EXPECT_EQ(ParseOk("has(person.phone)"), "has(person.phone)");
  EXPECT_EQ(ParseOk("person.children.exists(c, c.age < 3)"), "exists(c in person.children: _<_(c.age, 3))");
  EXPECT_EQ(ParseOk("l.all(x, x > 0)"), "all(x in l: _>_(x, 0))");
  EXPECT_EQ(ParseOk("l.exists_one(x, x)"), "exists_one(x in l: x)");
  EXPECT_EQ(ParseOk("l.map(x, x * 2)"), "map(x in l: _*_(x, 2))");
  EXPECT_EQ(ParseOk("l.map(x, x > 1, x * 2)"), "map(x in l if _>_(x, 1): _*_(x, 2))");
  EXPECT_EQ(ParseOk("l.filter(x, x > 1)"), "filter(x in l: _>_(x, 1))");
  EXPECT_EQ(ParseOk("l.all(i, v, i < v)"), "all(i, v in l: _<_(i, v))");
  EXPECT_EQ(ParseOk("l.existsOne(i, v, v)"), "exists_one(i, v in l: v)");
  EXPECT_EQ(ParseOk("m.transformMap(k, v, v > 0, v * 2)"), "transformMap(k, v in m if _>_(v, 0): _*_(v, 2))");
  // Not macros: wrong arity, or a global call.
  EXPECT_EQ(ParseOk("l.map(x)"), "l.map(x)");
  EXPECT_EQ(ParseOk("all(l, x)"), "all(l, x)");
}

TEST(ParserTest, MacrosCanBeDisabled) {
  ParseOptions options;
  options.enable_macros = false;
  ParseResult r = Parse("has(a.b) && l.all(x, x)", options);
  EXPECT_THAT(r.diagnostics, IsEmpty());
  EXPECT_EQ(Show(*r.root), "_&&_(has(a.b), l.all(x, x))");
}

TEST(ParserTest, MacroMisuse) {
  ParseResult r = Parse("has(person) || l.all(x.y, true)");
  ASSERT_THAT(r.diagnostics, SizeIs(2));
  EXPECT_EQ(r.diagnostics[0].column, 5);
  EXPECT_EQ(r.diagnostics[0].message, "has() takes a field selection, e.g. has(person.phone)");
  EXPECT_EQ(r.diagnostics[1].column, 22);
  EXPECT_THAT(r.diagnostics[1].message, HasSubstr("argument 1 of all() must be a variable name"));
}

TEST(ParserTest, ReportsAllMistakesInOnePass) {
  // Three separate mistakes on two lines.
  ParseResult r = Parse("f(1,, 2) &&\n  [1 2] || (a +)");
  ASSERT_THAT(r.diagnostics, SizeIs(3)) << FormatDiagnostics(r.diagnostics);
  EXPECT_EQ(r.diagnostics[0].line, 1);
  EXPECT_EQ(r.diagnostics[0].column, 5);
  EXPECT_EQ(r.diagnostics[0].message, "expected an expression but found ','");
  EXPECT_EQ(r.diagnostics[1].line, 2);
  EXPECT_EQ(r.diagnostics[1].column, 6);
  EXPECT_EQ(r.diagnostics[1].message, "expected ',' or ']' but found '2'");
  EXPECT_EQ(r.diagnostics[2].line, 2);
  EXPECT_EQ(r.diagnostics[2].column, 16);
  EXPECT_EQ(r.diagnostics[2].message, "expected an expression but found ')'");
  EXPECT_EQ(r.diagnostics[2].source_line, "  [1 2] || (a +)");
  ASSERT_NE(r.root, nullptr);
  EXPECT_EQ(r.root->kind, ExprKind::kCall);
}

TEST(ParserTest, DiagnosticFormatHasCaret) {
  ParseResult r = Parse("person.age >= ");
  ASSERT_THAT(r.diagnostics, SizeIs(1));
  EXPECT_EQ(FormatDiagnostic(r.diagnostics[0]),
            "<input>:1:15: expected an expression but found the end of the "
            "expression\n"
            "    person.age >= \n"
            "                  ^\n");
}

TEST(ParserTest, TrailingInput) {
  ParseResult r = Parse("a b");
  ASSERT_THAT(r.diagnostics, SizeIs(1));
  EXPECT_EQ(r.diagnostics[0].message, "unexpected 'b' after the end of the expression");
}

TEST(ParserTest, ReservedWordAsName) {
  ParseResult r = Parse("for + 1");
  ASSERT_THAT(r.diagnostics, SizeIs(1));
  EXPECT_EQ(r.diagnostics[0].message, "'for' is a reserved word and cannot be a name");
}

TEST(ParserTest, IntLiteralOutOfRange) {
  ParseResult r = Parse("9223372036854775808 + -9223372036854775809 + 18446744073709551616u");
  ASSERT_THAT(r.diagnostics, SizeIs(3));
  EXPECT_THAT(r.diagnostics[0].message, HasSubstr("int literal 9223372036854775808 is out of range"));
  EXPECT_THAT(r.diagnostics[1].message, HasSubstr("int literal -9223372036854775809 is out of range"));
  EXPECT_EQ(r.diagnostics[2].message, "uint literal 18446744073709551616u is too large");
}

TEST(ParserTest, NestingLimit) {
  std::string deep(kMaxNesting + 5, '(');
  deep += "1";
  deep += std::string(kMaxNesting + 5, ')');
  ParseResult r = Parse(deep);
  ASSERT_THAT(r.diagnostics, SizeIs(1));
  EXPECT_THAT(r.diagnostics[0].message, HasSubstr("nested too deeply"));
  std::string ok(32, '(');
  ok += "7" + std::string(32, ')');
  EXPECT_EQ(ParseOk(ok), "7");
}

TEST(ParserTest, LongChainsAreRefusedNotCrashing) {
  std::string chain = "1";
  for (int i = 0; i < 5000; ++i) chain += " + 1";
  ParseResult r = Parse(chain);
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_THAT(r.diagnostics[0].message, HasSubstr("too long to evaluate safely"));
  EXPECT_LE(r.root->height, kMaxHeight + 1);
}

TEST(ParserTest, InvalidUtf8) {
  ParseResult r = Parse("'a\xff'");
  ASSERT_THAT(r.diagnostics, SizeIs(1));
  EXPECT_EQ(r.diagnostics[0].message, "the expression is not valid UTF-8 text");
}

TEST(ParserTest, RangesCoverSubExpressions) {
  ParseResult r = Parse("size(person.children) > 2");
  ASSERT_THAT(r.diagnostics, IsEmpty());
  const Expr& gt = *r.root;
  EXPECT_EQ(gt.begin, 0);
  EXPECT_EQ(gt.end, 25);
  EXPECT_EQ(gt.pos, 22);
  const Expr& size = *gt.args[0];
  EXPECT_EQ(size.begin, 0);
  EXPECT_EQ(size.end, 21);
  const Expr& select = *size.args[0];
  EXPECT_EQ(select.begin, 5);
  EXPECT_EQ(select.end, 20);
}

}  // namespace
}  // namespace proactive::lang
