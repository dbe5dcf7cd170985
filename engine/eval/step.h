// The executable form of a Program: a tree of immutable steps, each the
// compiled form of one expression node. Internal to engine/eval; the
// planner (planner.cc) builds them with the factories below.
#ifndef PROACTIVE_ENGINE_EVAL_STEP_H_
#define PROACTIVE_ENGINE_EVAL_STEP_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/eval/activation.h"
#include "engine/eval/functions.h"
#include "engine/eval/object_value.h"
#include "engine/eval/program.h"
#include "engine/eval/value.h"
#include "engine/lang/ast.h"

namespace re2 {
class RE2;
}

namespace proactive::eval::internal {

// The mutable state of one evaluation.
struct EvalContext {
  const Activation* activation = nullptr;
  Value* locals = nullptr;        // comprehension variables, then memoized values
  uint8_t* memo_valid = nullptr;  // per memo slot: its value is computed
  Trace* trace = nullptr;
  int64_t iterations = 0;
  int64_t max_iterations = 0;
  int64_t steps = 0;
  int64_t max_steps = 0;
  bool stopped = false;  // a limit was reached: nothing may absorb the error
  Value stop_error;      // the error that stopped it

  // Stops the evaluation; returns the error value to propagate.
  Value Stop(absl::string_view reason) {
    stopped = true;
    stop_error = Value::Error(reason);
    return stop_error;
  }
};

// The outcome of evaluating a step that should give a bool (program.h).
using Truth = eval::Truth;

// The leaves a parent reads inline, without a virtual call, when it is not
// tracing (EvalStep): a quarter to a half of the steps of a typical rule.
enum class Leaf : uint8_t { kNone, kFixedValue, kVariable, kVariableField, kLocalField };

class Step {
 public:
  explicit Step(const lang::Expr& e, Leaf leaf = Leaf::kNone) : id_(e.id), begin_(e.begin), end_(e.end), leaf_(leaf) {}
  Step(int32_t id, int32_t begin, int32_t end, Leaf leaf = Leaf::kNone)
      : id_(id), begin_(begin), end_(end), leaf_(leaf) {}
  virtual ~Step() = default;
  Step(const Step&) = delete;
  Step& operator=(const Step&) = delete;

  virtual Value Eval(EvalContext& ctx) const = 0;
  // Evaluation where a bool is expected: steps that produce bools override
  // it to avoid building a Value. On kOther, `*other` holds the value.
  virtual Truth EvalTruth(EvalContext& ctx, Value* other) const {
    Value v = Eval(ctx);
    if (v.kind() == Value::Kind::kBool) {
      return v.bool_value() ? Truth::kTrue : Truth::kFalse;
    }
    *other = std::move(v);
    return Truth::kOther;
  }
  // The value of a constant step, else null.
  virtual const Value* constant() const { return nullptr; }

  int32_t id() const { return id_; }
  int32_t begin() const { return begin_; }
  int32_t end() const { return end_; }
  // Which of the classes below this step is, if any.
  Leaf leaf() const { return leaf_; }

 private:
  int32_t id_;
  int32_t begin_;
  int32_t end_;
  Leaf leaf_;
};

using StepPtr = std::unique_ptr<const Step>;

// ---- the leaves (steps_basic.cc builds them) --------------------------------
// Each has an inline Read, what its Eval does without a trace; EvalStep
// calls it directly.

// A constant, or an error known at compile time. Only constants are
// `constant()`, for folding.
class FixedValueStep final : public Step {
 public:
  FixedValueStep(int32_t id, int32_t begin, int32_t end, Value value, bool is_constant)
      : Step(id, begin, end, Leaf::kFixedValue), value_(value.Retained()), is_constant_(is_constant) {}
  Value Read() const { return value_.Borrowed(); }
  Value Eval(EvalContext&) const override { return Read(); }
  Truth EvalTruth(EvalContext&, Value* other) const override;
  const Value* constant() const override { return is_constant_ ? &value_ : nullptr; }

