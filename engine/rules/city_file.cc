#include "engine/rules/city_file.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "engine/rules/citizen_text.h"
#include "engine/schema/yaml_file.h"

namespace proactive {

namespace {

// The engine's own messages in city.yaml, the {names} each may use, and the
// one it must use with why.
struct CityMessage {
  const char* key;
  LocalizedText CityMessages::*field;
  std::vector<std::string> names;
  const char* what;
  const char* required = nullptr;
  const char* required_because = nullptr;
  // Only a rule that needs it asks for it (RuleSet), so that a city.yaml
  // written before it was added still loads.
  bool optional = false;
};
const CityMessage kCityMessages[] = {
    {"accepted", &CityMessages::accepted, {"title", "reference"}, "the citizen accepted an offer"},
    {"accepted_by_default",
     &CityMessages::accepted_by_default,
     {"title", "reference"},
     "no answer came by the deadline and the offer was accepted, as its rule provides",
     nullptr,
     nullptr,
     /*optional=*/true},
    {"declined", &CityMessages::declined, {"title", "reference"}, "the citizen declined an offer"},
    {"contest_received",
     &CityMessages::contest_received,
     {"title", "reference", "received_on", "review_by", "deemed_rejected_on"},
     "a contest is recorded (CRPA L112-3: every request is acknowledged)",
     "deemed_rejected_on",
     "an acknowledgement says the day silence rejects the request (CRPA R112-5, L231-4)"},
    {"review_upheld",
     &CityMessages::review_upheld,
     {"title", "reference", "reason"},
     "a caseworker upheld it",
     "reason",
     "the caseworker's reason is sent to the citizen"},
    {"review_amended",
     &CityMessages::review_amended,
     {"title", "reference", "reason"},
     "a caseworker amended it",
     "reason",
     "the caseworker's reason is sent to the citizen"},
    {"review_overturned",
     &CityMessages::review_overturned,
     {"title", "reference", "reason"},
     "a caseworker overturned it",
     "reason",
     "the caseworker's reason is sent to the citizen"},
    {"offer_open_again",
     &CityMessages::offer_open_again,
     {"title", "reference", "deadline"},
     "an offer reviewed while it waited for its answer waits for it again",
     "deadline",
     "the citizen is told until when they may answer",
     /*optional=*/true},
    {"forwarded", &CityMessages::forwarded, {}, "the reply to an SMS a caseworker will read"},
    {"opted_out", &CityMessages::opted_out, {}, "the reply to STOP"},
};

// An error on `node` for braces that do not pair, and for each {name} of
// `text` not in `known`.
void CheckNames(YamlFile* file, const YAML::Node& node, absl::string_view where, absl::string_view text,
                const std::vector<std::string>& known) {
  if (std::string unpaired = UnpairedBraces(text); !unpaired.empty()) {
    file->Error(node, absl::StrCat(where, " ", unpaired));
    return;
  }
  for (const std::string& name : Placeholders(text)) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      file->Error(node,
                  absl::StrCat(where, " uses {", name, "}; it may use ",
                               known.empty() ? "no {name}" : absl::StrCat("{", absl::StrJoin(known, "}, {"), "}")));
    }
  }
}

}  // namespace

