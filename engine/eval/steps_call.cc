// Function calls: arguments evaluated left to right (an error argument is
// the result), then the first candidate overload whose parameter kinds
// match is called.
#include <utility>

#include "engine/eval/step.h"
#include "re2/re2.h"

namespace proactive::eval::internal {
namespace {

Value Dispatch(const std::string& function, const FunctionEntry* single,
               const std::vector<const FunctionEntry*>& candidates, absl::Span<const Value> args) {
  if (single != nullptr) {
    return single->Accepts(args) ? single->impl(args) : NoSuchOverload(function, args);
  }
  for (const FunctionEntry* c : candidates) {
    if (c->Accepts(args)) return c->impl(args);
  }
  return NoSuchOverload(function, args);
}

// Calls with N arguments, evaluated into a fixed array on the stack.
template <int N>
class FixedCallStep final : public Step {
 public:
  FixedCallStep(const lang::Expr& e, std::string function, std::vector<StepPtr> args,
                std::vector<const FunctionEntry*> candidates)
      : Step(e),
        function_(std::move(function)),
        single_(candidates.size() == 1 ? candidates[0] : nullptr),
        candidates_(std::move(candidates)) {
    for (int i = 0; i < N; ++i) args_[i] = std::move(args[i]);
    for (int i = 0; i < N; ++i) {
      // The kind the single overload takes; kError (never taken) when any.
      expected_[i] = single_ != nullptr && i < single_->arity && single_->kinds[i] >= 0
                         ? static_cast<Value::Kind>(single_->kinds[i])
                         : Value::Kind::kError;
    }
  }

  Value Eval(EvalContext& ctx) const override {
    // Arguments are constructed in place, left to right.
    if constexpr (N == 1) {
      const Value values[1] = {EvalStep(*args_[0], ctx)};
      return Call(values);
    } else if constexpr (N == 2) {
      const Value values[2] = {EvalStep(*args_[0], ctx), EvalStep(*args_[1], ctx)};
      return Call(values);
    } else {
      const Value values[3] = {EvalStep(*args_[0], ctx), EvalStep(*args_[1], ctx), EvalStep(*args_[2], ctx)};
      return Call(values);
    }
  }

 private:
  Value Call(const Value (&values)[N]) const {
    // The common case in one test per argument: each of the kind the single
    // overload takes (so not an error).
    bool expected = single_ != nullptr;
    for (int i = 0; i < N; ++i) {
      expected &= expected_[i] == Value::Kind::kError ? !values[i].is_error() : values[i].kind() == expected_[i];
    }
    const absl::Span<const Value> args(values, N);
    if (expected) return single_->impl(args);
    for (int i = 0; i < N; ++i) {
      if (values[i].is_error()) return values[i];
    }
    if (single_ != nullptr && single_->Accepts(args)) return single_->impl(args);
    return Dispatch(function_, single_, candidates_, args);
  }

  std::string function_;
  StepPtr args_[N];
  const FunctionEntry* single_;
  std::vector<const FunctionEntry*> candidates_;
  Value::Kind expected_[N];
};

// The arithmetic of rules (int + - *, amounts + - and times an int) where the
// checker resolved a single overload: the common case is computed here, with
// no dispatch. An error operand is the result; an overflow or two currencies
// go through the overload, which names the error.
enum class ArithmeticOp {
  kAddInts,
  kSubtractInts,
  kMultiplyInts,
  kAddAmounts,
  kSubtractAmounts,
  kMultiplyAmountByInt,
  kMultiplyIntByAmount,
};

template <ArithmeticOp kOp>
class ArithmeticStep final : public Step {
 public:
  ArithmeticStep(const lang::Expr& e, StepPtr left, StepPtr right, const FunctionEntry* entry, std::string function)
      : Step(e), left_(std::move(left)), right_(std::move(right)), entry_(entry), function_(std::move(function)) {}

  Value Eval(EvalContext& ctx) const override {
    const Value values[2] = {EvalStep(*left_, ctx), EvalStep(*right_, ctx)};
    const Value& a = values[0];
    const Value& b = values[1];
    using K = Value::Kind;
    int64_t r;
    if constexpr (kOp == ArithmeticOp::kAddInts || kOp == ArithmeticOp::kSubtractInts ||
                  kOp == ArithmeticOp::kMultiplyInts) {
      if (a.kind() == K::kInt && b.kind() == K::kInt && !Overflows(a.int_value(), b.int_value(), &r)) {
        return Value::Int(r);
      }
    } else if constexpr (kOp == ArithmeticOp::kAddAmounts || kOp == ArithmeticOp::kSubtractAmounts) {
      // Equal headers: both amounts, in one currency.
      if (a.kind() == K::kMoney && Value::SameIntegralKind(a, b) && !Overflows(a.money_cents(), b.money_cents(), &r)) {
        return Value::MoneyLike(r, a);
      }
    } else if constexpr (kOp == ArithmeticOp::kMultiplyAmountByInt) {
      if (a.kind() == K::kMoney && b.kind() == K::kInt && !Overflows(a.money_cents(), b.int_value(), &r)) {
        return Value::MoneyLike(r, a);
      }
    } else {
      if (a.kind() == K::kInt && b.kind() == K::kMoney && !Overflows(a.int_value(), b.money_cents(), &r)) {
        return Value::MoneyLike(r, b);
      }
    }
    for (const Value& v : values) {
      if (v.is_error()) return v;
    }
    return Dispatch(function_, entry_, {}, values);
  }

