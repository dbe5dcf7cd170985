// What a rule pack file says, as parsed from YAML and before any expression
// is compiled. See docs/rules.md for the format.
//
//   std::vector<Diagnostic> diagnostics;
//   std::optional<PackSpec> pack = ParsePackFile(text,
//   "rules/paris/heatwave.yaml", &diagnostics);
#ifndef PROACTIVE_ENGINE_RULES_PACK_SPEC_H_
#define PROACTIVE_ENGINE_RULES_PACK_SPEC_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "engine/common/sms_length.h"
#include "engine/common/time_limit.h"
#include "engine/schema/attribute_schema.h"

namespace proactive {

// A position in a source file (1-based), for diagnostics.
struct SourcePosition {
  int line = 0;
  int column = 0;
};

// An expression as written in a pack, with where each of its characters
// came from in the file (block scalars fold lines together).
struct ExpressionSource {
  std::string text;
  std::string what;  // "when", "once_per", "action.parameters.school"
  SourcePosition start;
  // File position of each character of `text`; empty when unknown (then
  // every diagnostic points at `start`).
  std::vector<SourcePosition> positions;

  // The file position of the character at 1-based (line, column) of `text`.
  SourcePosition FilePosition(int line, int column) const;
};

enum class ActionKind { kNotify, kPropose, kGrant, kRefer };
absl::string_view ActionKindName(ActionKind kind);

enum class WithoutReply { kLapse, kAccept };

struct ActionSpec {
  ActionKind kind = ActionKind::kNotify;
  std::string service;
  std::optional<ExpressionSource> recipients;                        // list(person); default: the subject
  std::vector<std::pair<std::string, ExpressionSource>> parameters;  // declaration order
  // propose only
  int reply_deadline_days = 0;
  WithoutReply without_reply = WithoutReply::kLapse;
  std::map<std::string, std::string> message;  // language -> template
  bool letter = false;                         // fall back to a postal letter without a phone
  bool urgent = false;                         // may be sent during quiet hours
  std::string review;                          // "" or "before_notify"
  std::optional<TimeLimit> recourse_window;
  std::optional<TimeLimit> review_within;  // time a caseworker has to review a contest
};

struct TriggerSpec {
  std::vector<std::string> events;  // attribute names; empty = none
  std::string broadcast;            // topic; "" = none
  bool daily = false;
};

struct RuleSpec {
  std::string id;
  std::string title;
  std::string purpose;
  std::vector<std::string> legal_basis;
  std::optional<absl::CivilDay> effective_from;
  std::optional<absl::CivilDay> effective_until;
  TriggerSpec trigger;
  ExpressionSource when;
  ExpressionSource once_per;
  ActionSpec action;
  SourcePosition position;  // the rule's "id"
  std::string canonical;    // normalised YAML of the rule, hashed into its version
};

// A parameter whose value changes over time: the value applying on a date is
// the one with the latest `since` on or before it.
struct DatedValue {
  absl::CivilDay since;
  std::string text;  // as written; typed when compiled
  SourcePosition position;
};

struct ParameterSpec {
  std::string name;
  TypeSpec type;
  std::string description;
  std::string legal_basis;
  std::vector<DatedValue> values;  // sorted by `since`
  SourcePosition position;
};

struct PackSpec {
  std::string file;
  std::string pack;  // "paris.heatwave"
  std::string version;
  std::string title;
  std::string owner;
  std::vector<ParameterSpec> parameters;
  std::vector<RuleSpec> rules;
};

// rules/city.yaml: settings shared by all packs.
// A citizen's text in each language: "fr" and "en" -> template.
using LocalizedText = std::map<std::string, std::string>;

// The engine's own messages to citizens (city.yaml `messages`), each a
// template in both languages. What each may name is in `kCityMessages`
// (pack_parser.cc); unknown {names} are refused when the pack loads.
struct CityMessages {
  LocalizedText accepted;  // the citizen accepted an offer: {title}
  // No answer came by the reply deadline of an offer whose rule accepts it
  // then (without_reply: accept): {title}. Like `accepted`, it tells the
  // formal decision: the time to contest it starts when it reaches them.
  // Optional in city.yaml; a rule that accepts without reply needs it.
  LocalizedText accepted_by_default;
  LocalizedText declined;  // ... declined it: {title}
  // A contest is recorded: {title} {reference} {received_on} {review_by}
  // (the case's due date) {deemed_rejected_on} (two months: CRPA L231-4).
  LocalizedText contest_received;
  LocalizedText review_upheld;      // a caseworker's outcome: {title} {reference} {reason}
  LocalizedText review_amended;     // same names
  LocalizedText review_overturned;  // same names
  // An offer upheld or amended after a review while it waited for its answer
  // (contested before answering) waits for it again, with a new deadline:
  // {title} {reference} {deadline}. Optional in city.yaml; without it the
  // citizen has only the review's outcome.
  LocalizedText offer_open_again;
  LocalizedText forwarded;  // reply to an SMS a caseworker will read
  LocalizedText opted_out;  // reply to STOP
};

// Bounds of the time limits a city or a rule sets (days; a month counts 31).
inline constexpr int kMaxRecourseWindowDays = 3650;
inline constexpr int kMaxReviewDays = 365;
inline constexpr int kMaxLetterDeliveryDays = 30;

struct CitySpec {
  std::string city;
  std::string timezone = "Europe/Paris";
  std::map<std::string, std::string> algorithm_notice;  // language -> text with {reference}
  // Ends the message telling the outcome of a contest instead: the decision
  // cannot be contested again, the administrative court remains. Empty: the
  // algorithm notice.
  std::map<std::string, std::string> review_notice;
  CityMessages messages;
  // Parts of a long SMS the gateway sends (the connector's --max_parts): a
  // command whose message to the citizen would need more is refused.
  int sms_max_parts = kDefaultSmsMaxParts;
  // Time to contest a decision, from the day it is issued; time a caseworker
  // has to review a contest, from the day it is received.
  TimeLimit recourse_window = TimeLimit::Months(2);
  TimeLimit review_within = TimeLimit::Months(2);
  // Where messages come from and go: the attribute holding a person's mobile
  // number and the one holding their language; quiet hours (local time)
  // during which only urgent messages are sent.
  std::string sms_attribute = "phone";
  // The country a national number ("06 39 98 00 02") is in: "33". Numbers
  // are indexed, and replies matched, in E.164 (NormalizePhoneNumber); ""
  // leaves national numbers as written.
  std::string phone_country_code;
  std::string language_attribute = "preferred_language";
  // The person attribute (int or string) naming the district a person lives
  // in: each decision keeps its subject's, for the impact statistics by
  // district (Audit.GetStatistics). Empty: decisions keep none.
  std::string district_attribute;
  int district_attribute_line = 0;  // in city.yaml, for the rule set's check of it
  int quiet_from_hour = 21;
  int quiet_until_hour = 8;
  // Working days (Monday to Friday, public holidays excepted) a posted
  // letter is taken to need to reach its recipient (La Poste's lettre verte:
  // three, counting Saturdays: this gives a little more). A notification by post dates, for its
  // recipient, from its receipt (Code de procédure civile, art. 668): the
  // time to contest a decision sent by letter runs from then.
  int letter_delivery_days = 3;
  // Raw person events older than this (by reception) lose their payload in
  // the event log; 0 keeps them forever. Person states and decisions keep
  // what they hold.
  int event_retention_days = 0;
};

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_RULES_PACK_SPEC_H_
