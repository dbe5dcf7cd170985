// The macros over lists and maps: all, exists, exists_one, map, filter and
// the two-variable forms (index / key and value), transformList and
// transformMap. Each iteration counts against the evaluation's limits.
//
// Errors follow CEL: all() is false as soon as one element is false, even if
// others gave errors, and an error otherwise; exists() symmetrically;
// exists_one(), map() and filter() fail on the first error.
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/eval/step.h"

namespace proactive::eval::internal {
namespace {

using lang::MacroKind;

class ComprehensionStep final : public Step {
 public:
  ComprehensionStep(const lang::Expr& e, ComprehensionSpec spec, StepPtr range, StepPtr filter, StepPtr body)
      : Step(e),
        spec_(spec),
        quantifier_((spec.macro == MacroKind::kAll || spec.macro == MacroKind::kExists) && spec.var2_slot < 0 &&
                    filter == nullptr),
        name_(lang::MacroName(spec.macro)),
        range_(std::move(range)),
        filter_(std::move(filter)),
        body_(std::move(body)) {}

  Value Eval(EvalContext& ctx) const override {
    for (int memo : spec_.memo_slots) ctx.memo_valid[memo] = 0;
    Value range = EvalStep(*range_, ctx);
    if (range.is_error()) return range;
    const bool is_list = range.kind() == Value::Kind::kList;
    if (!is_list && range.kind() != Value::Kind::kMap) {
      return Value::Error(absl::StrCat(name_, "() iterates over a list or a map, not ", TypeNameOf(range)));
    }
    const size_t n = is_list ? range.list_elements().size() : range.map_value().size();
    Value result = is_list && quantifier_ ? Quantify(range.list_elements(), ctx) : Loop(range, is_list, n, ctx);
    ctx.locals[spec_.var_slot] = Value();
    if (spec_.var2_slot >= 0) ctx.locals[spec_.var2_slot] = Value();
    return result;
  }

 private:
  Value Loop(const Value& range, bool is_list, size_t n, EvalContext& ctx) const {
    const MacroKind macro = spec_.macro;
    const bool predicate = macro == MacroKind::kAll || macro == MacroKind::kExists || macro == MacroKind::kExistsOne ||
                           macro == MacroKind::kFilter;
    Value first_error;
    bool has_error = false;
    int64_t count = 0;
    std::vector<Value> out;
    std::vector<std::pair<Value, Value>> out_entries;
    const absl::Span<const Value> elements = is_list ? range.list_elements() : absl::Span<const Value>();
    for (size_t i = 0; i < n; ++i) {
      if (++ctx.iterations > ctx.max_iterations) {
        return ctx.Stop(absl::StrCat("evaluation stopped: more than ", ctx.max_iterations,
                                     " iterations in comprehensions (the cost limit)"));
      }
      ctx.steps += spec_.body_size;
      if (ctx.steps > ctx.max_steps) {
        return ctx.Stop(
            absl::StrCat("evaluation stopped: more than ", ctx.max_steps, " evaluation steps (the cost limit)"));
      }
      // The element (list) or key (map) the one-variable forms bind.
      Value element;
      if (is_list) {
        element = elements[i].Borrowed();
        if (spec_.var2_slot >= 0) {
          ctx.locals[spec_.var_slot] = Value::Int(static_cast<int64_t>(i));
          ctx.locals[spec_.var2_slot] = element;
        } else {
          ctx.locals[spec_.var_slot] = element;
        }
      } else {
        const auto& entry = range.map_value().entries()[i];
        element = entry.first.Borrowed();
        ctx.locals[spec_.var_slot] = element;
        if (spec_.var2_slot >= 0) ctx.locals[spec_.var2_slot] = entry.second.Borrowed();
      }
      if (filter_ != nullptr) {
        Value keep;
        const Truth t = EvalTruthStep(*filter_, ctx, &keep);
        if (t == Truth::kOther) return keep.is_error() ? keep : NotBool(keep);
        if (t == Truth::kFalse) continue;
      }
      Value v;
      Truth truth = Truth::kOther;
      if (predicate) {
        truth = EvalTruthStep(*body_, ctx, &v);
      } else {
        v = EvalStep(*body_, ctx);
      }
      if (ctx.stopped) return v;
      switch (macro) {
        case MacroKind::kAll:
        case MacroKind::kExists: {
          const Truth decisive = macro == MacroKind::kExists ? Truth::kTrue : Truth::kFalse;
          if (truth == decisive) return Value::Bool(decisive == Truth::kTrue);
          if (truth == Truth::kOther && !has_error) {
            first_error = v.is_error() ? std::move(v) : NotBool(v);
            has_error = true;
          }
          break;
        }
        case MacroKind::kExistsOne:
          if (truth == Truth::kOther) return v.is_error() ? v : NotBool(v);
          if (truth == Truth::kTrue) ++count;
          break;
        case MacroKind::kFilter:
          if (truth == Truth::kOther) return v.is_error() ? v : NotBool(v);
          if (truth == Truth::kTrue) out.push_back(element.Retained());
          break;
        case MacroKind::kMap:
        case MacroKind::kTransformList:
          if (v.is_error()) return v;
          out.push_back(v.Retained());
          break;
        case MacroKind::kTransformMap:
          if (v.is_error()) return v;
          out_entries.emplace_back(is_list ? Value::Int(static_cast<int64_t>(i)) : element.Retained(), v.Retained());
          break;
      }
    }
    switch (macro) {
      case MacroKind::kAll:
        return has_error ? first_error : Value::Bool(true);
      case MacroKind::kExists:
        return has_error ? first_error : Value::Bool(false);
      case MacroKind::kExistsOne:
        return Value::Bool(count == 1);
      case MacroKind::kTransformMap:
        return Value::Map(std::move(out_entries));
      default:
        return Value::List(std::move(out));
    }
  }