 private:
  Value value_;
  bool is_constant_;
};

class VariableStep final : public Step {
 public:
  VariableStep(const lang::Expr& e, int slot, std::string name);
  Value Read(const EvalContext& ctx) const {
    const Value* v = ctx.activation->Find(slot_);
    return v != nullptr ? v->Borrowed() : unbound_.Borrowed();
  }
  Value Eval(EvalContext& ctx) const override { return Read(ctx); }

 private:
  int slot_;
  Value unbound_;
};

// A field of an object, fused with what gives the object: a variable
// (person.phone) or a comprehension variable (c.birth_date in
// person.children.exists(c, ...)). The object's variable is traced too.
class FieldLeafStep final : public Step {
 public:
  FieldLeafStep(const lang::Expr& e, Leaf leaf, const lang::Expr& object_expr, int slot, std::string variable,
                const lang::ObjectType* type, int index, std::string field, std::string where);
  Value Read(const EvalContext& ctx) const {
    const Value* operand;
    if (leaf() == Leaf::kVariableField) {
      operand = ctx.activation->Find(slot_);
      if (operand == nullptr) return unbound_.Borrowed();
    } else {
      operand = &ctx.locals[slot_];
    }
    if (operand->kind() == Value::Kind::kObject && &operand->object_value()->object_type() == type_) {
      const Value* v = operand->object_value()->Field(index_);
      return v != nullptr ? v->Borrowed() : absent_.Borrowed();
    }
    return SelectByName(*operand);
  }
  Value Eval(EvalContext& ctx) const override;
  Truth EvalTruth(EvalContext& ctx, Value* other) const override;

 private:
  // Any other value: a map, an object of another type, an error.
  Value SelectByName(const Value& operand) const;

