// Function calls: arguments evaluated left to right (an error argument is
// the result), then the first candidate overload whose parameter kinds
// match is called.
#include <utility>

#include "absl/container/inlined_vector.h"
#include "engine/eval/step.h"
#include "re2/re2.h"

namespace proactive::eval::internal {
namespace {

class CallStep final : public Step {
 public:
  CallStep(const lang::Expr& e, std::string function, std::vector<StepPtr> args,
           std::vector<const FunctionEntry*> candidates)
      : Step(e),
        function_(std::move(function)),
        args_(std::move(args)),
        candidates_(std::move(candidates)) {}

  Value Eval(EvalContext& ctx) const override {
    absl::InlinedVector<Value, 4> values(args_.size());
    for (size_t i = 0; i < args_.size(); ++i) {
      values[i] = EvalStep(*args_[i], ctx);
      if (values[i].is_error()) return values[i];
    }
    const absl::Span<const Value> span(values.data(), values.size());
    for (const FunctionEntry* c : candidates_) {
      if (c->Accepts(span)) return c->impl(span);
    }
    return NoSuchOverload(function_, span);
  }

 private:
  std::string function_;
  std::vector<StepPtr> args_;
  std::vector<const FunctionEntry*> candidates_;
};

class MatchesStep final : public Step {
 public:
  MatchesStep(const lang::Expr& e, StepPtr subject,
              std::unique_ptr<re2::RE2> pattern)
      : Step(e), subject_(std::move(subject)), pattern_(std::move(pattern)) {}
  Value Eval(EvalContext& ctx) const override {
    Value s = EvalStep(*subject_, ctx);
    if (s.is_error()) return s;
    if (s.kind() != Value::Kind::kString) return NoSuchOverload("matches", {s});
    return Value::Bool(re2::RE2::PartialMatch(
        re2::StringPiece(s.string_value().data(), s.string_value().size()),
        *pattern_));
  }

 private:
  StepPtr subject_;
  std::unique_ptr<re2::RE2> pattern_;
};

}  // namespace

StepPtr NewCallStep(const lang::Expr& e, std::string function,
                    std::vector<StepPtr> args,
                    std::vector<const FunctionEntry*> candidates) {
  return std::make_unique<CallStep>(e, std::move(function), std::move(args),
                                    std::move(candidates));
}

StepPtr NewMatchesStep(const lang::Expr& e, StepPtr subject,
                       std::unique_ptr<re2::RE2> pattern) {
  return std::make_unique<MatchesStep>(e, std::move(subject),
                                       std::move(pattern));
}

}  // namespace proactive::eval::internal
