// Strict UTF-8 validation (RFC 3629: no overlongs, no surrogates, <= U+10FFFF)
// and encoding.
#ifndef PROACTIVE_ENGINE_COMMON_UTF8_H_
#define PROACTIVE_ENGINE_COMMON_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace proactive {

// True when `text` is valid UTF-8. Otherwise false, and `*bad_offset` (when
// not null) is the byte offset of the first invalid sequence.
bool IsValidUtf8(absl::string_view text, size_t* bad_offset = nullptr);

// Appends the UTF-8 encoding of `code_point`. REQUIRES: code_point <= 0x10FFFF.
void AppendUtf8(uint32_t code_point, std::string* out);

// The number of characters (code points) of `text`: what a reader counts,
// not bytes. REQUIRES: `text` is valid UTF-8.
size_t Utf8CharacterCount(absl::string_view text);

// The longest prefix of `text` of at most `max_bytes` bytes that does not
// end inside a character. REQUIRES: `text` is valid UTF-8.
absl::string_view Utf8Prefix(absl::string_view text, size_t max_bytes);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_COMMON_UTF8_H_
