#include "engine/rules/citizen_text.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/common/sms_length.h"

namespace proactive {

// Why the braces of a message template do not pair ("{" never closed, "}"
// never opened, "{" inside a name); empty when they do. A citizen would
// otherwise read the braces.
std::string UnpairedBraces(absl::string_view text) {
  bool open = false;
  for (char c : text) {
    if (c == '{') {
      if (open) return "has \"{\" inside a {name}";
      open = true;
    } else if (c == '}') {
      if (!open) return "has \"}\" without \"{\"";
      open = false;
    }
  }
  return open ? "has \"{\" without \"}\"" : "";
}

// "{name}" placeholders of a message template.
std::vector<std::string> Placeholders(absl::string_view text) {
  std::vector<std::string> names;
  for (size_t open = text.find('{'); open != absl::string_view::npos; open = text.find('{', open + 1)) {
    size_t close = text.find('}', open);
    if (close == absl::string_view::npos) break;
    names.emplace_back(text.substr(open + 1, close - open - 1));
  }
  return names;
}

std::string CitizenDate(absl::Time t, absl::TimeZone zone) { return absl::FormatTime("%d/%m/%Y", t, zone); }

std::string RenderTemplate(absl::string_view text, const std::map<std::string, std::string>& values) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t open = text.find('{', i);
    if (open == absl::string_view::npos) break;
    size_t close = text.find('}', open);
    if (close == absl::string_view::npos) break;
    absl::StrAppend(&out, text.substr(i, open - i));
    auto it = values.find(std::string(text.substr(open + 1, close - open - 1)));
    absl::StrAppend(&out, it != values.end() ? absl::string_view(it->second) : text.substr(open, close - open + 1));
    i = close + 1;
  }
  absl::StrAppend(&out, text.substr(i));
  return out;
}

std::string RenderCitizenText(const LocalizedText& texts, const std::map<std::string, std::string>& values,
                              const std::string& language, const CitySpec& city, absl::string_view kind) {
  auto text = texts.find(language);
  if (text == texts.end()) text = texts.find("fr");
  std::string body = text == texts.end() ? "" : RenderTemplate(text->second, values);
  if (kind == kContestReceivedMessageKind || kind == kAnswerAgainMessageKind || kind == kAmendedMessageKind)
    return body;
  const LocalizedText& notices =
      kind == kReviewMessageKind && !city.review_notice.empty() ? city.review_notice : city.algorithm_notice;
  auto notice = notices.find(language);
  if (notice != notices.end()) absl::StrAppend(&body, " ", RenderTemplate(notice->second, values));
  return body;
}

int SmsCharactersOver(absl::string_view text, int max_parts) {
  if (SmsPartsAsSent(text) <= max_parts) return 0;
  const int coding = FitsGsm7(text) ? 0 : 2;
  return std::max(SmsUnits(text, coding) - SmsUnitsIn(max_parts, coding), 1);
}

std::string SmsTooLong(absl::string_view text, int max_parts) {
  const int over = SmsCharactersOver(text, max_parts);
  if (over == 0) return "";
  return absl::StrCat(SmsPartsAsSent(text), " SMS parts long; the gateway sends at most ", max_parts,
                      " (city.yaml sms_max_parts): shorten it by at least ", over,
                      over > 1 ? " characters" : " character");
}

std::vector<std::string> MessagesTooLongForSms(const RuleSpec& rule, const CitySpec& city) {
  struct Sent {
    std::string what;
    const LocalizedText* texts;
    const char* kind;
  };
  std::vector<Sent> sent = {{"its message (parameters empty)", &rule.action.message, kDecisionMessageKind},
                            {"contest_received", &city.messages.contest_received, kContestReceivedMessageKind}};
  if (rule.action.kind == ActionKind::kPropose) {
    sent.push_back({"accepted", &city.messages.accepted, kAcceptedMessageKind});
    if (rule.action.without_reply == WithoutReply::kAccept) {
      sent.push_back({"accepted_by_default", &city.messages.accepted_by_default, kAcceptedMessageKind});
    }
    sent.push_back({"declined", &city.messages.declined, kDeclinedMessageKind});
    if (!city.messages.offer_open_again.empty()) {
      sent.push_back({"offer_open_again", &city.messages.offer_open_again, kAnswerAgainMessageKind});
    }
  }
  sent.push_back({"review_upheld (reason empty)", &city.messages.review_upheld, kReviewMessageKind});
  sent.push_back({"review_amended (reason empty)", &city.messages.review_amended, kReviewMessageKind});
  sent.push_back({"review_overturned (reason empty)", &city.messages.review_overturned, kReviewMessageKind});
  // The values the engine fills, at their longest; the others empty.
  const std::string date = "31/12/2026";
  const std::map<std::string, std::string> filled = {
      {"title", rule.title},        {"reference", std::string(kReferenceCodeLength, 'X')},
      {"received_on", date},        {"review_by", date},
      {"deemed_rejected_on", date}, {"deadline", date}};
  std::vector<std::string> too_long;
  for (const Sent& s : sent) {
    for (const auto& [language, text] : *s.texts) {
      std::map<std::string, std::string> values = filled;
      for (const std::string& name : Placeholders(text)) values.emplace(name, "");
      const std::string rendered = RenderCitizenText(*s.texts, values, language, city, s.kind);
      if (const int over = SmsCharactersOver(rendered, city.sms_max_parts); over > 0) {
        too_long.push_back(absl::StrCat(s.what, " in ", language, ": ", SmsPartsAsSent(rendered), " parts, ", over,
                                        over > 1 ? " characters" : " character", " too many"));
      }
    }
  }
  return too_long;
}

}  // namespace proactive
