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
  ComprehensionStep(const lang::Expr& e, ComprehensionSpec spec, StepPtr range,
                    StepPtr filter, StepPtr body)
      : Step(e),
        spec_(spec),
        name_(lang::MacroName(spec.macro)),
        range_(std::move(range)),
        filter_(std::move(filter)),
        body_(std::move(body)) {}

  Value Eval(EvalContext& ctx) const override {
    Value range = EvalStep(*range_, ctx);
    if (range.is_error()) return range;
    const bool is_list = range.kind() == Value::Kind::kList;
    if (!is_list && range.kind() != Value::Kind::kMap) {
      return Value::Error(absl::StrCat(
          name_, "() iterates over a list or a map, not ", TypeNameOf(range)));
    }
    const size_t n =
        is_list ? range.list_elements().size() : range.map_value().size();
    Value result = Loop(range, is_list, n, ctx);
    ctx.locals[spec_.var_slot] = Value();
    if (spec_.var2_slot >= 0) ctx.locals[spec_.var2_slot] = Value();
    return result;
  }

 private:
  Value Loop(const Value& range, bool is_list, size_t n,
             EvalContext& ctx) const {
    const MacroKind macro = spec_.macro;
    Value first_error;
    bool has_error = false;
    int64_t count = 0;
    std::vector<Value> out;
    std::vector<std::pair<Value, Value>> out_entries;
    for (size_t i = 0; i < n; ++i) {
      if (++ctx.iterations > ctx.max_iterations) {
        return ctx.Stop(
            absl::StrCat("evaluation stopped: more than ", ctx.max_iterations,
                         " iterations in comprehensions (the cost limit)"));
      }
      ctx.steps += spec_.body_size;
      if (ctx.steps > ctx.max_steps) {
        return ctx.Stop(absl::StrCat("evaluation stopped: more than ",
                                     ctx.max_steps,
                                     " evaluation steps (the cost limit)"));
      }
      // The element (list) or key (map) the one-variable forms bind.
      Value element;
      if (is_list) {
        element = range.list_elements()[i].Borrowed();
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
        if (spec_.var2_slot >= 0)
          ctx.locals[spec_.var2_slot] = entry.second.Borrowed();
      }
      if (filter_ != nullptr) {
        Value keep = EvalStep(*filter_, ctx);
        if (keep.is_error()) return keep;
        if (keep.kind() != Value::Kind::kBool) return NotBool(keep);
        if (!keep.bool_value()) continue;
      }
      Value v = EvalStep(*body_, ctx);
      if (ctx.stopped) return v;
      switch (macro) {
        case MacroKind::kAll:
        case MacroKind::kExists: {
          const bool decisive = macro == MacroKind::kExists;
          if (v.kind() == Value::Kind::kBool) {
            if (v.bool_value() == decisive) return v;
          } else if (!has_error) {
            first_error = v.is_error() ? std::move(v) : NotBool(v);
            has_error = true;
          }
          break;
        }
        case MacroKind::kExistsOne:
          if (v.kind() != Value::Kind::kBool)
            return v.is_error() ? v : NotBool(v);
          if (v.bool_value()) ++count;
          break;
        case MacroKind::kFilter:
          if (v.kind() != Value::Kind::kBool)
            return v.is_error() ? v : NotBool(v);
          if (v.bool_value()) out.push_back(element.Retained());
          break;
        case MacroKind::kMap:
        case MacroKind::kTransformList:
          if (v.is_error()) return v;
          out.push_back(v.Retained());
          break;
        case MacroKind::kTransformMap:
          if (v.is_error()) return v;
          out_entries.emplace_back(is_list ? Value::Int(static_cast<int64_t>(i))
                                           : element.Retained(),
                                   v.Retained());
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
    return Value::Error(absl::StrCat("the condition of ", name_, "() gave ",
                                     TypeNameOf(v), ", not a bool"));
  }

  ComprehensionSpec spec_;
  const char* name_;
  StepPtr range_;
  StepPtr filter_;
  StepPtr body_;
};

}  // namespace

StepPtr NewComprehensionStep(const lang::Expr& e, ComprehensionSpec spec,
                             StepPtr range, StepPtr filter, StepPtr body) {
  return std::make_unique<ComprehensionStep>(
      e, spec, std::move(range), std::move(filter), std::move(body));
}

}  // namespace proactive::eval::internal