std::optional<CitySpec> ParseCityFile(absl::string_view text, absl::string_view file_name,
                                      std::vector<Diagnostic>* diagnostics, CityFileOrigin origin) {
  YamlFile file{std::string(text), std::string(file_name)};
  CitySpec city;
  if (file.Parse()) {
    const YAML::Node& root = file.root();
    if (!root.IsMap()) {
      file.ErrorAt(1, 1,
                   "city.yaml is a map with city, timezone, algorithm_notice, messages, "
                   "recourse_window...");
    } else {
      file.CheckKeys(
          root, "city.yaml",
          {"city", "timezone", "algorithm_notice", "review_notice", "messages", "sms_max_parts", "recourse_window",
           "recourse_window_days", "review_within", "review_sla_days", "sms_attribute", "phone_country_code",
           "language_attribute", "district_attribute", "quiet_hours", "event_retention_days", "letter_delivery_days"});
      if (root["city"]) city.city = file.String(root["city"], "city").value_or("");
      if (root["timezone"]) city.timezone = file.String(root["timezone"], "timezone").value_or("");
      absl::TimeZone zone;
      if (!absl::LoadTimeZone(city.timezone, &zone)) {
        file.Error(root["timezone"] ? root["timezone"] : root,
                   absl::StrCat("unknown time zone \"", city.timezone, "\" (e.g. Europe/Paris)"));
      }
      // A text per language ({fr: ..., en: ...}) ending the citizens' messages.
      const auto read_notice = [&](const char* name, const char* missing, std::map<std::string, std::string>* out) {
        const YAML::Node notice = root[name];
        if (!notice && missing == nullptr) return;  // optional
        if (!notice || !notice.IsMap()) {
          file.Error(notice ? notice : root,
                     missing != nullptr ? missing : absl::StrCat(name, " is {fr: ..., en: ...}"));
          return;
        }
        file.CheckKeys(notice, name, {"fr", "en"});
        for (const char* language : {"fr", "en"}) {
          if (!notice[language]) {
            file.Error(notice, absl::StrCat(name, " needs \"", language, "\""));
          } else {
            (*out)[language] = file.String(notice[language], language).value_or("");
          }
        }
      };
      read_notice("algorithm_notice", "city.yaml needs algorithm_notice: {fr: ..., en: ...} (CRPA art. L311-3-1)",
                  &city.algorithm_notice);
      read_notice("review_notice", nullptr, &city.review_notice);
      for (const auto& [language, text] : city.algorithm_notice) {
        CheckNames(&file, root["algorithm_notice"][language], absl::StrCat("algorithm_notice.", language), text,
                   {"reference"});
      }
      for (const auto& [language, text] : city.review_notice) {
        CheckNames(&file, root["review_notice"][language], absl::StrCat("review_notice.", language), text,
                   {"reference"});
      }
      if (!root["messages"] && origin == CityFileOrigin::kStoredSnapshot) {
        // Written before the engine's messages were the city's.
      } else if (const YAML::Node messages = root["messages"]; !messages || !messages.IsMap()) {
        file.Error(messages ? messages : root,
                   "city.yaml needs messages: the engine's own texts to citizens (accepted, declined, "
                   "contest_received, review_upheld, review_amended, review_overturned, forwarded, opted_out), "
                   "each {fr: ..., en: ...}");
      } else {
        std::vector<absl::string_view> keys;
        for (const CityMessage& m : kCityMessages) keys.push_back(m.key);
        file.CheckKeys(messages, "messages", keys);
        for (const CityMessage& m : kCityMessages) {
          const YAML::Node texts = messages[m.key];
          if (!texts) {
            // A stored snapshot's messages are never sent, and it may be
            // older than a message.
            if (origin == CityFileOrigin::kRunning && !m.optional) {
              file.Error(messages, absl::StrCat("messages needs ", m.key, ": {fr: ..., en: ...} (", m.what, ")"));
            }
            continue;
          }
          if (!texts.IsMap()) {
            file.Error(texts, absl::StrCat("messages.", m.key, " is {fr: ..., en: ...}, a text per language"));
            continue;
          }
          file.CheckKeys(texts, m.key, {"fr", "en"});
          LocalizedText& out = city.messages.*(m.field);
          for (const char* language : {"fr", "en"}) {
            if (!texts[language]) {
              file.Error(texts, absl::StrCat("messages.", m.key, " needs \"", language, "\""));
              continue;
            }
            out[language] = file.String(texts[language], language).value_or("");
            CheckNames(&file, texts[language], absl::StrCat("messages.", m.key, ".", language), out[language], m.names);
            const std::vector<std::string> used = Placeholders(out[language]);
            // A stored snapshot's messages are never sent: only the running
            // city's are (and a name required since is no reason to lose it).
            if (m.required != nullptr && origin == CityFileOrigin::kRunning &&
                std::find(used.begin(), used.end(), m.required) == used.end()) {
              file.Error(texts[language], absl::StrCat("messages.", m.key, ".", language, " must name {", m.required,
                                                       "}: ", m.required_because));
            }
          }
        }
      }
      if (const YAML::Node parts = root["sms_max_parts"]) {
        if (auto n = file.Int(parts, "sms_max_parts")) {
          if (*n < 1 || *n > 255) {
            file.Error(parts, "sms_max_parts is the parts of a long SMS the gateway sends, 1 to 255");
          } else {
            city.sms_max_parts = static_cast<int>(*n);
          }
        }
      }
      if (auto window = file.TimeLimitIn(root, "recourse_window", "recourse_window_days", kMaxRecourseWindowDays)) {
        city.recourse_window = *window;
      }
      if (auto within = file.TimeLimitIn(root, "review_within", "review_sla_days", kMaxReviewDays)) {
        city.review_within = *within;
      }
      if (root["sms_attribute"]) city.sms_attribute = file.String(root["sms_attribute"], "sms_attribute").value_or("");
      if (const YAML::Node code = root["phone_country_code"]) {
        city.phone_country_code = file.String(code, "phone_country_code").value_or("");
        if (city.phone_country_code.empty() || city.phone_country_code.size() > 3 ||
            !std::all_of(city.phone_country_code.begin(), city.phone_country_code.end(),
                         [](char c) { return c >= '0' && c <= '9'; })) {
          file.Error(code, "phone_country_code is the country's calling code, 1 to 3 digits (\"33\" for France)");
        }
      }
      if (root["language_attribute"]) {
        city.language_attribute = file.String(root["language_attribute"], "language_attribute").value_or("");
      }
      if (const YAML::Node district = root["district_attribute"]) {
        city.district_attribute = file.String(district, "district_attribute").value_or("");
        city.district_attribute_line = district.Mark().line + 1;
      }
      if (const YAML::Node retention = root["event_retention_days"]) {
        if (auto days = file.Int(retention, "event_retention_days")) {
          if (*days < 0 || *days > 36500) {
            file.Error(retention,
                       "event_retention_days is a number of days, 0 (keep "
                       "forever) to 36500");
          } else {
            city.event_retention_days = static_cast<int>(*days);
          }
        }
      }
      if (const YAML::Node delivery = root["letter_delivery_days"]) {
        if (auto days = file.Int(delivery, "letter_delivery_days")) {
          if (*days < 0 || *days > kMaxLetterDeliveryDays) {
            file.Error(delivery, absl::StrCat("letter_delivery_days is the working days a posted letter takes to "
                                              "arrive, 0 to ",
                                              kMaxLetterDeliveryDays));
          } else {
            city.letter_delivery_days = static_cast<int>(*days);
          }
        }
      }
      if (const YAML::Node quiet = root["quiet_hours"]) {
        file.CheckKeys(quiet, "quiet_hours", {"from", "until"});
        if (quiet["from"]) city.quiet_from_hour = static_cast<int>(file.Int(quiet["from"], "from").value_or(21));
        if (quiet["until"]) city.quiet_until_hour = static_cast<int>(file.Int(quiet["until"], "until").value_or(8));
        if (city.quiet_from_hour < 0 || city.quiet_from_hour > 23 || city.quiet_until_hour < 0 ||
            city.quiet_until_hour > 23) {
          file.Error(quiet, "quiet_hours are hours of the day, 0 to 23");
        }
      }
    }
  }
  if (file.has_errors()) {
    for (Diagnostic& d : file.TakeDiagnostics()) diagnostics->push_back(std::move(d));
    return std::nullopt;
  }
  return city;
}

}  // namespace proactive