  Value NotBool(const Value& v) const {
    return Value::Error(absl::StrCat("the condition of ", name_, "() gave ", TypeNameOf(v), ", not a bool"));
  }

  // all() / exists() over a list with one variable and no filter: the common
  // case in rules, without the general loop's bookkeeping.
  Value Quantify(absl::Span<const Value> elements, EvalContext& ctx) const {
    const Truth decisive = spec_.macro == MacroKind::kExists ? Truth::kTrue : Truth::kFalse;
    Value first_error;
    bool has_error = false;
    Value& local = ctx.locals[spec_.var_slot];
    for (const Value& element : elements) {
      if (++ctx.iterations > ctx.max_iterations || (ctx.steps += spec_.body_size) > ctx.max_steps) {
        return LimitReached(ctx);
      }
      local = element.Borrowed();
      Value v;
      const Truth t = EvalTruthStep(*body_, ctx, &v);
      if (t == decisive) return Value::Bool(decisive == Truth::kTrue);
      if (t == Truth::kOther) {
        if (ctx.stopped) return v;
        if (!has_error) {
          first_error = v.is_error() ? std::move(v) : NotBool(v);
          has_error = true;
        }
      }
    }
    if (has_error) return first_error;
    return Value::Bool(decisive != Truth::kTrue);
  }

  Value LimitReached(EvalContext& ctx) const {
    if (ctx.iterations > ctx.max_iterations) {
      return ctx.Stop(absl::StrCat("evaluation stopped: more than ", ctx.max_iterations,
                                   " iterations in comprehensions (the cost limit)"));
    }
    return ctx.Stop(
        absl::StrCat("evaluation stopped: more than ", ctx.max_steps, " evaluation steps (the cost limit)"));
  }

  ComprehensionSpec spec_;
  bool quantifier_;
  const char* name_;
  StepPtr range_;
  StepPtr filter_;
  StepPtr body_;
};

class HoistedStep final : public Step {
 public:
  HoistedStep(StepPtr inner, int memo_slot, int value_slot)
      : Step(inner->id(), inner->begin(), inner->end()),
        inner_(std::move(inner)),
        memo_slot_(memo_slot),
        value_slot_(value_slot) {}
  Value Eval(EvalContext& ctx) const override {
    if (ctx.trace != nullptr) return inner_->Eval(ctx);
    if (ctx.memo_valid[memo_slot_] != 0) return ctx.locals[value_slot_];
    Value v = inner_->Eval(ctx);
    ctx.locals[value_slot_] = v;
    ctx.memo_valid[memo_slot_] = 1;
    return v;
  }

 private:
  StepPtr inner_;
  int memo_slot_;
  int value_slot_;
};

}  // namespace

StepPtr NewHoistedStep(StepPtr inner, int memo_slot, int value_slot) {
  return std::make_unique<HoistedStep>(std::move(inner), memo_slot, value_slot);
}

StepPtr NewComprehensionStep(const lang::Expr& e, ComprehensionSpec spec, StepPtr range, StepPtr filter, StepPtr body) {
  return std::make_unique<ComprehensionStep>(e, spec, std::move(range), std::move(filter), std::move(body));
}

}  // namespace proactive::eval::internal
