#include "engine/rules/pack_parser.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "engine/common/text_formats.h"
#include "engine/rules/expression_source.h"
#include "engine/schema/yaml_file.h"

namespace proactive {
namespace {

bool IsRuleId(absl::string_view id) {
  if (id.empty() || !absl::ascii_islower(static_cast<unsigned char>(id[0]))) return false;
  for (char c : id) {
    if (!(absl::ascii_islower(static_cast<unsigned char>(c)) || absl::ascii_isdigit(static_cast<unsigned char>(c)) ||
          c == '.' || c == '-' || c == '_')) {
      return false;
    }
  }
  return true;
}

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

class PackParser {
 public:
  PackParser(absl::string_view text, absl::string_view file_name) : file_(std::string(text), std::string(file_name)) {}

  std::optional<PackSpec> Parse(std::vector<Diagnostic>* diagnostics) {
    PackSpec pack;
    pack.file = file_.file_name();
    if (file_.Parse()) ParseRoot(&pack);
    if (file_.has_errors()) {
      for (Diagnostic& d : file_.TakeDiagnostics()) diagnostics->push_back(std::move(d));
      return std::nullopt;
    }
    return pack;
  }

 private:
  std::string Text(const YAML::Node& parent, const char* key, absl::string_view what, bool required) {
    const YAML::Node node = parent[key];
    if (!node) {
      if (required) file_.Error(parent, absl::StrCat(what, " needs \"", key, "\""));
      return "";
    }
    std::optional<std::string> value = file_.String(node, key);
    if (value && required && absl::StripAsciiWhitespace(*value).empty()) {
      file_.Error(node, absl::StrCat("\"", key, "\" must not be empty"));
    }
    return value ? std::string(absl::StripAsciiWhitespace(*value)) : "";
  }

  std::optional<absl::CivilDay> Date(const YAML::Node& node, absl::string_view what) {
    std::optional<std::string> text = file_.String(node, what);
    if (!text) return std::nullopt;
    absl::StatusOr<absl::CivilDay> day = ParseIsoDate(*text);
    if (!day.ok()) {
      file_.Error(node, absl::StrCat(what, ": ", day.status().message()));
      return std::nullopt;
    }
    return *day;
  }

  ExpressionSource Expression(const YAML::Node& parent, const char* key, std::string what, bool required) {
    const YAML::Node node = parent[key];
    if (!node) {
      if (required) file_.Error(parent, absl::StrCat("rule needs \"", key, "\" (an expression)"));
      return ExpressionSource{};
    }
    if (!node.IsScalar()) {
      file_.Error(node, absl::StrCat("\"", key, "\" must be an expression (text)"));
      return ExpressionSource{};
    }
    return ExpressionSourceFromScalar(node, file_.text(), std::move(what));
  }

  void ParseRoot(PackSpec* pack) {
    const YAML::Node& root = file_.root();
    if (!root.IsMap()) {
      file_.ErrorAt(1, 1,
                    "a rule pack is a map with \"pack\", \"version\", "
                    "\"title\" and \"rules\"");
      return;
    }
    file_.CheckKeys(root, "the pack", {"pack", "version", "title", "owner", "parameters", "rules"});
    pack->pack = Text(root, "pack", "the pack", true);
    if (!pack->pack.empty() && !IsRuleId(pack->pack)) {
      file_.Error(root["pack"], "the pack name must be lower-case words joined by '.' or '-'");
    }
    pack->version = Text(root, "version", "the pack", true);
    pack->title = Text(root, "title", "the pack", true);
    pack->owner = Text(root, "owner", "the pack", false);
    if (root["parameters"]) ParseParameters(root["parameters"], pack);
    const YAML::Node rules = root["rules"];
    if (!rules || !rules.IsSequence() || rules.size() == 0) {
      file_.Error(rules ? rules : root, "\"rules\" must be a non-empty list of rules");
      return;
    }
    std::set<std::string> ids;
    for (const YAML::Node& node : rules) {
      RuleSpec rule;
      if (!ParseRule(node, *pack, &rule)) continue;
      if (!ids.insert(rule.id).second) {
        file_.Error(node["id"], absl::StrCat("rule id \"", rule.id, "\" is used twice in this pack"));
        continue;
      }
      pack->rules.push_back(std::move(rule));
    }
  }

