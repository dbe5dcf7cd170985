#include "connectors/sms-kannel/sms_text.h"

#include <cstdint>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/common/sha256.h"
#include "engine/common/utf8.h"

namespace proactive {
namespace {

// Code points of UTF-8 text. REQUIRES: valid UTF-8.
std::vector<uint32_t> CodePoints(absl::string_view text) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    int length = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t cp = length == 1 ? c : length == 2 ? c & 0x1F : length == 3 ? c & 0x0F : c & 0x07;
    for (int k = 1; k < length && i + k < text.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    out.push_back(cp);
    i += length;
  }
  return out;
}

// 1 for the GSM 03.38 default alphabet, 2 for its extension table (sent as
// escape + character), 0 when not representable.
int GsmSeptets(uint32_t cp) {
  if (cp == '\n' || cp == '\r') return 1;
  if (cp >= 0x20 && cp < 0x7F) {
    switch (cp) {
      case '^':
      case '{':
      case '}':
      case '\\':
      case '[':
      case ']':
      case '~':
      case '|':
        return 2;
      case '`':
        return 0;
      default:
        return 1;
    }
  }
  switch (cp) {
    case 0x00A3:
    case 0x00A5:
    case 0x00E8:
    case 0x00E9:
    case 0x00F9:  // £¥èéù
    case 0x00EC:
    case 0x00F2:
    case 0x00C7:
    case 0x00D8:
    case 0x00F8:  // ìòÇØø
    case 0x00C5:
    case 0x00E5:
    case 0x0394:
    case 0x03A6:
    case 0x0393:  // ÅåΔΦΓ
    case 0x039B:
    case 0x03A9:
    case 0x03A0:
    case 0x03A8:
    case 0x03A3:  // ΛΩΠΨΣ
    case 0x0398:
    case 0x039E:
    case 0x00C6:
    case 0x00E6:
    case 0x00DF:  // ΘΞÆæß
    case 0x00C9:
    case 0x00A4:
    case 0x00A1:
    case 0x00C4:
    case 0x00D6:  // É¤¡ÄÖ
    case 0x00D1:
    case 0x00DC:
    case 0x00A7:
    case 0x00BF:
    case 0x00E4:  // ÑÜ§¿ä
    case 0x00F6:
    case 0x00F1:
    case 0x00FC:
    case 0x00E0:  // öñüà
      return 1;
    case 0x20AC:
    case 0x000C:  // € and form feed: extension table
      return 2;
    default:
      return 0;
  }
}

int Ceil(int n, int d) { return (n + d - 1) / d; }

}  // namespace

bool FitsGsm7(absl::string_view text) {
  if (!IsValidUtf8(text)) return false;
  for (uint32_t cp : CodePoints(text)) {
    if (GsmSeptets(cp) == 0) return false;
  }
  return true;
}

int SmsParts(absl::string_view text, int coding) {
  if (!IsValidUtf8(text)) return 1;
  int units = 0;
  for (uint32_t cp : CodePoints(text)) {
    if (coding == 0) {
      units += GsmSeptets(cp) == 0 ? 1 : GsmSeptets(cp);
    } else {
      units += cp >= 0x10000 ? 2 : 1;
    }
  }
  const int single = coding == 0 ? 160 : 70;
  const int part = coding == 0 ? 153 : 67;
  return units <= single ? 1 : Ceil(units, part);
}

std::string NormalizePhoneNumber(absl::string_view number, absl::string_view country_code) {
  std::string compact;
  for (char c : number) {
    if (c == ' ' || c == '.' || c == '-') continue;
    compact.push_back(c);
  }
  const bool plus = !compact.empty() && compact[0] == '+';
  absl::string_view digits = compact;
  if (plus) digits.remove_prefix(1);
  if (digits.empty()) return std::string(number);
  for (char c : digits) {
    if (!absl::ascii_isdigit(c)) return std::string(number);
  }
  if (plus) return compact;
  if (digits.size() > 4 && digits.substr(0, 2) == "00") return absl::StrCat("+", digits.substr(2));
  if (digits.size() >= 9 && digits[0] == '0' && !country_code.empty())
    return absl::StrCat("+", country_code, digits.substr(1));
  if (digits.size() >= 11 && digits[0] != '0') return absl::StrCat("+", digits);
  return std::string(number);
}

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
