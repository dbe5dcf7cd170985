// The texts the engine sends citizens: a template rendered with its values,
// then the city's notice for the message's kind. Shared by the outbox, which
// composes messages, and the rule set, which refuses at load a pack whose
// messages could not be sent in the SMS parts the city's gateway allows.
//
//   std::string text = RenderCitizenText(city.messages.accepted, {{"title", t}}, "fr", city,
//                                        kAcceptedMessageKind);
#ifndef PROACTIVE_ENGINE_RULES_CITIZEN_TEXT_H_
#define PROACTIVE_ENGINE_RULES_CITIZEN_TEXT_H_

#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/rules/pack_spec.h"

namespace proactive {

// The kinds of messages: a rule's own ("decision"), and the engine's
// (DecisionCommands). The outcome of a review ends with the city's review
// notice; the acknowledgement of a contest ends with no notice (it decides
// nothing); the others with the algorithm notice.
inline constexpr char kDecisionMessageKind[] = "decision";
inline constexpr char kAcceptedMessageKind[] = "accepted";
inline constexpr char kDeclinedMessageKind[] = "declined";
inline constexpr char kContestReceivedMessageKind[] = "contest-received";
inline constexpr char kReviewMessageKind[] = "review";
// An offer reviewed while it waited for its answer waits for it again: until
// when (no notice: it decides nothing). Its id sorts after the review's
// ("<decision>/review/1"), so that it leaves, or is printed, after it.
inline constexpr char kAnswerAgainMessageKind[] = "reviewed-answer-again";
// A decision amended on review, told again with its new parameters after the
// review's outcome (no notice: that outcome carries it). Its id sorts after
// the review's too.
inline constexpr char kAmendedMessageKind[] = "reviewed-amended";

// Characters of a decision's reference code ("7K2M9Q"), the start of its id.
inline constexpr int kReferenceCodeLength = 6;

// A date as the texts to citizens give it ("20/07/2026"), in `zone`.
std::string CitizenDate(absl::Time t, absl::TimeZone zone);

// Replaces {name} in `text` with `values[name]`; unknown names stay as they
// are.
std::string RenderTemplate(absl::string_view text, const std::map<std::string, std::string>& values);

// Why the braces of a template do not pair ("{" never closed, "}" never
// opened, "{" inside a name); empty when they do. A citizen would otherwise
// read the braces.
std::string UnpairedBraces(absl::string_view text);

// The {name}s a template uses, in order.
std::vector<std::string> Placeholders(absl::string_view text);

// `texts` in `language` (else French) rendered with `values`, then the
// city's notice for `kind`, rendered with the same values.
std::string RenderCitizenText(const LocalizedText& texts, const std::map<std::string, std::string>& values,
                              const std::string& language, const CitySpec& city, absl::string_view kind);

// Characters to cut from `text` for it to fit in `max_parts` SMS parts (in
// its coding: GSM 7-bit, or UCS-2 when one character needs it); 0 when it
// fits.
int SmsCharactersOver(absl::string_view text, int max_parts);

// Why `text` cannot be sent in `max_parts` SMS parts ("7 SMS parts long; the
// gateway sends at most 6 (city.yaml sms_max_parts): shorten it by at least
// 40 characters"); empty when it can.
std::string SmsTooLong(absl::string_view text, int max_parts);

// What the engine may send about a decision of `rule` that would exceed the
// city's sms_max_parts whatever happens: the rule's message with its
// parameters empty, and the city's messages (acceptance and refusal of an
// offer, the contest's acknowledgement, the review's outcomes with an empty
// reason) with this rule's title. One item per message and language:
// "contest_received in fr: 7 parts, 40 characters too many".
std::vector<std::string> MessagesTooLongForSms(const RuleSpec& rule, const CitySpec& city);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_RULES_CITIZEN_TEXT_H_
