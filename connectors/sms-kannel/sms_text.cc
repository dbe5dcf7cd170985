#include "connectors/sms-kannel/sms_text.h"

#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/common/sha256.h"
#include "engine/common/utf8.h"

namespace proactive {

std::string DecodeKannelText(absl::string_view bytes, int coding) {
  std::string out;
  if (coding == 2) {
    for (size_t i = 0; i + 1 < bytes.size(); i += 2) {
      uint32_t unit = (static_cast<unsigned char>(bytes[i]) << 8) | static_cast<unsigned char>(bytes[i + 1]);
      if (unit >= 0xD800 && unit < 0xDC00 && i + 3 < bytes.size()) {
        uint32_t low = (static_cast<unsigned char>(bytes[i + 2]) << 8) | static_cast<unsigned char>(bytes[i + 3]);
        if (low >= 0xDC00 && low < 0xE000) {
          AppendUtf8(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), &out);
          i += 2;
          continue;
        }
      }
      if (unit >= 0xD800 && unit < 0xE000) unit = 0xFFFD;
      AppendUtf8(unit, &out);
    }
    return out;
  }
  if (IsValidUtf8(bytes)) return std::string(bytes);
  for (unsigned char c : bytes) AppendUtf8(c, &out);
  return out;
}

std::string ShortGatewayText(absl::string_view text, size_t max_bytes) {
  const std::string utf8 = DecodeKannelText(text, /*coding=*/0);
  return std::string(absl::StripAsciiWhitespace(Utf8Prefix(absl::StripAsciiWhitespace(utf8), max_bytes)));
}

std::string ReplyGatewayId(absl::string_view kannel_id, absl::string_view from, absl::Time received_at,
                           absl::string_view text) {
  if (!kannel_id.empty()) return absl::StrCat("kannel:", kannel_id);
  const std::string material = absl::StrCat(from, "\n", absl::ToUnixSeconds(received_at), "\n", text);
  return absl::StrCat("kannel-sha256:", ToHex(Sha256Digest(material)).substr(0, 32));
}

bool EscapeIdForDlrUrl(absl::string_view message_id, std::string* out) {
  out->clear();
  for (unsigned char c : message_id) {
    if (c < 0x20 || c >= 0x7F) return false;
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/' || c == ':') {
      out->push_back(static_cast<char>(c));
    } else {
      // 0x20..0x7E: the first hex digit is 2..7, never one of Kannel's
      // letter escapes.
      absl::StrAppendFormat(out, "%%%02X", c);
    }
  }
  return !out->empty();
}

}  // namespace proactive
