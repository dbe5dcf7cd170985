#include "engine/eval/planner.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/eval/functions.h"
#include "engine/lang/source.h"
#include "re2/re2.h"

namespace proactive::eval::internal {
namespace {

using lang::Expr;
using lang::ExprKind;
using lang::Reference;

constexpr int64_t kCostCap = std::numeric_limits<int64_t>::max() / 4;

int64_t CapAdd(int64_t a, int64_t b) { return std::min(kCostCap, a + b); }
int64_t CapMul(int64_t a, int64_t b) {
  if (a != 0 && b > kCostCap / a) return kCostCap;
  return std::min(kCostCap, a * b);
}

struct Planned {
  StepPtr step;
  CostEstimate cost{1, 1};
  int64_t nodes = 1;  // steps in the subtree, for the run-time step count
  bool constant() const { return step->constant() != nullptr; }
};

// True when `e` reads no variable and no comprehension variable bound
// outside it (locals numbered below `min_local`).
bool IsClosed(const Expr& e, int min_local) {
  bool closed = true;
  lang::ForEachExpr(e, [&](const Expr& x) {
    if (x.ref.kind == Reference::Kind::kVariable || x.ref.kind == Reference::Kind::kUnresolved ||
        (x.ref.kind == Reference::Kind::kLocal && x.ref.slot < min_local)) {
      closed = false;
    }
  });
  return closed;
}

Value ConstantValue(const lang::Constant& c) {
  using K = lang::Constant::Kind;
  switch (c.kind) {
    case K::kNull:
      return Value::Null();
    case K::kBool:
      return Value::Bool(c.bool_value);
    case K::kInt:
      return Value::Int(c.int_value);
    case K::kUint:
      return Value::Uint(c.uint_value);
    case K::kDouble:
      return Value::Double(c.double_value);
    case K::kString:
      return Value::String(c.string_value);
    case K::kBytes:
      return Value::Bytes(c.string_value);
  }
  return Value::Null();
}

// True when `e` reads no comprehension variable numbered `min_local` or
// above, except those bound by comprehensions inside `e`.
bool IsInvariant(const Expr& e, int min_local, std::vector<int>* bound) {
  if (e.kind == ExprKind::kIdent && e.ref.kind == Reference::Kind::kLocal && e.ref.slot >= min_local &&
      std::find(bound->begin(), bound->end(), e.ref.slot) == bound->end()) {
    return false;
  }
  const size_t saved = bound->size();
  if (e.kind == ExprKind::kComprehension) {
    bound->push_back(e.var_slot);
    if (!e.var2.empty()) bound->push_back(e.var2_slot);
  }
  bool invariant = true;
  if (e.target && !IsInvariant(*e.target, min_local, bound)) invariant = false;
  for (const auto& a : e.args) {
    if (invariant && !IsInvariant(*a, min_local, bound)) invariant = false;
  }
  for (const lang::Entry& en : e.entries) {
    if (invariant && en.key && !IsInvariant(*en.key, min_local, bound)) invariant = false;
    if (invariant && en.value && !IsInvariant(*en.value, min_local, bound)) invariant = false;
  }
  if (invariant && e.filter && !IsInvariant(*e.filter, min_local, bound)) invariant = false;
  if (invariant && e.body && !IsInvariant(*e.body, min_local, bound)) invariant = false;
  bound->resize(saved);
  return invariant;
}

// Worth memoizing: more than reading a constant, a variable or a field of a
// variable.
bool IsHoistable(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kCall:
    case ExprKind::kList:
    case ExprKind::kMap:
    case ExprKind::kStruct:
    case ExprKind::kComprehension:
      return true;
    case ExprKind::kSelect:
      return e.ref.kind == Reference::Kind::kNone &&
             !(e.target->kind == ExprKind::kIdent && e.target->ref.kind == Reference::Kind::kVariable);
    default:
      return false;
  }
}

class Planner {
 public:
  Planner(absl::string_view text, int local_count, int64_t assumed_size)
      : text_(text), local_count_(local_count), assumed_size_(assumed_size) {}

