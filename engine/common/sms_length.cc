#include "engine/common/sms_length.h"

#include <cstdint>
#include <vector>

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

int SmsUnits(absl::string_view text, int coding) {
  if (!IsValidUtf8(text)) return 0;
  int units = 0;
  for (uint32_t cp : CodePoints(text)) {
    if (coding == 0) {
      units += GsmSeptets(cp) == 0 ? 1 : GsmSeptets(cp);
    } else {
      units += cp >= 0x10000 ? 2 : 1;
    }
  }
  return units;
}

int SmsParts(absl::string_view text, int coding) {
  if (!IsValidUtf8(text)) return 1;
  const int units = SmsUnits(text, coding);
  return units <= SmsUnitsIn(1, coding) ? 1 : Ceil(units, SmsUnitsIn(2, coding) / 2);
}

}  // namespace proactive
