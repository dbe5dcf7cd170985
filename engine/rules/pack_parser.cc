#include "engine/rules/pack_parser.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "engine/common/text_formats.h"
#include "engine/rules/citizen_text.h"
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
                     "recourse_window", "recourse_window_days", "review_within", "review_sla_days"});
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
    action.recourse_window = file_.TimeLimitIn(node, "recourse_window", "recourse_window_days", kMaxRecourseWindowDays);
    action.review_within = file_.TimeLimitIn(node, "review_within", "review_sla_days", kMaxReviewDays);
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

}  // namespace proactive
