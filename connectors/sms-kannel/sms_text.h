// Text and number conversions between the engine (UTF-8 text, E.164
// numbers) and Kannel (GSM 03.38 or UCS-2 codings, numbers as the SMS centre
// writes them).
//
//   int coding = FitsGsm7(text) ? 0 : 2;    // sendsms &coding=
//   std::string from = NormalizePhoneNumber("0639980002", "33");
//   // "+33639980002"
//   std::string text = DecodeKannelText(bytes, /*coding=*/2);  // UCS-2 ->
//   UTF-8
#ifndef PROACTIVE_CONNECTORS_SMS_KANNEL_SMS_TEXT_H_
#define PROACTIVE_CONNECTORS_SMS_KANNEL_SMS_TEXT_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/common/phone_number.h"  // NormalizePhoneNumber
#include "engine/common/sms_length.h"    // FitsGsm7, SmsParts

namespace proactive {

// The UTF-8 text of a message Kannel reports with `coding` (the %c escape):
// 2 is UCS-2/UTF-16 big-endian; otherwise the bytes are taken as UTF-8 when
// valid, else as ISO-8859-1.
std::string DecodeKannelText(absl::string_view bytes, int coding);

// What Kannel or an SMS centre said (a sendsms answer, a delivery report's
// %A), as UTF-8 (ISO-8859-1 when not valid UTF-8) cut to at most
// `max_bytes` at a character boundary: the engine keeps a failure's text as
// the gateway gives it, and this keeps it readable.
std::string ShortGatewayText(absl::string_view text, size_t max_bytes);

// The id a reply is known by in the engine (ReportReplyRequest's
// gateway_message_id): "kannel:" + Kannel's message id (%I), or, when Kannel
// gave none, "kannel-sha256:" + the first 32 hex digits of the SHA-256 of
// sender, time and text, so that the same SMS reported twice has one id.
std::string ReplyGatewayId(absl::string_view kannel_id, absl::string_view from, absl::Time received_at,
                           absl::string_view text);

// Percent-encodes a message id for a dlr-url. Kannel reads "%" followed by a
// letter as one of its escapes (%d, %A...), so only ids whose escaped bytes
// start with a digit are safe: false for ids with bytes outside printable
// ASCII.
bool EscapeIdForDlrUrl(absl::string_view message_id, std::string* out);

}  // namespace proactive

#endif  // PROACTIVE_CONNECTORS_SMS_KANNEL_SMS_TEXT_H_
