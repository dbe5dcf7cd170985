#include "engine/lang/macros.h"

#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace proactive::lang {
namespace {

class Sink : public MacroErrorSink {
 public:
  void MacroError(int32_t offset, std::string message) override { errors.emplace_back(offset, std::move(message)); }
  std::vector<std::pair<int32_t, std::string>> errors;
};

std::unique_ptr<Expr> Ident(const std::string& name, int32_t at) {
  auto e = std::make_unique<Expr>();
  e->kind = ExprKind::kIdent;
  e->name = name;
  e->begin = at;
  return e;
}

std::unique_ptr<Expr> Call(std::unique_ptr<Expr> target, const std::string& name,
                           std::vector<std::unique_ptr<Expr>> args) {
  auto e = std::make_unique<Expr>();
  e->id = 7;
  e->kind = ExprKind::kCall;
  e->name = name;
  e->target = std::move(target);
  e->args = std::move(args);
  return e;
}

TEST(MacrosTest, ExpandsQuantifiersWithOneOrTwoVariables) {
  Sink sink;
  std::vector<std::unique_ptr<Expr>> args;
  args.push_back(Ident("i", 1));
  args.push_back(Ident("v", 2));
  args.push_back(Ident("v", 3));
  std::unique_ptr<Expr> e = ExpandMacro(Call(Ident("l", 0), "all", std::move(args)), sink);
  EXPECT_TRUE(sink.errors.empty());
  EXPECT_EQ(e->kind, ExprKind::kComprehension);
  EXPECT_EQ(e->macro, MacroKind::kAll);
  EXPECT_EQ(e->var, "i");
  EXPECT_EQ(e->var2, "v");
  EXPECT_EQ(e->id, 7);
  EXPECT_EQ(e->target->name, "l");
  EXPECT_EQ(e->filter, nullptr);
}

TEST(MacrosTest, MapWithThreeArgumentsHasAFilter) {
  Sink sink;
  std::vector<std::unique_ptr<Expr>> args;
  args.push_back(Ident("x", 1));
  args.push_back(Ident("keep", 2));
  args.push_back(Ident("f", 3));
  std::unique_ptr<Expr> e = ExpandMacro(Call(Ident("l", 0), "map", std::move(args)), sink);
  EXPECT_EQ(e->macro, MacroKind::kMap);
  EXPECT_EQ(e->var, "x");
  EXPECT_TRUE(e->var2.empty());
  ASSERT_NE(e->filter, nullptr);
  EXPECT_EQ(e->filter->name, "keep");
  EXPECT_EQ(e->body->name, "f");
}

TEST(MacrosTest, SameVariableTwiceIsAMistake) {
  Sink sink;
  std::vector<std::unique_ptr<Expr>> args;
  args.push_back(Ident("x", 1));
  args.push_back(Ident("x", 5));
  args.push_back(Ident("p", 9));
  std::unique_ptr<Expr> e = ExpandMacro(Call(Ident("l", 0), "exists", std::move(args)), sink);
  EXPECT_EQ(e->kind, ExprKind::kError);
  ASSERT_EQ(sink.errors.size(), 1u);
  EXPECT_EQ(sink.errors[0].first, 5);
  EXPECT_EQ(sink.errors[0].second, "the two variables of exists() must differ");
}

TEST(MacrosTest, OtherCallsAreLeftAlone) {
  Sink sink;
  std::vector<std::unique_ptr<Expr>> args;
  args.push_back(Ident("x", 1));
  std::unique_ptr<Expr> e = ExpandMacro(Call(Ident("l", 0), "size", std::move(args)), sink);
  EXPECT_EQ(e->kind, ExprKind::kCall);
  EXPECT_EQ(MacroName(MacroKind::kTransformMap), std::string("transformMap"));
}

}  // namespace
}  // namespace proactive::lang
