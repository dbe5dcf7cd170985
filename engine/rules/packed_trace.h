// A decision's trace (each evaluated sub-expression of the rule's `when`:
// its byte range in the condition and its value as text), packed into one
// string: a repeated TraceStep message cost 8 bytes besides the value and an
// allocation per step; packed, a boolean step takes 2 to 4 bytes.
//
// Per step: varint (begin << 2 | kind), varint (end - begin), then for
// kind 0 a varint length and the value's text; kind 1 is "true", kind 2
// "false". Ranges are within the condition, so never negative.
//
//   std::string packed;
//   AppendTraceStep(&packed, 0, 18, "true");
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

// DATA_LOSS when `packed` is cut short or malformed.
absl::StatusOr<std::vector<PackedTraceStep>> UnpackTrace(absl::string_view packed);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_RULES_PACKED_TRACE_H_
