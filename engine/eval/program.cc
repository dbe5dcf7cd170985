#include "engine/eval/program.h"

#include <algorithm>
#include <utility>

#include "absl/base/attributes.h"
#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/eval/step.h"

namespace proactive::eval {

const TraceEntry* Trace::Find(int32_t expr_id) const {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->expr_id == expr_id) return &*it;
  }
  return nullptr;
}

void Trace::Record(int32_t expr_id, int32_t begin, int32_t end, const Value& value) {
  entries_.push_back(TraceEntry{expr_id, begin, end, value.Retained()});
}

std::string Trace::Format(absl::string_view source) const {
  std::string out;
  for (const TraceEntry& e : entries_) {
    const size_t begin = std::min<size_t>(e.begin, source.size());
    const size_t end = std::min<size_t>(std::max(e.begin, e.end), source.size());
    absl::StrAppend(&out, source.substr(begin, end - begin), " = ", FormatValue(e.value), "\n");
  }
  return out;
}

Program::Program(Parts parts) : parts_(std::move(parts)) {}

Program::~Program() = default;

namespace {

// Runs `run` with the comprehension variables in place. Inlined: a call
// here cost 2 % of evaluating the reference rules (performance-log.md).
// `run` retains what it returns: the result may be one of the locals.
template <typename Run>
ABSL_ATTRIBUTE_ALWAYS_INLINE inline auto RunWithLocals(internal::EvalContext& ctx, int local_count, int memo_count,
                                                       Run run) {
  constexpr int kInline = 4;
  if (local_count <= kInline && memo_count <= kInline) {
    Value locals[kInline];
    uint8_t memo_valid[kInline] = {};
    ctx.locals = locals;
    ctx.memo_valid = memo_valid;
    return run();
  }
  std::vector<Value> locals(local_count);
  std::vector<uint8_t> memo_valid(std::max(memo_count, 1), 0);
  ctx.locals = locals.data();
  ctx.memo_valid = memo_valid.data();
  return run();
}

internal::EvalContext NewContext(const Activation& activation, const EvalOptions& options, Trace* trace) {
  internal::EvalContext ctx;
  ctx.activation = &activation;
  ctx.trace = trace;
  ctx.max_iterations = options.max_iterations;
  ctx.max_steps = options.max_steps;
  return ctx;
}

}  // namespace

absl::StatusOr<Value> Program::Evaluate(const Activation& activation, const EvalOptions& options, Trace* trace) const {
  internal::EvalContext ctx = NewContext(activation, options, trace);
  const internal::Step& root = *parts_.root;
  Value result = parts_.local_count == 0 ? internal::EvalStep(root, ctx)
                                         : RunWithLocals(ctx, parts_.local_count, parts_.memo_count,
                                                         [&] { return internal::EvalStep(root, ctx).Retained(); });
  if (ABSL_PREDICT_FALSE(ctx.stopped)) {
    return absl::ResourceExhaustedError(ctx.stop_error.error_message());
  }
  // Borrowed data (constants, inputs) gets its own reference.
  if (!result.owns_data()) result = result.Retained();
  return result;
}

absl::StatusOr<Truth> Program::EvaluateCondition(const Activation& activation, Value* other, const EvalOptions& options,
                                                 Trace* trace) const {
  internal::EvalContext ctx = NewContext(activation, options, trace);
  const internal::Step& root = *parts_.root;
  Truth truth = parts_.local_count == 0 ? internal::EvalTruthStep(root, ctx, other)
                                        : RunWithLocals(ctx, parts_.local_count, parts_.memo_count, [&] {
                                            Truth t = internal::EvalTruthStep(root, ctx, other);
                                            if (t == Truth::kOther) *other = other->Retained();
                                            return t;
                                          });
  if (ABSL_PREDICT_FALSE(ctx.stopped)) {
    *other = Value();
    return absl::ResourceExhaustedError(ctx.stop_error.error_message());
  }
  if (truth != Truth::kOther) {
    *other = Value();  // a step may have left a value there, borrowed from what is gone
  } else if (!other->owns_data()) {
    *other = other->Retained();
  }
  return truth;
}

}  // namespace proactive::eval