  int32_t object_id_;
  int32_t object_begin_;
  int32_t object_end_;
  int slot_;
  const lang::ObjectType* type_;
  int index_;
  std::string field_;
  std::string where_;
  Value unbound_;  // variables only
  Value absent_;
};

// Evaluates a child step, recording it in the trace when tracing.
inline Value EvalStep(const Step& step, EvalContext& ctx) {
  if (ctx.trace == nullptr) {
    switch (step.leaf()) {
      case Leaf::kNone:
        break;
      case Leaf::kFixedValue:
        return static_cast<const FixedValueStep&>(step).Read();
      case Leaf::kVariable:
        return static_cast<const VariableStep&>(step).Read(ctx);
      case Leaf::kVariableField:
      case Leaf::kLocalField:
        return static_cast<const FieldLeafStep&>(step).Read(ctx);
    }
    return step.Eval(ctx);
  }
  Value v = step.Eval(ctx);
  ctx.trace->Record(step.id(), step.begin(), step.end(), v);
  return v;
}

// EvalTruth for a child step; when tracing, goes through EvalStep so that
// the value is recorded.
inline Truth EvalTruthStep(const Step& step, EvalContext& ctx, Value* other) {
  if (ctx.trace == nullptr) return step.EvalTruth(ctx, other);
  Value v = EvalStep(step, ctx);
  if (v.kind() == Value::Kind::kBool) {
    return v.bool_value() ? Truth::kTrue : Truth::kFalse;
  }
  *other = std::move(v);
  return Truth::kOther;
}

// The Value of a truth.
inline Value TruthValue(Truth t, Value&& other) {
  return t == Truth::kOther ? std::move(other) : Value::Bool(t == Truth::kTrue);
}

// ---- steps_basic.cc: constants, variables, fields ---------------------------
StepPtr NewConstantStep(int32_t id, int32_t begin, int32_t end, Value value);
StepPtr NewErrorStep(const lang::Expr& e, std::string message);
StepPtr NewVariableStep(const lang::Expr& e, int slot, std::string name);
StepPtr NewLocalStep(const lang::Expr& e, int slot);
// local.field fused in one step; `local_expr` is traced too.
StepPtr NewLocalFieldStep(const lang::Expr& e, const lang::Expr& local_expr, int slot, const lang::ObjectType* type,
                          int field_index, std::string field, std::string where);
// `where` names the field in messages ("person.phone").
// `type` is the object type the checker saw; other values are read by name.
StepPtr NewFieldStep(const lang::Expr& e, StepPtr operand, const lang::ObjectType* type, int field_index,
                     std::string field, std::string where);
// variable.field fused in one step; `variable_expr` is traced too.
StepPtr NewVariableFieldStep(const lang::Expr& e, const lang::Expr& variable_expr, int slot, std::string variable,
                             const lang::ObjectType* type, int field_index, std::string field, std::string where);
StepPtr NewSelectStep(const lang::Expr& e, StepPtr operand, std::string field, std::string where);
StepPtr NewHasStep(const lang::Expr& e, StepPtr operand, std::string field, const lang::ObjectType* type,
                   int field_index);
StepPtr NewListStep(const lang::Expr& e, std::vector<StepPtr> elements);
StepPtr NewMapStep(const lang::Expr& e, std::vector<StepPtr> keys, std::vector<StepPtr> values);
// google.protobuf.XxxValue{value: v}: the value, range-checked for 32-bit
// kinds.
StepPtr NewWrapperStep(const lang::Expr& e, std::string wrapper, StepPtr value, Value default_value);

// ---- steps_logic.cc: operators with their own evaluation rules --------------
// REQUIRES: two operands.
StepPtr NewAndStep(const lang::Expr& e, std::vector<StepPtr> operands);
StepPtr NewOrStep(const lang::Expr& e, std::vector<StepPtr> operands);
// !operand
StepPtr NewNotStep(const lang::Expr& e, StepPtr operand);
StepPtr NewConditionalStep(const lang::Expr& e, StepPtr cond, StepPtr then, StepPtr otherwise);
StepPtr NewEqualsStep(const lang::Expr& e, StepPtr left, StepPtr right, bool negate);
enum class Relation { kLess, kLessEquals, kGreater, kGreaterEquals };
StepPtr NewRelationStep(const lang::Expr& e, StepPtr left, StepPtr right, Relation relation);
StepPtr NewInStep(const lang::Expr& e, StepPtr element, StepPtr container);
StepPtr NewIndexStep(const lang::Expr& e, StepPtr operand, StepPtr index);

// ---- steps_call.cc: function calls -----------------------------------------
// `candidates` in order of preference; the first whose parameter kinds match
// the arguments is called.
StepPtr NewCallStep(const lang::Expr& e, std::string function, std::vector<StepPtr> args,
                    std::vector<const FunctionEntry*> candidates);
// s.matches(re) with a pattern compiled once.
StepPtr NewMatchesStep(const lang::Expr& e, StepPtr subject, std::unique_ptr<re2::RE2> pattern);

// ---- steps_comprehension.cc
// ---------------------------------------------------
struct ComprehensionSpec {
  lang::MacroKind macro = lang::MacroKind::kAll;
  int var_slot = -1;
  int var2_slot = -1;     // -1 for one-variable forms
  int64_t body_size = 1;  // steps per iteration, for the step limit
  // Memo slots of the loop-invariant sub-expressions of the body, cleared
  // each time the comprehension starts.
  std::vector<int> memo_slots;
};
// A loop-invariant sub-expression of a comprehension body, computed once per
// run of the comprehension: its value lives in locals[value_slot], validity
// in memo_valid[memo_slot]. Transparent for tracing (evaluated every time
// when tracing).
StepPtr NewHoistedStep(StepPtr inner, int memo_slot, int value_slot);
StepPtr NewComprehensionStep(const lang::Expr& e, ComprehensionSpec spec, StepPtr range, StepPtr filter, StepPtr body);

}  // namespace proactive::eval::internal

#endif  // PROACTIVE_ENGINE_EVAL_STEP_H_
