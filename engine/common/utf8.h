// Strict UTF-8 validation (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
#ifndef PROACTIVE_ENGINE_COMMON_UTF8_H_
#define PROACTIVE_ENGINE_COMMON_UTF8_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace proactive {

// True when `text` is valid UTF-8. Otherwise false, and `*bad_offset` (when
// not null) is the byte offset of the first invalid sequence.
bool IsValidUtf8(absl::string_view text, size_t* bad_offset = nullptr);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_COMMON_UTF8_H_