  void ParseParameters(const YAML::Node& node, PackSpec* pack) {
    if (!node.IsMap()) {
      file_.Error(node, "\"parameters\" must be a map from name to {type, values}");
      return;
    }
    for (const auto& entry : node) {
      ParameterSpec parameter;
      parameter.name = entry.first.Scalar();
      parameter.position = {YamlFile::Line(entry.first), YamlFile::Column(entry.first)};
      std::string context = absl::StrCat("parameter \"", parameter.name, "\"");
      const YAML::Node body = entry.second;
      if (!body.IsMap()) {
        file_.Error(entry.first, absl::StrCat(context, " must be a map with type and values"));
        continue;
      }
      file_.CheckKeys(body, context, {"type", "description", "legal_basis", "values"});
      std::string type_text = Text(body, "type", context, true);
      std::optional<TypeSpec> type = ParseTypeSpec(type_text);
      if (!type_text.empty() && (!type || type->kind == ValueKind::kList)) {
        file_.Error(body["type"], absl::StrCat("unknown parameter type \"", type_text,
                                               "\"; expected bool, int, double, string, date or money"));
      } else if (type) {
        parameter.type = *type;
      }
      parameter.description = Text(body, "description", context, false);
      parameter.legal_basis = Text(body, "legal_basis", context, true);
      const YAML::Node values = body["values"];
      if (!values || !values.IsSequence() || values.size() == 0) {
        file_.Error(values ? values : entry.first, absl::StrCat(context,
                                                                " needs \"values\": a list of {since: "
                                                                "YYYY-MM-DD, value: ...}"));
        continue;
      }
      for (const YAML::Node& v : values) {
        if (!v.IsMap()) {
          file_.Error(v, "each value is {since: YYYY-MM-DD, value: ...}");
          continue;
        }
        file_.CheckKeys(v, "a dated value", {"since", "value"});
        DatedValue dated;
        dated.position = {YamlFile::Line(v), YamlFile::Column(v)};
        if (!v["since"] || !v["value"]) {
          file_.Error(v, "each value is {since: YYYY-MM-DD, value: ...}");
          continue;
        }
        std::optional<absl::CivilDay> since = Date(v["since"], "since");
        std::optional<std::string> text = file_.String(v["value"], "value");
        if (!since || !text) continue;
        dated.since = *since;
        dated.text = *text;
        if (type) CheckTypedText(*type, v["value"]);
        parameter.values.push_back(std::move(dated));
      }
      std::sort(parameter.values.begin(), parameter.values.end(),
                [](const DatedValue& a, const DatedValue& b) { return a.since < b.since; });
      for (size_t i = 1; i < parameter.values.size(); ++i) {
        if (parameter.values[i].since == parameter.values[i - 1].since) {
          file_.ErrorAt(parameter.values[i].position.line, parameter.values[i].position.column,
                        absl::StrCat(context, " has two values since ", FormatIsoDate(parameter.values[i].since)));
        }
      }
      pack->parameters.push_back(std::move(parameter));
    }
  }

  // A parameter value written as text must have its type's form.
  void CheckTypedText(const TypeSpec& type, const YAML::Node& node) {
    const std::string& text = node.Scalar();
    absl::Status status;
    switch (type.kind) {
      case ValueKind::kMoney:
        status = ParseMoney(text).status();
        break;
      case ValueKind::kDate:
        status = ParseIsoDate(text).status();
        break;
      case ValueKind::kInt: {
        int64_t i;
        if (!absl::SimpleAtoi(text, &i))
          status = absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not an integer"));
        break;
      }
      case ValueKind::kDouble: {
        double d;
        if (!absl::SimpleAtod(text, &d))
          status = absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not a number"));
        break;
      }
      case ValueKind::kBool:
        if (text != "true" && text != "false") status = absl::InvalidArgumentError("must be true or false");
        break;
      default:
        break;
    }
    if (!status.ok()) file_.Error(node, absl::StrCat("value: ", status.message()));
  }

  bool ParseRule(const YAML::Node& node, const PackSpec& pack, RuleSpec* rule) {
    if (!node.IsMap()) {
      file_.Error(node,
                  "each rule is a map with id, title, purpose, legal_basis, "
                  "trigger, when, once_per, action");
      return false;
    }
    file_.CheckKeys(node, "a rule",
                    {"id", "title", "purpose", "legal_basis", "effective", "trigger", "when", "once_per", "action"});
    rule->id = Text(node, "id", "a rule", true);
    rule->position = {YamlFile::Line(node["id"] ? node["id"] : node), YamlFile::Column(node["id"] ? node["id"] : node)};
    if (!rule->id.empty() && !IsRuleId(rule->id)) {
      file_.Error(node["id"],
                  absl::StrCat("rule id \"", rule->id, "\" must be lower-case letters, digits, '.', '-' or '_'"));
    }
    rule->title = Text(node, "title", "a rule", true);
    rule->purpose = Text(node, "purpose", "a rule", true);
    if (!node["legal_basis"]) {
      file_.Error(node, "a rule needs \"legal_basis\": the articles of law it applies");
    } else if (auto list = file_.StringList(node["legal_basis"], "legal_basis")) {
      if (list->empty()) file_.Error(node["legal_basis"], "legal_basis must cite at least one article");
      rule->legal_basis = *list;
    }
    if (const YAML::Node effective = node["effective"]) {
      if (!effective.IsMap()) {
        file_.Error(effective, "\"effective\" is {from: YYYY-MM-DD, until: YYYY-MM-DD}");
      } else {
        file_.CheckKeys(effective, "effective", {"from", "until"});
        if (effective["from"]) rule->effective_from = Date(effective["from"], "effective.from");
        if (effective["until"]) rule->effective_until = Date(effective["until"], "effective.until");
        if (rule->effective_from && rule->effective_until && *rule->effective_until < *rule->effective_from) {
          file_.Error(effective["until"], "effective.until is before effective.from");
        }
      }
    }
    ParseTrigger(node, rule);
    rule->when = Expression(node, "when", "when", true);
    rule->once_per = Expression(node, "once_per", "once_per", true);
    if (!node["action"] || !node["action"].IsMap()) {
      file_.Error(node["action"] ? node["action"] : node, "a rule needs an \"action\" map");
    } else {
      ParseAction(node["action"], rule);
    }
    rule->canonical = absl::StrCat("pack: ", pack.pack, "\n", YAML::Dump(node));
    return !rule->id.empty();
  }