  // Plans `e`; inside a comprehension body, a loop-invariant sub-expression
  // is memoized for the run of the comprehension.
  Planned PlanExpr(const Expr& e) {
    if (loops_.empty() || !hoisting_ || !IsHoistable(e)) return PlanNode(e);
    std::vector<int> bound;
    if (!IsInvariant(e, loops_.back().min_local, &bound)) return PlanNode(e);
    hoisting_ = false;
    Planned planned = PlanNode(e);
    hoisting_ = true;
    if (planned.constant()) return planned;
    const int memo = memo_count_++;
    loops_.back().memo_slots->push_back(memo);
    planned.step = NewHoistedStep(std::move(planned.step), memo, local_count_ + memo);
    return planned;
  }

  int memo_count() const { return memo_count_; }
  std::vector<Diagnostic> TakeDiagnostics() { return std::move(diagnostics_); }

 private:
  Planned PlanNode(const Expr& e) {
    switch (e.kind) {
      case ExprKind::kConstant:
        return Leaf(NewConstantStep(e.id, e.begin, e.end, ConstantValue(e.constant)));
      case ExprKind::kIdent:
        return PlanName(e);
      case ExprKind::kSelect:
        return PlanSelect(e);
      case ExprKind::kCall:
        return PlanCall(e);
      case ExprKind::kList: {
        std::vector<Planned> elements;
        for (const auto& a : e.args) elements.push_back(PlanExpr(*a));
        return Combine(e, std::move(elements),
                       [&](std::vector<StepPtr> steps) { return NewListStep(e, std::move(steps)); });
      }
      case ExprKind::kMap:
        return PlanMap(e);
      case ExprKind::kStruct:
        return PlanStruct(e);
      case ExprKind::kComprehension:
        return PlanComprehension(e);
      case ExprKind::kError:
        break;
    }
    return Leaf(NewErrorStep(e, "invalid expression"));
  }

 private:
  struct Loop {
    int min_local;
    std::vector<int>* memo_slots;
  };

  static Planned Leaf(StepPtr step) { return Planned{std::move(step)}; }

  std::string Where(const Expr& e) const { return std::string(text_.substr(e.begin, e.end - e.begin)); }

  // Evaluates a step whose inputs are all constant; a constant step for it
  // unless it fails (run-time errors stay at run time).
  Planned Fold(const Expr& e, Planned planned) {
    Activation none;
    // Memo slots allocated so far cover every hoisted step in `planned`.
    std::vector<Value> locals(std::max(local_count_ + memo_count_, 1));
    std::vector<uint8_t> memo_valid(std::max(memo_count_, 1), 0);
    EvalContext ctx;
    ctx.activation = &none;
    ctx.locals = locals.data();
    ctx.memo_valid = memo_valid.data();
    ctx.max_iterations = EvalOptions().max_iterations;
    ctx.max_steps = EvalOptions().max_steps;
    Value v = planned.step->Eval(ctx);
    if (v.is_error() || ctx.stopped) return planned;
    return Planned{NewConstantStep(e.id, e.begin, e.end, v.Retained()), {1, 1}, 1};
  }

  // A node whose value depends only on its children (strict evaluation).
  template <typename Build>
  Planned Combine(const Expr& e, std::vector<Planned> children, Build build) {
    Planned out;
    out.cost = {1, 1};
    bool all_constant = true;
    std::vector<StepPtr> steps;
    for (Planned& c : children) {
      out.cost.min = CapAdd(out.cost.min, c.cost.min);
      out.cost.max = CapAdd(out.cost.max, c.cost.max);
      out.nodes = CapAdd(out.nodes, c.nodes);
      all_constant = all_constant && c.constant();
      steps.push_back(std::move(c.step));
    }
    out.step = build(std::move(steps));
    return all_constant ? Fold(e, std::move(out)) : std::move(out);
  }

  Planned PlanName(const Expr& e) {
    switch (e.ref.kind) {
      case Reference::Kind::kVariable:
        return Leaf(NewVariableStep(e, e.ref.slot, e.ref.name));
      case Reference::Kind::kLocal:
        return Leaf(NewLocalStep(e, e.ref.slot));
      case Reference::Kind::kType:
        return Leaf(NewConstantStep(e.id, e.begin, e.end, Value::Type(RuntimeTypeName(e.ref.type_value))));
      case Reference::Kind::kUnresolved:
        return Leaf(NewErrorStep(e, e.ref.name));
      default:
        return Leaf(NewErrorStep(e, absl::StrCat("unresolved name '", e.name, "'")));
    }
  }

