// Phone numbers as one form, E.164, whatever form a back office or an SMS
// centre wrote them in: the engine indexes a person's number so, and the
// SMS connector gives a reply's sender so, so that the two meet.
//
//   NormalizePhoneNumber("06 39 98 00 02", "33");  // "+33639980002"
#ifndef PROACTIVE_ENGINE_COMMON_PHONE_NUMBER_H_
#define PROACTIVE_ENGINE_COMMON_PHONE_NUMBER_H_

#include <string>

#include "absl/strings/string_view.h"

namespace proactive {

// An E.164 number ("+33639980002") from the forms SMS centres use:
// "+33639980002", "0033639980002", "33639980002" (international without
// "+", at least 11 digits) and national "0639980002" (prefixed with
// `country_code`, e.g. "33"). Spaces, dots, dashes and a bracketed trunk
// prefix ("+33 (0)6 …") are dropped. Anything
// else (short codes, alphanumeric senders) is returned as given.
std::string NormalizePhoneNumber(absl::string_view number, absl::string_view country_code);

// True for text that is a phone number as people type one: an optional "+"
// (or "(+"), then 6 to 15 digits between spaces, no-break spaces, dots,
// dashes, slashes or brackets. For an erasure: what an older engine may
// have indexed.
bool LooksLikePhoneNumber(absl::string_view text);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_COMMON_PHONE_NUMBER_H_