  void ParseTrigger(const YAML::Node& rule_node, RuleSpec* rule) {
    const YAML::Node node = rule_node["trigger"];
    if (!node || !node.IsMap()) {
      file_.Error(node ? node : rule_node,
                  "a rule needs a \"trigger\": {events: [attributes]}, "
                  "{broadcast: topic} or {schedule: daily}");
      return;
    }
    file_.CheckKeys(node, "trigger", {"events", "broadcast", "schedule"});
    if (node["events"]) {
      if (auto list = file_.StringList(node["events"], "trigger.events")) rule->trigger.events = *list;
    }
    if (node["broadcast"]) rule->trigger.broadcast = Text(node, "broadcast", "trigger", false);
    if (node["schedule"]) {
      std::string schedule = Text(node, "schedule", "trigger", false);
      if (schedule != "daily") {
        file_.Error(node["schedule"], absl::StrCat("schedule \"", schedule, "\" is not supported; use daily"));
      }
      rule->trigger.daily = true;
    }
    if (rule->trigger.events.empty() && rule->trigger.broadcast.empty() && !rule->trigger.daily) {
      file_.Error(node, "the trigger names no events, broadcast or schedule");
    }
  }

  void ParseAction(const YAML::Node& node, RuleSpec* rule) {
    ActionSpec& action = rule->action;
    file_.CheckKeys(node, "the action",
                    {"kind", "service", "recipients", "parameters", "reply", "message", "letter", "urgent", "review",
                     "recourse_window_days", "review_sla_days"});
    std::string kind = Text(node, "kind", "the action", true);
    if (kind == "notify") {
      action.kind = ActionKind::kNotify;
    } else if (kind == "propose") {
      action.kind = ActionKind::kPropose;
    } else if (kind == "grant") {
      action.kind = ActionKind::kGrant;
    } else if (kind == "refer") {
      action.kind = ActionKind::kRefer;
    } else if (!kind.empty()) {
      file_.Error(node["kind"],
                  absl::StrCat("unknown action kind \"", kind, "\"; expected notify, propose, grant or refer"));
    }
    action.service = Text(node, "service", "the action", true);
    if (node["recipients"]) action.recipients = Expression(node, "recipients", "action.recipients", false);
    if (const YAML::Node parameters = node["parameters"]) {
      if (!parameters.IsMap()) {
        file_.Error(parameters, "action.parameters is a map from name to expression");
      } else {
        for (const auto& entry : parameters) {
          std::string name = entry.first.Scalar();
          if (name == "reference" || name == "deadline") {
            file_.Error(entry.first, absl::StrCat("\"", name, "\" is reserved for the engine"));
          }
          action.parameters.emplace_back(
              name, ExpressionSourceFromScalar(entry.second, file_.text(), "action.parameters." + name));
        }
      }
    }
    const YAML::Node reply = node["reply"];
    if (action.kind == ActionKind::kPropose) {
      if (!reply || !reply.IsMap()) {
        file_.Error(reply ? reply : node,
                    "a propose action needs \"reply\": {deadline_days: N, "
                    "without_reply: lapse or accept}");
      } else {
        file_.CheckKeys(reply, "reply", {"deadline_days", "without_reply"});
        if (!reply["deadline_days"]) {
          file_.Error(reply, "reply needs deadline_days");
        } else if (auto days = file_.Int(reply["deadline_days"], "deadline_days")) {
          if (*days < 1 || *days > 365) file_.Error(reply["deadline_days"], "deadline_days must be in 1..365");
          action.reply_deadline_days = static_cast<int>(*days);
        }
        std::string without = Text(reply, "without_reply", "reply", true);
        if (without == "accept") {
          action.without_reply = WithoutReply::kAccept;
        } else if (!without.empty() && without != "lapse") {
          file_.Error(reply["without_reply"], "without_reply must be lapse or accept");
        }
      }
    } else if (reply) {
      file_.Error(reply, "only a propose action waits for a reply");
    }
    std::set<std::string> known = {"reference"};
    if (action.kind == ActionKind::kPropose) known.insert("deadline");
    for (const auto& p : action.parameters) known.insert(p.first);
    const YAML::Node message = node["message"];
    if (!message || !message.IsMap()) {
      file_.Error(message ? message : node, "the action needs \"message\": {fr: ..., en: ...}");
    } else {
      file_.CheckKeys(message, "message", {"fr", "en"});
      for (const char* language : {"fr", "en"}) {
        std::string text = Text(message, language, "message", true);
        if (std::string unpaired = UnpairedBraces(text); !unpaired.empty()) {
          file_.Error(message[language], absl::StrCat("message.", language, " ", unpaired));
          continue;
        }
        for (const std::string& name : Placeholders(text)) {
          if (known.count(name) == 0) {
            file_.Error(message[language],
                        absl::StrCat("message.", language, " uses {", name,
                                     "}, which is not an action parameter; known: ", absl::StrJoin(known, ", ")));
          }
        }
        action.message[language] = text;
      }
    }
    if (node["letter"]) action.letter = file_.Bool(node["letter"], "letter").value_or(false);
    if (node["urgent"]) action.urgent = file_.Bool(node["urgent"], "urgent").value_or(false);
    if (node["review"]) {
      action.review = Text(node, "review", "the action", false);
      if (action.review != "before_notify") {
        file_.Error(node["review"], "review must be before_notify");
      }
    }
    if (node["recourse_window_days"]) {
      if (auto days = file_.Int(node["recourse_window_days"], "recourse_window_days")) {
        if (*days < 1 || *days > 3650)
          file_.Error(node["recourse_window_days"], "recourse_window_days must be in 1..3650");
        action.recourse_window_days = static_cast<int>(*days);
      }
    }
    if (node["review_sla_days"]) {
      if (auto days = file_.Int(node["review_sla_days"], "review_sla_days")) {
        if (*days < 1 || *days > 365) file_.Error(node["review_sla_days"], "review_sla_days must be in 1..365");
        action.review_sla_days = static_cast<int>(*days);
      }
    }
  }

