// The shared data behind string, list and map Values. Internal to
// engine/eval.
#ifndef PROACTIVE_ENGINE_EVAL_VALUE_INTERNAL_H_
#define PROACTIVE_ENGINE_EVAL_VALUE_INTERNAL_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/eval/value.h"

namespace proactive::eval::internal {

class MapRep final : public HeapRep {
 public:
  // REQUIRES: keys valid and unique (see Value::Map); `sorted` orders the
  // entries by key.
  MapRep(std::vector<std::pair<Value, Value>> entries, std::vector<uint32_t> sorted)
      : entries_(std::move(entries)), sorted_(std::move(sorted)) {}
  const std::vector<std::pair<Value, Value>>& entries() const { return entries_; }
  const std::vector<uint32_t>& sorted() const { return sorted_; }

 private:
  std::vector<std::pair<Value, Value>> entries_;
  std::vector<uint32_t> sorted_;
};

// Orders map keys (bool < numbers < strings; numbers by value across int and
// uint). REQUIRES: both are bool, int, uint or string.
int CompareKeys(const Value& a, const Value& b);

// The key to look up for `key`: integral doubles become int (or uint); kinds
// that cannot be keys give false.
bool NormalizeKey(const Value& key, Value* normalized);

}  // namespace proactive::eval::internal

#endif  // PROACTIVE_ENGINE_EVAL_VALUE_INTERNAL_H_