  Planned PlanSelect(const Expr& e) {
    if (!e.test_only && e.ref.kind != Reference::Kind::kField && e.ref.kind != Reference::Kind::kNone) {
      return PlanName(e);  // a qualified variable or type name
    }
    const lang::ObjectType* type = e.target->type.kind() == lang::TypeKind::kObject ? e.target->type.object() : nullptr;
    const int index = e.ref.kind == Reference::Kind::kField ? e.ref.slot : -1;
    if (!e.test_only && index >= 0 && e.target->kind == ExprKind::kIdent &&
        e.target->ref.kind == Reference::Kind::kVariable) {
      return Planned{
          NewVariableFieldStep(e, *e.target, e.target->ref.slot, e.target->ref.name, type, index, e.name, Where(e)),
          {2, 2},
          2};
    }
    if (!e.test_only && index >= 0 && e.target->kind == ExprKind::kIdent &&
        e.target->ref.kind == Reference::Kind::kLocal) {
      return Planned{NewLocalFieldStep(e, *e.target, e.target->ref.slot, type, index, e.name, Where(e)), {2, 2}, 2};
    }
    std::vector<Planned> children;
    children.push_back(PlanExpr(*e.target));
    return Combine(e, std::move(children), [&](std::vector<StepPtr> steps) {
      if (e.test_only) return NewHasStep(e, std::move(steps[0]), e.name, type, index);
      if (index >= 0) return NewFieldStep(e, std::move(steps[0]), type, index, e.name, Where(e));
      return NewSelectStep(e, std::move(steps[0]), e.name, Where(e));
    });
  }

  Planned PlanCall(const Expr& e) {
    const std::string& f = e.name;
    if (e.target == nullptr) {
      if ((f == lang::kAnd || f == lang::kOr) && e.args.size() == 2) return PlanLogic(e);
      if (f == lang::kConditional && e.args.size() == 3) return PlanConditional(e);
    }
    if (e.ref.kind == Reference::Kind::kUnresolved) return Leaf(NewErrorStep(e, e.ref.name));
    std::vector<Planned> args;
    if (e.target) args.push_back(PlanExpr(*e.target));
    for (const auto& a : e.args) args.push_back(PlanExpr(*a));
    if (e.target == nullptr && args.size() == 2) {
      Relation relation;
      if (f == lang::kEquals || f == lang::kNotEquals) {
        return Combine(e, std::move(args), [&](std::vector<StepPtr> s) {
          return NewEqualsStep(e, std::move(s[0]), std::move(s[1]), f == lang::kNotEquals);
        });
      }
      if (RelationOf(f, &relation)) {
        return Combine(e, std::move(args), [&](std::vector<StepPtr> s) {
          return NewRelationStep(e, std::move(s[0]), std::move(s[1]), relation);
        });
      }
      if (f == lang::kIn) {
        return Combine(e, std::move(args),
                       [&](std::vector<StepPtr> s) { return NewInStep(e, std::move(s[0]), std::move(s[1])); });
      }
      if (f == lang::kIndex) {
        return Combine(e, std::move(args),
                       [&](std::vector<StepPtr> s) { return NewIndexStep(e, std::move(s[0]), std::move(s[1])); });
      }
    }
    if (f == lang::kNot && args.size() == 1 && e.ref.overloads.size() == 1 && e.ref.overloads[0]->id == "logical_not") {
      return Combine(e, std::move(args), [&](std::vector<StepPtr> s) { return NewNotStep(e, std::move(s[0])); });
    }
    if (f == "matches" && args.size() == 2 && args[1].constant() &&
        args[1].step->constant()->kind() == Value::Kind::kString) {
      return PlanConstantMatch(e, std::move(args));
    }
    std::vector<const FunctionEntry*> candidates;
    for (const lang::OverloadDecl* o : e.ref.overloads) {
      const FunctionEntry* entry = FindFunction(o->id);
      if (entry == nullptr) {
        diagnostics_.push_back(
            lang::MakeDiagnostic(text_, e.pos, absl::StrCat("internal: overload ", o->id, " is not implemented")));
        continue;
      }
      candidates.push_back(entry);
    }
    return Combine(e, std::move(args),
                   [&](std::vector<StepPtr> s) { return NewCallStep(e, f, std::move(s), std::move(candidates)); });
  }