  YamlFile file_;
};

}  // namespace

absl::string_view ActionKindName(ActionKind kind) {
  switch (kind) {
    case ActionKind::kNotify:
      return "notify";
    case ActionKind::kPropose:
      return "propose";
    case ActionKind::kGrant:
      return "grant";
    case ActionKind::kRefer:
      return "refer";
  }
  return "?";
}

std::optional<PackSpec> ParsePackFile(absl::string_view text, absl::string_view file_name,
                                      std::vector<Diagnostic>* diagnostics) {
  return PackParser(text, file_name).Parse(diagnostics);
}

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
};
const CityMessage kCityMessages[] = {
    {"accepted", &CityMessages::accepted, {"title", "reference"}, "the citizen accepted an offer"},
    {"declined", &CityMessages::declined, {"title", "reference"}, "the citizen declined an offer"},
    {"contest_received",
     &CityMessages::contest_received,
     {"title", "reference", "received_on", "review_by"},
     "a contest is recorded (CRPA L112-3: every request is acknowledged)",
     "review_by",
     "an acknowledgement says when the review is due (CRPA R112-5)"},
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
                   "recourse_window_days...");
    } else {
      file.CheckKeys(
          root, "city.yaml",
          {"city", "timezone", "algorithm_notice", "review_notice", "messages", "sms_max_parts", "recourse_window_days",
           "review_sla_days", "sms_attribute", "language_attribute", "quiet_hours", "event_retention_days"});
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
            file.Error(messages, absl::StrCat("messages needs ", m.key, ": {fr: ..., en: ...} (", m.what, ")"));
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
            if (m.required != nullptr && std::find(used.begin(), used.end(), m.required) == used.end()) {
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
      if (root["recourse_window_days"]) {
        city.recourse_window_days =
            static_cast<int>(file.Int(root["recourse_window_days"], "recourse_window_days").value_or(61));
      }
      if (root["review_sla_days"]) {
        city.review_sla_days = static_cast<int>(file.Int(root["review_sla_days"], "review_sla_days").value_or(61));
      }
      if (root["sms_attribute"]) city.sms_attribute = file.String(root["sms_attribute"], "sms_attribute").value_or("");
      if (root["language_attribute"]) {
        city.language_attribute = file.String(root["language_attribute"], "language_attribute").value_or("");
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
