// Operators with their own evaluation rules: && and || (commutative, they
// absorb errors when the other side decides), ?:, ==, !=, <, <=, >, >=, in,
// and indexing.
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/eval/step.h"
#include "engine/eval/value_ops.h"

namespace proactive::eval::internal {
namespace {

Value NotBool(const char* op, const Value& v) {
  return Value::Error(
      absl::StrCat("no matching overload for '", op, "' applied to ", TypeNameOf(v), " (it needs bool)"));
}

// CEL's commutative logic: `false && error` is false whatever the order; an
// error (or a non-bool) is the result only when no operand decides.
template <bool kIsAnd>
class LogicStep final : public Step {
 public:
  LogicStep(const lang::Expr& e, std::vector<StepPtr> operands)
      : Step(e), first_(std::move(operands[0])), second_(std::move(operands[1])) {}
  Value Eval(EvalContext& ctx) const override {
    Value other;
    const Truth t = EvalTruth(ctx, &other);
    return TruthValue(t, std::move(other));
  }
  Truth EvalTruth(EvalContext& ctx, Value* other) const override {
    constexpr Truth kDecisive = kIsAnd ? Truth::kFalse : Truth::kTrue;
    const Truth a = EvalTruthStep(*first_, ctx, other);
    if (a == kDecisive) return kDecisive;
    if (a != Truth::kOther) {
      const Truth b = EvalTruthStep(*second_, ctx, other);
      if (b == Truth::kOther && !ctx.stopped && !other->is_error()) {
        *other = NotBool(kIsAnd ? "&&" : "||", *other);
      }
      return b;
    }
    if (ctx.stopped) return Truth::kOther;  // a cost limit is never absorbed
    if (!other->is_error()) *other = NotBool(kIsAnd ? "&&" : "||", *other);
    Value second;
    const Truth b = EvalTruthStep(*second_, ctx, &second);
    if (b == kDecisive) return kDecisive;  // absorbs the first operand's error
    if (ctx.stopped) *other = std::move(second);
    return Truth::kOther;
  }

 private:
  StepPtr first_;
  StepPtr second_;
};

class NotStep final : public Step {
 public:
  NotStep(const lang::Expr& e, StepPtr operand) : Step(e), operand_(std::move(operand)) {}
  Value Eval(EvalContext& ctx) const override {
    Value other;
    const Truth t = EvalTruth(ctx, &other);
    return TruthValue(t, std::move(other));
  }
  Truth EvalTruth(EvalContext& ctx, Value* other) const override {
    const Truth t = EvalTruthStep(*operand_, ctx, other);
    if (t == Truth::kTrue) return Truth::kFalse;
    if (t == Truth::kFalse) return Truth::kTrue;
    if (!other->is_error()) *other = NotBool("!", *other);
    return Truth::kOther;
  }

 private:
  StepPtr operand_;
};

class ConditionalStep final : public Step {
 public:
  ConditionalStep(const lang::Expr& e, StepPtr cond, StepPtr then, StepPtr otherwise)
      : Step(e), cond_(std::move(cond)), then_(std::move(then)), otherwise_(std::move(otherwise)) {}
  Value Eval(EvalContext& ctx) const override {
    Value c = EvalStep(*cond_, ctx);
    if (c.kind() == Value::Kind::kBool) {
      return EvalStep(c.bool_value() ? *then_ : *otherwise_, ctx);
    }
    if (c.is_error()) return c;
    return NotBool("?:", c);
  }

 private:
  StepPtr cond_, then_, otherwise_;
};

class EqualsStep final : public Step {
 public:
  EqualsStep(const lang::Expr& e, StepPtr left, StepPtr right, bool negate)
      : Step(e),
        left_(std::move(left)),
        right_(std::move(right)),
        right_constant_(right_->constant()),
        negate_(negate) {}
  Value Eval(EvalContext& ctx) const override {
    Value other;
    const Truth t = EvalTruth(ctx, &other);
    return TruthValue(t, std::move(other));
  }
  Truth EvalTruth(EvalContext& ctx, Value* other) const override {
    Value a = EvalStep(*left_, ctx);
    if (a.is_error()) {
      *other = std::move(a);
      return Truth::kOther;
    }
    // A constant right operand is read directly (unless tracing).
    Value b = right_constant_ != nullptr && ctx.trace == nullptr ? right_constant_->Borrowed() : EvalStep(*right_, ctx);
    if (b.is_error()) {
      *other = std::move(b);
      return Truth::kOther;
    }
    const bool equal = Value::SameIntegralKind(a, b) ? a.int_value() == b.int_value() : ValuesEqual(a, b);
    return equal != negate_ ? Truth::kTrue : Truth::kFalse;
  }

 private:
  StepPtr left_, right_;
  const Value* right_constant_;
  bool negate_;
};

class RelationStep final : public Step {
 public:
  RelationStep(const lang::Expr& e, StepPtr left, StepPtr right, Relation relation)
      : Step(e),
        left_(std::move(left)),
        right_(std::move(right)),
        right_constant_(right_->constant()),
        relation_(relation) {}
  Value Eval(EvalContext& ctx) const override {
    Value other;
    const Truth t = EvalTruth(ctx, &other);
    return TruthValue(t, std::move(other));
  }
  Truth EvalTruth(EvalContext& ctx, Value* other) const override {
    Value a = EvalStep(*left_, ctx);
    if (a.is_error()) {
      *other = std::move(a);
      return Truth::kOther;
    }
    // A constant right operand is read directly (unless tracing).
    Value b = right_constant_ != nullptr && ctx.trace == nullptr ? right_constant_->Borrowed() : EvalStep(*right_, ctx);
    if (b.is_error()) {
      *other = std::move(b);
      return Truth::kOther;
    }
    Ordering order;
    // Fast path for the most common cases in rules: ints, dates, amounts.
    if (Value::SameIntegralKind(a, b)) {
      order = a.int_value() < b.int_value()    ? Ordering::kLess
              : a.int_value() == b.int_value() ? Ordering::kEqual
                                               : Ordering::kGreater;
    } else {
      std::string error;
      order = CompareValues(a, b, &error);
      if (order == Ordering::kInvalid) {
        *other = Value::Error(error);
        return Truth::kOther;
      }
    }
    return Holds(order) ? Truth::kTrue : Truth::kFalse;
  }