 private:
  static bool Overflows(int64_t x, int64_t y, int64_t* r) {
    if constexpr (kOp == ArithmeticOp::kAddInts || kOp == ArithmeticOp::kAddAmounts) {
      return __builtin_add_overflow(x, y, r);
    } else if constexpr (kOp == ArithmeticOp::kSubtractInts || kOp == ArithmeticOp::kSubtractAmounts) {
      return __builtin_sub_overflow(x, y, r);
    } else {
      return __builtin_mul_overflow(x, y, r);
    }
  }

  StepPtr left_;
  StepPtr right_;
  const FunctionEntry* entry_;
  std::string function_;
};

template <ArithmeticOp kOp>
StepPtr NewArithmeticStep(const lang::Expr& e, std::vector<StepPtr>& args, const FunctionEntry* entry,
                          std::string& function) {
  return std::make_unique<ArithmeticStep<kOp>>(e, std::move(args[0]), std::move(args[1]), entry, std::move(function));
}

// The step for an overload with its own fast path, else null.
StepPtr NewArithmeticStepFor(const lang::Expr& e, std::vector<StepPtr>& args, const FunctionEntry* entry,
                             std::string& function) {
  const std::string& id = entry->id;
  if (id == "add_int64") return NewArithmeticStep<ArithmeticOp::kAddInts>(e, args, entry, function);
  if (id == "subtract_int64") return NewArithmeticStep<ArithmeticOp::kSubtractInts>(e, args, entry, function);
  if (id == "multiply_int64") return NewArithmeticStep<ArithmeticOp::kMultiplyInts>(e, args, entry, function);
  if (id == "add_money") return NewArithmeticStep<ArithmeticOp::kAddAmounts>(e, args, entry, function);
  if (id == "subtract_money") return NewArithmeticStep<ArithmeticOp::kSubtractAmounts>(e, args, entry, function);
  if (id == "multiply_money_int64") {
    return NewArithmeticStep<ArithmeticOp::kMultiplyAmountByInt>(e, args, entry, function);
  }
  if (id == "multiply_int64_money") {
    return NewArithmeticStep<ArithmeticOp::kMultiplyIntByAmount>(e, args, entry, function);
  }
  return nullptr;
}

class CallStep final : public Step {
 public:
  CallStep(const lang::Expr& e, std::string function, std::vector<StepPtr> args,
           std::vector<const FunctionEntry*> candidates)
      : Step(e), function_(std::move(function)), args_(std::move(args)), candidates_(std::move(candidates)) {}

  Value Eval(EvalContext& ctx) const override {
    std::vector<Value> values(args_.size());
    for (size_t i = 0; i < args_.size(); ++i) {
      values[i] = EvalStep(*args_[i], ctx);
      if (values[i].is_error()) return values[i];
    }
    return Dispatch(function_, nullptr, candidates_, values);
  }

 private:
  std::string function_;
  std::vector<StepPtr> args_;
  std::vector<const FunctionEntry*> candidates_;
};

class MatchesStep final : public Step {
 public:
  MatchesStep(const lang::Expr& e, StepPtr subject, std::unique_ptr<re2::RE2> pattern)
      : Step(e), subject_(std::move(subject)), pattern_(std::move(pattern)) {}
  Value Eval(EvalContext& ctx) const override {
    Value s = EvalStep(*subject_, ctx);
    if (s.is_error()) return s;
    if (s.kind() != Value::Kind::kString) return NoSuchOverload("matches", {s});
    return Value::Bool(
        re2::RE2::PartialMatch(re2::StringPiece(s.string_value().data(), s.string_value().size()), *pattern_));
  }

 private:
  StepPtr subject_;
  std::unique_ptr<re2::RE2> pattern_;
};

}  // namespace

StepPtr NewCallStep(const lang::Expr& e, std::string function, std::vector<StepPtr> args,
                    std::vector<const FunctionEntry*> candidates) {
  static_assert(FunctionEntry::kMaxArity >= 3, "FixedCallStep covers up to 3");
  if (args.size() == 2 && candidates.size() == 1) {
    if (StepPtr step = NewArithmeticStepFor(e, args, candidates[0], function)) return step;
  }
  switch (args.size()) {
    case 1:
      return std::make_unique<FixedCallStep<1>>(e, std::move(function), std::move(args), std::move(candidates));
    case 2:
      return std::make_unique<FixedCallStep<2>>(e, std::move(function), std::move(args), std::move(candidates));
    case 3:
      return std::make_unique<FixedCallStep<3>>(e, std::move(function), std::move(args), std::move(candidates));
    default:
      return std::make_unique<CallStep>(e, std::move(function), std::move(args), std::move(candidates));
  }
}

StepPtr NewMatchesStep(const lang::Expr& e, StepPtr subject, std::unique_ptr<re2::RE2> pattern) {
  return std::make_unique<MatchesStep>(e, std::move(subject), std::move(pattern));
}

}  // namespace proactive::eval::internal
