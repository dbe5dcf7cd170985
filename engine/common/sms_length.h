// How long a text message is once sent: the GSM 03.38 alphabet or UCS-2, and
// the parts a long SMS is cut into. Shared by the engine, which refuses to
// compose a message the SMS gateway could not send, and the Kannel connector,
// which picks the coding.
//
//   int coding = FitsGsm7(text) ? 0 : 2;  // Kannel's sendsms &coding=
//   int parts = SmsParts(text, coding);   // 1 up to 160 GSM / 70 UCS-2 characters
#ifndef PROACTIVE_ENGINE_COMMON_SMS_LENGTH_H_
#define PROACTIVE_ENGINE_COMMON_SMS_LENGTH_H_

#include "absl/strings/string_view.h"

namespace proactive {

// The parts of a long SMS the engine and the connector allow unless told
// otherwise (city.yaml sms_max_parts, the connector's --max_parts, which
// must agree): 6 parts, 402 UCS-2 characters.
inline constexpr int kDefaultSmsMaxParts = 6;

// True when every character of the UTF-8 `text` is in the GSM 03.38 default
// alphabet or its extension table (so Kannel can send it with coding 0, 160
// characters a part, 153 when concatenated). French needs UCS-2 (coding 2,
// 70 / 67 a part) as soon as a text has "ê", "ç", "â", "î", "ô", "û", "œ" or
// typographic quotes; "é", "è", "à", "ù" are GSM.
bool FitsGsm7(absl::string_view text);

// How many SMS parts Kannel sends for `text` with `coding` (0 or 2).
int SmsParts(absl::string_view text, int coding);

// The length of `text` in `coding`'s units: GSM septets (2 for the extension
// table's characters) or UTF-16 code units. 0 for text that is not UTF-8.
int SmsUnits(absl::string_view text, int coding);

// The most units `parts` SMS carry: one holds 160 (GSM) or 70 (UCS-2); each
// part of a long, concatenated one 153 or 67.
constexpr int SmsUnitsIn(int parts, int coding) {
  return parts <= 1 ? (coding == 0 ? 160 : 70) : parts * (coding == 0 ? 153 : 67);
}

// The parts of `text` sent with the smallest coding it fits (GSM 03.38, else
// UCS-2), as the connector sends by default.
inline int SmsPartsAsSent(absl::string_view text) { return SmsParts(text, FitsGsm7(text) ? 0 : 2); }

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_COMMON_SMS_LENGTH_H_
