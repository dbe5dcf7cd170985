// Records of declared object types (person, household, broadcast), as the
// evaluator reads them: fields by index, in the order the ObjectType
// declares them, absent fields as null pointers.
//
//   RecordObject alice(*person_type);            // every field absent
//   alice.Set(birth_date_index, Value::Date(absl::CivilDay(1950, 3, 1)));
//   activation.Bind(person_slot, Value::Object(&alice));
//
// Implement ObjectValue over your own storage to avoid copying: the
// evaluator only calls Field(), and never keeps a record beyond the values it
// returns. Records are referenced, not owned, by Values: keep them alive
// while a Value (result, trace) refers to them. Lists of records (children)
// are lists of Value::Object references, so a record may be shared by many
// lists without copying.
#ifndef PROACTIVE_ENGINE_EVAL_OBJECT_VALUE_H_
#define PROACTIVE_ENGINE_EVAL_OBJECT_VALUE_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/eval/value.h"
#include "engine/lang/types.h"

namespace proactive::eval {

class ObjectValue {
 public:
  // REQUIRES: `type` outlives the object.
  explicit ObjectValue(const lang::ObjectType& type) : type_(&type) {}
  virtual ~ObjectValue() = default;

  // The declared type; field indexes refer to its fields().
  const lang::ObjectType& object_type() const { return *type_; }

  // The value of field `index`, or null when the record has no value for it
  // (or `index` is out of range). Must be safe to call from several threads
  // at once, and the pointer must stay valid during the evaluation.
  virtual const Value* Field(int index) const = 0;

 private:
  const lang::ObjectType* type_;
};

// A simple ObjectValue: the values in one array, presence in a bit set.
// For the fastest evaluation, store the Values of a record contiguously in
// the record itself (see bench/lang_bench.cc): each field read then touches
// one cache line.
class RecordObject final : public ObjectValue {
 public:
  // REQUIRES: `type` outlives the record.
  explicit RecordObject(const lang::ObjectType& type);

  const Value* Field(int index) const override;

  // REQUIRES: 0 <= index < object_type().field_count().
  void Set(int index, Value value);
  void Clear(int index);
  // NOT_FOUND when the type has no field named `field`.
  absl::Status Set(absl::string_view field, Value value);

 private:
  std::vector<Value> values_;
  std::vector<uint64_t> present_;  // bit i of word i / 64: field i is set
};

}  // namespace proactive::eval

#endif  // PROACTIVE_ENGINE_EVAL_OBJECT_VALUE_H_
