// The input of one evaluation: the value of each declared variable, by slot
// (the slot TypeEnvironment::DeclareVariable returned).
//
//   Activation activation(env.slot_count());
//   activation.Bind(today_slot, Value::Date(absl::CivilDay(2026, 7, 1)));
//   for (const Person& p : population) {
//     activation.Bind(person_slot, Value::Object(&p));   // no allocation
//     absl::StatusOr<Value> v = program->Evaluate(activation);
//   }
//
// Re-binding a slot is cheap (no allocation for scalars and object
// references), so one Activation can be reused record after record. An
// Activation is read by Evaluate and may be shared by concurrent
// evaluations as long as no thread modifies it meanwhile.
#ifndef PROACTIVE_ENGINE_EVAL_ACTIVATION_H_
#define PROACTIVE_ENGINE_EVAL_ACTIVATION_H_

#include <cstdint>
#include <vector>

#include "engine/eval/value.h"

namespace proactive::eval {

class Activation {
 public:
  // `slot_count` slots, all unbound.
  explicit Activation(int slot_count = 0) : values_(slot_count), bound_(slot_count, 0) {}

  int slot_count() const { return static_cast<int>(values_.size()); }

  // REQUIRES: 0 <= slot < slot_count().
  void Bind(int slot, Value value) {
    values_[slot] = std::move(value);
    bound_[slot] = 1;
  }
  void Unbind(int slot) {
    values_[slot] = Value();
    bound_[slot] = 0;
  }

  // The value bound to `slot`, or null when unbound or out of range. An
  // expression reading an unbound variable gets an error value
  // ("no value for variable x").
  const Value* Find(int slot) const {
    return slot >= 0 && slot < static_cast<int>(values_.size()) && bound_[slot] ? &values_[slot] : nullptr;
  }

 private:
  std::vector<Value> values_;
  std::vector<uint8_t> bound_;  // bytes: cheaper to test than vector<bool>
};

}  // namespace proactive::eval

#endif  // PROACTIVE_ENGINE_EVAL_ACTIVATION_H_