  static bool RelationOf(absl::string_view f, Relation* relation) {
    if (f == lang::kLess)
      *relation = Relation::kLess;
    else if (f == lang::kLessEquals)
      *relation = Relation::kLessEquals;
    else if (f == lang::kGreater)
      *relation = Relation::kGreater;
    else if (f == lang::kGreaterEquals)
      *relation = Relation::kGreaterEquals;
    else
      return false;
    return true;
  }

  Planned PlanConstantMatch(const Expr& e, std::vector<Planned> args) {
    const Value* pattern = args[1].step->constant();
    const absl::string_view text = pattern->string_value();
    auto re = std::make_unique<re2::RE2>(re2::StringPiece(text.data(), text.size()), re2::RE2::Quiet);
    const Expr& pattern_expr = e.target ? *e.args[0] : *e.args[1];
    if (!re->ok()) {
      diagnostics_.push_back(
          lang::MakeDiagnostic(text_, pattern_expr.begin, absl::StrCat("invalid regular expression: ", re->error())));
      return Leaf(NewErrorStep(e, "invalid regular expression"));
    }
    Planned out;
    out.cost = {CapAdd(args[0].cost.min, 2), CapAdd(args[0].cost.max, 2)};
    out.nodes = CapAdd(args[0].nodes, 2);
    const bool constant = args[0].constant();
    out.step = NewMatchesStep(e, std::move(args[0].step), std::move(re));
    return constant ? Fold(e, std::move(out)) : std::move(out);
  }

  Planned PlanLogic(const Expr& e) {
    Planned a = PlanExpr(*e.args[0]);
    Planned b = PlanExpr(*e.args[1]);
    Planned out;
    out.cost = {CapAdd(1, std::min(a.cost.min, b.cost.min)), CapAdd(1, CapAdd(a.cost.max, b.cost.max))};
    out.nodes = CapAdd(1, CapAdd(a.nodes, b.nodes));
    const bool constant = a.constant() && b.constant();
    std::vector<StepPtr> operands;
    operands.push_back(std::move(a.step));
    operands.push_back(std::move(b.step));
    out.step = e.name == lang::kAnd ? NewAndStep(e, std::move(operands)) : NewOrStep(e, std::move(operands));
    return constant ? Fold(e, std::move(out)) : std::move(out);
  }

  Planned PlanConditional(const Expr& e) {
    Planned c = PlanExpr(*e.args[0]);
    Planned t = PlanExpr(*e.args[1]);
    Planned o = PlanExpr(*e.args[2]);
    Planned out;
    out.cost = {CapAdd(1, CapAdd(c.cost.min, std::min(t.cost.min, o.cost.min))),
                CapAdd(1, CapAdd(c.cost.max, std::max(t.cost.max, o.cost.max)))};
    out.nodes = CapAdd(1, CapAdd(c.nodes, CapAdd(t.nodes, o.nodes)));
    if (c.constant() && c.step->constant()->kind() == Value::Kind::kBool) {
      // Only one branch can ever run.
      return c.step->constant()->bool_value() ? std::move(t) : std::move(o);
    }
    out.step = NewConditionalStep(e, std::move(c.step), std::move(t.step), std::move(o.step));
    return out;
  }

  Planned PlanMap(const Expr& e) {
    std::vector<Planned> children;
    for (const lang::Entry& entry : e.entries) {
      children.push_back(PlanExpr(*entry.key));
      children.push_back(PlanExpr(*entry.value));
    }
    return Combine(e, std::move(children), [&](std::vector<StepPtr> steps) {
      std::vector<StepPtr> keys, values;
      for (size_t i = 0; i < steps.size(); i += 2) {
        keys.push_back(std::move(steps[i]));
        values.push_back(std::move(steps[i + 1]));
      }
      return NewMapStep(e, std::move(keys), std::move(values));
    });
  }