 private:
  bool Holds(Ordering order) const {
    switch (relation_) {
      case Relation::kLess:
        return order == Ordering::kLess;
      case Relation::kLessEquals:
        return order == Ordering::kLess || order == Ordering::kEqual;
      case Relation::kGreater:
        return order == Ordering::kGreater;
      case Relation::kGreaterEquals:
        return order == Ordering::kGreater || order == Ordering::kEqual;
    }
    return false;
  }

  StepPtr left_, right_;
  const Value* right_constant_;
  Relation relation_;
};

class InStep final : public Step {
 public:
  InStep(const lang::Expr& e, StepPtr element, StepPtr container)
      : Step(e), element_(std::move(element)), container_(std::move(container)) {}
  Value Eval(EvalContext& ctx) const override {
    Value x = EvalStep(*element_, ctx);
    if (x.is_error()) return x;
    Value c = EvalStep(*container_, ctx);
    if (c.is_error()) return c;
    if (c.kind() == Value::Kind::kList) {
      for (const Value& e : c.list_elements()) {
        if (ValuesEqual(x, e)) return Value::Bool(true);
      }
      return Value::Bool(false);
    }
    if (c.kind() == Value::Kind::kMap) return Value::Bool(c.map_value().Find(x) != nullptr);
    return Value::Error(absl::StrCat("'in' needs a list or a map, not ", TypeNameOf(c)));
  }

 private:
  StepPtr element_, container_;
};

class IndexStep final : public Step {
 public:
  IndexStep(const lang::Expr& e, StepPtr operand, StepPtr index)
      : Step(e), operand_(std::move(operand)), index_(std::move(index)) {}
  Value Eval(EvalContext& ctx) const override {
    Value c = EvalStep(*operand_, ctx);
    if (c.is_error()) return c;
    Value i = EvalStep(*index_, ctx);
    if (i.is_error()) return i;
    if (c.kind() == Value::Kind::kList) {
      absl::Span<const Value> elements = c.list_elements();
      int64_t n = 0;
      if (i.kind() == Value::Kind::kInt) {
        n = i.int_value();
      } else if (i.kind() == Value::Kind::kUint && i.uint_value() <= INT64_MAX) {
        n = static_cast<int64_t>(i.uint_value());
      } else {
        return Value::Error(absl::StrCat("a list index is an int, not ", TypeNameOf(i)));
      }
      if (n < 0 || n >= static_cast<int64_t>(elements.size())) {
        return Value::Error(absl::StrCat("index out of range: ", n, " (the list has ", elements.size(), " element",
                                         elements.size() == 1 ? ")" : "s)"));
      }
      const Value& e = elements[n];
      return c.owns_data() ? e.Retained() : e.Borrowed();
    }
    if (c.kind() == Value::Kind::kMap) {
      const Value* v = c.map_value().Find(i);
      if (v == nullptr) {
        // A key is a scalar to be found; anything else is named by its type,
        // never printed: an object's fields would travel in the error.
        const bool scalar =
            i.kind() != Value::Kind::kObject && i.kind() != Value::Kind::kList && i.kind() != Value::Kind::kMap;
        return Value::Error(scalar ? absl::StrCat("no such key: ", FormatValue(i))
                                   : absl::StrCat("no such key: a ", TypeNameOf(i)));
      }
      return c.owns_data() ? v->Retained() : v->Borrowed();
    }
    return Value::Error(absl::StrCat(TypeNameOf(c), " cannot be indexed"));
  }

 private:
  StepPtr operand_, index_;
};

}  // namespace

StepPtr NewAndStep(const lang::Expr& e, std::vector<StepPtr> operands) {
  return std::make_unique<LogicStep<true>>(e, std::move(operands));
}
StepPtr NewOrStep(const lang::Expr& e, std::vector<StepPtr> operands) {
  return std::make_unique<LogicStep<false>>(e, std::move(operands));
}
StepPtr NewNotStep(const lang::Expr& e, StepPtr operand) { return std::make_unique<NotStep>(e, std::move(operand)); }
StepPtr NewConditionalStep(const lang::Expr& e, StepPtr cond, StepPtr then, StepPtr otherwise) {
  return std::make_unique<ConditionalStep>(e, std::move(cond), std::move(then), std::move(otherwise));
}
StepPtr NewEqualsStep(const lang::Expr& e, StepPtr left, StepPtr right, bool negate) {
  return std::make_unique<EqualsStep>(e, std::move(left), std::move(right), negate);
}
StepPtr NewRelationStep(const lang::Expr& e, StepPtr left, StepPtr right, Relation relation) {
  return std::make_unique<RelationStep>(e, std::move(left), std::move(right), relation);
}
StepPtr NewInStep(const lang::Expr& e, StepPtr element, StepPtr container) {
  return std::make_unique<InStep>(e, std::move(element), std::move(container));
}
StepPtr NewIndexStep(const lang::Expr& e, StepPtr operand, StepPtr index) {
  return std::make_unique<IndexStep>(e, std::move(operand), std::move(index));
}

}  // namespace proactive::eval::internal
