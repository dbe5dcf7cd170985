#include "engine/lang/macros.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace proactive::lang {
namespace {

struct MacroSpec {
  const char* name;
  MacroKind kind;
  size_t min_args;  // counting variables
  size_t max_args;
  bool two_vars;  // with min_args + 1 arguments, the second is a variable too
};

// `map` with three arguments is (x, filter, transform); the quantifiers with
// three arguments are the two-variable forms (i, v, predicate).
constexpr MacroSpec kReceiverMacros[] = {
    {"all", MacroKind::kAll, 2, 3, true},
    {"exists", MacroKind::kExists, 2, 3, true},
    {"exists_one", MacroKind::kExistsOne, 2, 3, true},
    {"existsOne", MacroKind::kExistsOne, 2, 3, true},
    {"map", MacroKind::kMap, 2, 3, false},
    {"filter", MacroKind::kFilter, 2, 2, false},
    {"transformList", MacroKind::kTransformList, 3, 4, false},
    {"transformMap", MacroKind::kTransformMap, 3, 4, false},
};

std::unique_ptr<Expr> ErrorNode(const Expr& call) {
  auto e = std::make_unique<Expr>();
  e->id = call.id;
  e->kind = ExprKind::kError;
  e->begin = call.begin;
  e->end = call.end;
  e->pos = call.pos;
  return e;
}

bool IsVariableName(const Expr& e) {
  return e.kind == ExprKind::kIdent && !e.name.empty() && e.name[0] != '.' && !IsReservedWord(e.name);
}

int Height(const std::unique_ptr<Expr>& e) { return e ? e->height : 0; }

}  // namespace

const char* MacroName(MacroKind kind) {
  switch (kind) {
    case MacroKind::kAll:
      return "all";
    case MacroKind::kExists:
      return "exists";
    case MacroKind::kExistsOne:
      return "exists_one";
    case MacroKind::kMap:
      return "map";
    case MacroKind::kFilter:
      return "filter";
    case MacroKind::kTransformList:
      return "transformList";
    case MacroKind::kTransformMap:
      return "transformMap";
  }
  return "?";
}

std::unique_ptr<Expr> ExpandMacro(std::unique_ptr<Expr> call, MacroErrorSink& sink) {
  const size_t n = call->args.size();
  if (call->target == nullptr) {
    if (call->name != "has" || n != 1) return call;
    Expr& arg = *call->args[0];
    if (arg.kind != ExprKind::kSelect || arg.test_only) {
      sink.MacroError(arg.begin, "has() takes a field selection, e.g. has(person.phone)");
      return ErrorNode(*call);
    }
    std::unique_ptr<Expr> select = std::move(call->args[0]);
    select->test_only = true;
    select->begin = call->begin;
    select->end = call->end;
    return select;
  }
  const MacroSpec* spec = nullptr;
  for (const MacroSpec& s : kReceiverMacros) {
    if (call->name == s.name && n >= s.min_args && n <= s.max_args) spec = &s;
  }
  if (spec == nullptr) return call;

  const bool two_vars = spec->kind == MacroKind::kTransformList || spec->kind == MacroKind::kTransformMap ||
                        (spec->two_vars && n == spec->max_args);
  const size_t var_count = two_vars ? 2 : 1;
  for (size_t i = 0; i < var_count; ++i) {
    if (!IsVariableName(*call->args[i])) {
      sink.MacroError(call->args[i]->begin,
                      absl::StrCat("argument ", i + 1, " of ", spec->name, "() must be a variable name, e.g. list.",
                                   spec->name, two_vars ? "(i, v, ...)" : "(x, ...)"));
      return ErrorNode(*call);
    }
  }
  if (two_vars && call->args[0]->name == call->args[1]->name) {
    sink.MacroError(call->args[1]->begin, absl::StrCat("the two variables of ", spec->name, "() must differ"));
    return ErrorNode(*call);
  }
  auto c = std::make_unique<Expr>();
  c->id = call->id;
  c->kind = ExprKind::kComprehension;
  c->begin = call->begin;
  c->end = call->end;
  c->pos = call->pos;
  c->macro = spec->kind;
  c->var = call->args[0]->name;
  if (two_vars) c->var2 = call->args[1]->name;
  c->target = std::move(call->target);
  const size_t rest = n - var_count;  // 1: body; 2: filter and body
  if (rest == 2) c->filter = std::move(call->args[var_count]);
  c->body = std::move(call->args[n - 1]);
  c->height = 1 + std::max({Height(c->target), Height(c->filter), Height(c->body)});
  return c;
}

}  // namespace proactive::lang
