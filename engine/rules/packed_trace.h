// A decision's trace (each evaluated sub-expression of the rule's `when`:
// its byte range in the condition and its value as text), packed into one
// string: a repeated TraceStep message cost 8 bytes besides the value and an
// allocation per step; packed, a boolean step takes 2 to 4 bytes.
//
// Per step: varint (begin << 2 | kind), varint (end - begin), then for
// kind 0 a varint length and the value's text; kind 1 is "true", kind 2
// "false"; kind 3 (since 2026-12-05) a varint n > 0: the value of the step
// n steps before (a rule reads `person` or a date several times: the
// subject's id is written once, not six times). Ranges are within the
// condition, so never negative.
//
//   std::string packed;
//   TracePacker packer(&packed);
//   packer.Add(0, 18, "true");
//   ASSIGN_OR_RETURN(std::vector<PackedTraceStep> steps, UnpackTrace(packed));
#ifndef PROACTIVE_ENGINE_RULES_PACKED_TRACE_H_
#define PROACTIVE_ENGINE_RULES_PACKED_TRACE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace proactive {

struct PackedTraceStep {
  int32_t begin = 0;
  int32_t end = 0;
  std::string value;
};

// A range out of 0 <= begin <= end is stored clamped (empty at 0 or begin).
void AppendTraceStep(std::string* packed, int32_t begin, int32_t end, absl::string_view value);

// Appends steps as AppendTraceStep does, writing a text that an earlier step
// of this packer wrote (among the last kLookBack texts) as a reference to it.
// REQUIRES: `packed` outlives the packer and only it appends meanwhile.
class TracePacker {
 public:
  explicit TracePacker(std::string* packed) : packed_(packed) {}
  TracePacker(const TracePacker&) = delete;
  TracePacker& operator=(const TracePacker&) = delete;

  void Add(int32_t begin, int32_t end, absl::string_view value);
  // Add(begin, end, value ? "true" : "false"), without looking at text.
  void AddBool(int32_t begin, int32_t end, bool value);

 private:
  static constexpr size_t kLookBack = 16;
  struct Text {
    uint32_t step;
    uint32_t offset;  // of the value in *packed_
    uint32_t size;
  };
  std::string* const packed_;
  uint32_t steps_ = 0;
  // The last kLookBack texts, a ring: the next one goes at texts_next_.
  Text texts_[kLookBack];
  size_t texts_next_ = 0;
  size_t texts_count_ = 0;
};

// DATA_LOSS when `packed` is cut short or malformed.
absl::StatusOr<std::vector<PackedTraceStep>> UnpackTrace(absl::string_view packed);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_RULES_PACKED_TRACE_H_