  Planned PlanStruct(const Expr& e) {
    if (e.ref.kind != Reference::Kind::kType) {
      return Leaf(NewErrorStep(
          e, e.ref.kind == Reference::Kind::kUnresolved ? e.ref.name : absl::StrCat("unknown type '", e.name, "'")));
    }
    Value default_value;
    switch (e.ref.type_value.kind()) {
      case lang::TypeKind::kBool:
        default_value = Value::Bool(false);
        break;
      case lang::TypeKind::kBytes:
        default_value = Value::Bytes("");
        break;
      case lang::TypeKind::kDouble:
        default_value = Value::Double(0);
        break;
      case lang::TypeKind::kInt:
        default_value = Value::Int(0);
        break;
      case lang::TypeKind::kUint:
        default_value = Value::Uint(0);
        break;
      default:
        default_value = Value::String("");
        break;
    }
    std::vector<Planned> children;
    for (const lang::Entry& entry : e.entries) {
      if (entry.field == "value") children.push_back(PlanExpr(*entry.value));
    }
    return Combine(e, std::move(children), [&](std::vector<StepPtr> steps) {
      StepPtr value = steps.empty() ? nullptr : std::move(steps.back());
      return NewWrapperStep(e, e.ref.name, std::move(value), default_value);
    });
  }

  Planned PlanComprehension(const Expr& e) {
    Planned range = PlanExpr(*e.target);
    Planned filter;
    const bool has_filter = e.filter != nullptr;
    ComprehensionSpec spec;
    loops_.push_back(Loop{e.var_slot, &spec.memo_slots});
    const bool saved_hoisting = hoisting_;
    hoisting_ = true;
    if (has_filter) filter = PlanExpr(*e.filter);
    Planned body = PlanExpr(*e.body);
    hoisting_ = saved_hoisting;
    loops_.pop_back();
    spec.macro = e.macro;
    spec.var_slot = e.var_slot;
    spec.var2_slot = e.var2.empty() ? -1 : e.var2_slot;
    const int64_t per_iteration_nodes = CapAdd(has_filter ? filter.nodes : 0, body.nodes);
    spec.body_size = std::max<int64_t>(1, per_iteration_nodes);
    const int64_t per_iteration_max = CapAdd(has_filter ? filter.cost.max : 0, body.cost.max);
    Planned out;
    out.cost = {CapAdd(1, range.cost.min), CapAdd(CapAdd(1, range.cost.max), CapMul(assumed_size_, per_iteration_max))};
    out.nodes = CapAdd(1, CapAdd(range.nodes, per_iteration_nodes));
    const bool constant =
        range.constant() && IsClosed(*e.body, e.var_slot) && (!has_filter || IsClosed(*e.filter, e.var_slot));
    out.step = NewComprehensionStep(e, spec, std::move(range.step), has_filter ? std::move(filter.step) : nullptr,
                                    std::move(body.step));
    return constant ? Fold(e, std::move(out)) : std::move(out);
  }

  absl::string_view text_;
  int local_count_;
  int64_t assumed_size_;
  std::vector<Diagnostic> diagnostics_;
  std::vector<Loop> loops_;
  bool hoisting_ = true;
  int memo_count_ = 0;
};

}  // namespace

PlanResult Plan(const lang::Expr& root, absl::string_view text, int local_count, int64_t assumed_collection_size) {
  Planner planner(text, local_count, std::max<int64_t>(0, assumed_collection_size));
  Planned planned = planner.PlanExpr(root);
  PlanResult result;
  result.local_count = local_count + planner.memo_count();
  result.memo_count = planner.memo_count();
  result.diagnostics = planner.TakeDiagnostics();
  result.cost = planned.cost;
  if (result.diagnostics.empty()) result.root = std::move(planned.step);
  return result;
}

std::string RuntimeTypeName(const lang::Type& type) {
  switch (type.kind()) {
    case lang::TypeKind::kList:
      return "list";
    case lang::TypeKind::kMap:
      return "map";
    case lang::TypeKind::kType:
      return "type";
    case lang::TypeKind::kNull:
      return "null_type";
    case lang::TypeKind::kTimestamp:
      return "google.protobuf.Timestamp";
    case lang::TypeKind::kDuration:
      return "google.protobuf.Duration";
    default:
      return type.ToString();
  }
}

}  // namespace proactive::eval::internal
