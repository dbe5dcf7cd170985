#include "engine/rules/packed_trace.h"

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"

namespace proactive {
namespace {

constexpr uint64_t kText = 0, kTrue = 1, kFalse = 2, kRepeat = 3;

// Writes `v` at `out` (10 bytes at most); returns the end.
char* PutVarint(char* out, uint64_t v) {
  while (v >= 0x80) {
    *out++ = static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  *out++ = static_cast<char>(v);
  return out;
}

void AppendVarint(std::string* out, uint64_t v) {
  char bytes[10];
  out->append(bytes, static_cast<size_t>(PutVarint(bytes, v) - bytes));
}

bool ReadVarint(absl::string_view* in, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    const auto byte = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    *v |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

// The step's range and kind, and for kText the value's length: one append.
void AppendHead(std::string* packed, int32_t begin, int32_t end, uint64_t kind, size_t text_size = 0) {
  // Out of contract, a range is kept empty rather than make the trace unreadable.
  const int64_t from = std::max<int64_t>(0, begin), to = std::max<int64_t>(from, end);
  char bytes[30];
  char* at = PutVarint(bytes, static_cast<uint64_t>(from) << 2 | kind);
  at = PutVarint(at, static_cast<uint64_t>(to - from));
  if (kind == kText) at = PutVarint(at, text_size);
  packed->append(bytes, static_cast<size_t>(at - bytes));
}

uint64_t KindOf(absl::string_view value) { return value == "true" ? kTrue : value == "false" ? kFalse : kText; }

void AppendStep(std::string* packed, int32_t begin, int32_t end, uint64_t kind, absl::string_view value) {
  AppendHead(packed, begin, end, kind, value.size());
  if (kind == kText) packed->append(value.data(), value.size());
}

}  // namespace

void AppendTraceStep(std::string* packed, int32_t begin, int32_t end, absl::string_view value) {
  AppendStep(packed, begin, end, KindOf(value), value);
}

void TracePacker::AddBool(int32_t begin, int32_t end, bool value) {
  ++steps_;
  AppendHead(packed_, begin, end, value ? kTrue : kFalse);
}

void TracePacker::Add(int32_t begin, int32_t end, absl::string_view value) {
  const uint32_t step = steps_++;
  const uint64_t kind = KindOf(value);
  // A reference takes 1 or 2 bytes: shorter texts are written again.
  if (kind == kText && value.size() > 2) {
    for (size_t n = 0; n < texts_count_; ++n) {  // the latest first
      const Text& t = texts_[(texts_next_ + kLookBack - 1 - n) % kLookBack];
      if (t.size != value.size() || absl::string_view(packed_->data() + t.offset, t.size) != value) continue;
      AppendHead(packed_, begin, end, kRepeat);
      AppendVarint(packed_, step - t.step);
      return;
    }
  }
  AppendStep(packed_, begin, end, kind, value);
  if (kind != kText) return;
  const auto size = static_cast<uint32_t>(value.size());
  texts_[texts_next_] = {step, static_cast<uint32_t>(packed_->size()) - size, size};  // the text just appended
  texts_next_ = (texts_next_ + 1) % kLookBack;
  texts_count_ = std::min(texts_count_ + 1, kLookBack);
}

absl::StatusOr<std::vector<PackedTraceStep>> UnpackTrace(absl::string_view packed) {
  std::vector<PackedTraceStep> steps;
  const size_t size = packed.size();
  constexpr uint64_t kMax = std::numeric_limits<int32_t>::max();
  constexpr size_t kMaxUnpackedText = 16 << 20;  // far above any rule's trace
  size_t unpacked_text = 0;
  while (!packed.empty()) {
    const size_t at = size - packed.size(), number = steps.size() + 1;
    const auto broken = [&] {
      return absl::DataLossError(absl::StrCat("packed trace: step ", number, " at byte ", at, " is malformed"));
    };
    uint64_t head = 0, length = 0;
    if (!ReadVarint(&packed, &head) || !ReadVarint(&packed, &length)) return broken();
    const uint64_t begin = head >> 2, kind = head & 3;
    if (begin > kMax || length > kMax - begin) return broken();
    uint64_t back = 0;
    if (kind == kRepeat && (!ReadVarint(&packed, &back) || back == 0 || back > steps.size())) return broken();
    PackedTraceStep& step = steps.emplace_back();
    step.begin = static_cast<int32_t>(begin);
    step.end = static_cast<int32_t>(begin + length);
    if (kind == kTrue) {
      step.value = "true";
    } else if (kind == kFalse) {
      step.value = "false";
    } else if (kind == kRepeat) {
      // References multiply text: a damaged trace must not unpack to gigabytes.
      const std::string& earlier = steps[steps.size() - 1 - back].value;
      if (earlier.size() > kMaxUnpackedText - unpacked_text) return broken();
      step.value = earlier;
    } else {
      uint64_t text = 0;
      if (!ReadVarint(&packed, &text) || text > packed.size()) return broken();
      if (text > kMaxUnpackedText - unpacked_text) return broken();
      step.value.assign(packed.data(), text);
      packed.remove_prefix(text);
    }
    unpacked_text += step.value.size();
  }
  return steps;
}

}  // namespace proactive
