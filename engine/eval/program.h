// A compiled expression: immutable, thread-safe, evaluated millions of times.
// Variables are resolved to activation slots and object fields to indexes at
// compile time, constant sub-expressions are folded, and the evaluator needs
// nothing but the Program and an Activation.
//
//   CompileResult compiled =
//       Compile("age(person.birth_date, today) >= 65", env);
//   const Program& program = *compiled.program;
//   absl::StatusOr<Value> v = program.Evaluate(activation);
//   if (v.ok() && v->kind() == Value::Kind::kBool && v->bool_value()) ...
//
// Evaluate returns a Value, which may be an error value (CEL's errors as
// values: "no value for person.phone", "division by zero"), and a non-OK
// status only when evaluation was stopped by a cost limit
// (RESOURCE_EXHAUSTED).
#ifndef PROACTIVE_ENGINE_EVAL_PROGRAM_H_
#define PROACTIVE_ENGINE_EVAL_PROGRAM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/eval/activation.h"
#include "engine/eval/value.h"
#include "engine/lang/types.h"

namespace proactive::eval {

namespace internal {
class Step;
struct EvalContext;
}  // namespace internal

struct EvalOptions {
  // Iterations of all comprehensions (all, exists, map, filter, ...) together.
  int64_t max_iterations = 100000;
  // Sub-expression evaluations; each comprehension iteration counts the
  // size of its body.
  int64_t max_steps = 10000000;
};

// The value of one sub-expression during an evaluation.
struct TraceEntry {
  int32_t expr_id = 0;  // the node's id in the parsed expression
  int32_t begin = 0;    // its byte range in Program::source()
  int32_t end = 0;
  Value value;
};

// Every sub-expression's value, in evaluation order (children before their
// parent; a comprehension body once per iteration). Constant sub-expressions
// folded at compile time appear once, as the folded value.
class Trace {
 public:
  const std::vector<TraceEntry>& entries() const { return entries_; }
  // The last value recorded for `expr_id`, or null when it was not evaluated
  // (short-circuited, or folded into a larger constant).
  const TraceEntry* Find(int32_t expr_id) const;
  void Clear() { entries_.clear(); }
  // Appends an entry. Used by the evaluator.
  void Record(int32_t expr_id, int32_t begin, int32_t end, const Value& value);

  // One line per entry: "<source text> = <value>".
  std::string Format(absl::string_view source) const;

 private:
  std::vector<TraceEntry> entries_;
};

// The outcome of a condition: true, false, or something else (an error, or
// a value that is not a bool).
enum class Truth : uint8_t { kFalse, kTrue, kOther };

// Static cost in evaluation steps: `min` when every short-circuit is taken
// and lists are empty, `max` when nothing short-circuits and every list or
// map has CompileOptions::assumed_collection_size elements.
struct CostEstimate {
  int64_t min = 0;
  int64_t max = 0;
};

class Program {
 public:
  struct Parts {
    std::string source;
    lang::Type result_type;
    std::unique_ptr<const internal::Step> root;
    int local_count = 0;  // comprehension variables and memoized values
    int memo_count = 0;
    CostEstimate cost;
    std::vector<std::string> reads;
    std::vector<std::string> whole_reads;
    std::vector<std::string> presence_reads;
    std::vector<std::string> field_values;
    std::vector<std::shared_ptr<const lang::ObjectType>> object_types;
    int slot_count = 0;
  };
  // Built by Compile (compiler.h).
  explicit Program(Parts parts);
  ~Program();
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  const std::string& source() const { return parts_.source; }
  const lang::Type& result_type() const { return parts_.result_type; }
  const CostEstimate& cost() const { return parts_.cost; }
  // The variable paths the expression reads, e.g. {"person.birth_date",
  // "person.children", "person.children.birth_date", "today"}.
  const std::vector<std::string>& reads() const { return parts_.reads; }
  // Those of reads() used as whole values, not only counted or iterated
  // (lang::CheckResult::whole_reads).
  const std::vector<std::string>& whole_reads() const { return parts_.whole_reads; }
  // Those of reads() only tested for presence, never read as values
  // (lang::CheckResult::presence_reads).
  const std::vector<std::string>& presence_reads() const { return parts_.presence_reads; }
  // The object fields whose values it reads, "person.phone", "dyn.phone"
  // (lang::CheckResult::field_values).
  const std::vector<std::string>& field_values() const { return parts_.field_values; }
  // The number of slots of the environment it was compiled against.
  int slot_count() const { return parts_.slot_count; }

  // Evaluates against `activation`. Safe to call from many threads at once.
  // When `trace` is not null, the value of every evaluated sub-expression is
  // appended to it. RESOURCE_EXHAUSTED when a limit of `options` is reached.
  absl::StatusOr<Value> Evaluate(const Activation& activation, const EvalOptions& options = {},
                                 Trace* trace = nullptr) const;

  // Evaluates a condition without building the Value of its result: kTrue
  // or kFalse, else kOther with the result (an error value, or a value that
  // is not a bool) in `*other`. The same evaluation as Evaluate, which a
  // sweep's hot loop calls millions of times: the result's Value and its
  // StatusOr are what this spares. `*other` is reset unless kOther.
  // RESOURCE_EXHAUSTED as Evaluate.
  absl::StatusOr<Truth> EvaluateCondition(const Activation& activation, Value* other, const EvalOptions& options = {},
                                          Trace* trace = nullptr) const;

 private:
  Parts parts_;
};

}  // namespace proactive::eval

#endif  // PROACTIVE_ENGINE_EVAL_PROGRAM_H_
