#include "engine/rules/rule_tests.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/common/text_formats.h"
#include "engine/rules/rule_evaluator.h"
#include "engine/rules/typed_text.h"
#include "engine/schema/yaml_file.h"

namespace proactive {
namespace {

class TestsParser {
 public:
  TestsParser(absl::string_view text, absl::string_view file_name, const RuleSet& rules)
      : file_(std::string(text), std::string(file_name)), rules_(rules) {}

  std::optional<std::vector<RuleTestCase>> Parse(std::vector<Diagnostic>* diagnostics) {
    std::vector<RuleTestCase> cases;
    if (file_.Parse()) {
      const YAML::Node& root = file_.root();
      if (!root.IsMap() || !root["tests"] || !root["tests"].IsSequence()) {
        file_.ErrorAt(1, 1, "a tests file is a map with \"pack\" and \"tests\": a list of cases");
      } else {
        file_.CheckKeys(root, "the tests file", {"pack", "tests"});
        for (const YAML::Node& node : root["tests"]) {
          RuleTestCase test;
          if (ParseCase(node, &test)) cases.push_back(std::move(test));
        }
      }
    }
    if (file_.has_errors()) {
      for (Diagnostic& d : file_.TakeDiagnostics()) diagnostics->push_back(std::move(d));
      return std::nullopt;
    }
    return cases;
  }

 private:
  bool ParseCase(const YAML::Node& node, RuleTestCase* test) {
    if (!node.IsMap()) {
      file_.Error(node, "each case is a map with name, rule, today, person and expect");
      return false;
    }
    file_.CheckKeys(
        node, "a test case",
        {"name", "rule", "today", "person", "guardians", "children", "household", "broadcast", "tables", "expect"});
    test->file = file_.file_name();
    test->line = YamlFile::Line(node);
    test->name = node["name"] ? file_.String(node["name"], "name").value_or("") : "";
    if (test->name.empty()) file_.Error(node, "a test case needs a \"name\"");
    const CompiledRule* rule = nullptr;
    if (!node["rule"]) {
      file_.Error(node, "a test case needs the \"rule\" it tests");
    } else {
      test->rule_id = file_.String(node["rule"], "rule").value_or("");
      rule = rules_.FindRule(test->rule_id);
      if (rule == nullptr) file_.Error(node["rule"], absl::StrCat("no rule \"", test->rule_id, "\" in the rule set"));
    }
    if (!node["today"]) {
      file_.Error(node, "a test case needs \"today\": YYYY-MM-DD");
    } else if (auto text = file_.String(node["today"], "today")) {
      absl::StatusOr<absl::CivilDay> day = ParseIsoDate(*text);
      if (day.ok()) {
        test->today = *day;
      } else {
        file_.Error(node["today"], absl::StrCat("today: ", day.status().message()));
      }
    }
    if (!node["person"] || !node["person"].IsMap()) {
      file_.Error(node, "a test case needs \"person\": {id: ..., attribute: value, ...}");
      return false;
    }
    storage::v1::PersonState subject = ReadPerson(node["person"]);
    test->subject_id = subject.person_id();
    std::vector<storage::v1::PersonState> others;
    for (const char* relation : {"guardians", "children"}) {
      if (!node[relation]) continue;
      if (!node[relation].IsSequence()) {
        file_.Error(node[relation], absl::StrCat(relation, " is a list of persons"));
        continue;
      }
      for (const YAML::Node& p : node[relation]) {
        storage::v1::PersonState other = ReadPerson(p);
        bool guardian = std::string(relation) == "guardians";
        Link(&subject, other.person_id(), guardian ? storage::v1::RELATION_GUARDIAN : storage::v1::RELATION_CHILD);
        Link(&other, subject.person_id(), guardian ? storage::v1::RELATION_CHILD : storage::v1::RELATION_GUARDIAN);
        others.push_back(std::move(other));
      }
    }
    if (const YAML::Node household = node["household"]) {
      file_.CheckKeys(household, "household", {"id", "members"});
      std::string id = household["id"] ? file_.String(household["id"], "id").value_or("H") : "H-test";
      subject.set_household_id(id);
      for (auto& other : others) other.set_household_id(id);
      if (household["members"] && household["members"].IsSequence()) {
        for (const YAML::Node& p : household["members"]) {
          storage::v1::PersonState member = ReadPerson(p);
          member.set_household_id(id);
          others.push_back(std::move(member));
        }
      }
    }
    test->persons.Add(std::move(subject));
    for (auto& other : others) test->persons.Add(std::move(other));
    if (node["broadcast"]) ReadBroadcast(node["broadcast"], test);
    if (node["tables"]) ReadTables(node["tables"], test);
    if (rule != nullptr && !rule->spec.trigger.broadcast.empty() && !test->broadcast) {
      file_.Error(node, absl::StrCat("rule \"", rule->spec.id, "\" is triggered by a broadcast: give one"));
    }
    ReadExpect(node, test);
    return true;
  }

  static void Link(storage::v1::PersonState* state, const std::string& other, storage::v1::Relation relation) {
    storage::v1::LinkEntry* link = state->add_links();
    link->set_relation(relation);
    link->set_person_id(other);
  }

  storage::v1::PersonState ReadPerson(const YAML::Node& node) {
    storage::v1::PersonState state;
    if (!node.IsMap() || !node["id"]) {
      file_.Error(node, "a person is a map with an \"id\" and attributes");
      return state;
    }
    state.set_person_id(file_.String(node["id"], "id").value_or(""));
    std::vector<std::pair<std::string, storage::v1::Value>> values;
    for (const auto& entry : node) {
      std::string name = entry.first.Scalar();
      if (name == "id") continue;
      const AttributeSpec* spec = rules_.schema().FindAttribute(name);
      if (spec == nullptr) {
        std::string hint = rules_.schema().SuggestAttribute(name);
        file_.Error(entry.first, absl::StrCat("unknown attribute \"", name, "\"",
                                              hint.empty() ? "" : absl::StrCat(" (did you mean \"", hint, "\"?)")));
        continue;
      }
      std::optional<storage::v1::Value> value = ReadValue(entry.second, spec->type, name);
      if (value) values.emplace_back(name, *value);
    }
    std::sort(values.begin(), values.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [name, value] : values) {
      storage::v1::AttributeEntry* a = state.add_attributes();
      a->set_name(name);
      *a->mutable_value() = std::move(value);
      a->set_source("rule-test");
      a->set_event_id(absl::StrCat("test:", file_.file_name(), ":", YamlFile::Line(node)));
    }
    return state;
  }

  std::optional<storage::v1::Value> ReadValue(const YAML::Node& node, const TypeSpec& type, const std::string& name) {
    if (type.kind == ValueKind::kList) {
      if (!node.IsSequence()) {
        file_.Error(node, absl::StrCat("\"", name, "\" is a ", type.Name(), ": write a list"));
        return std::nullopt;
      }
      storage::v1::Value list;
      list.mutable_list_value();
      for (const YAML::Node& item : node) {
        std::optional<storage::v1::Value> v = ReadValue(item, TypeSpec{type.element}, name);
        if (!v) return std::nullopt;
        *list.mutable_list_value()->add_values() = *v;
      }
      return list;
    }
    if (!node.IsScalar()) {
      file_.Error(node, absl::StrCat("\"", name, "\" is a ", type.Name(), ": write it as text"));
      return std::nullopt;
    }
    absl::StatusOr<eval::Value> value = TypedValueFromText(type, node.Scalar());
    if (!value.ok()) {
      file_.Error(node, absl::StrCat(name, ": ", value.status().message()));
      return std::nullopt;
    }
    return ToStorageValue(*value);
  }

  void ReadBroadcast(const YAML::Node& node, RuleTestCase* test) {
    if (!node.IsMap()) {
      file_.Error(node, "broadcast is {topic, area, fields}");
      return;
    }
    file_.CheckKeys(node, "broadcast", {"topic", "area", "fields"});
    storage::v1::BroadcastEventRecord broadcast;
    broadcast.set_event_id(absl::StrCat("test:", file_.file_name(), ":", YamlFile::Line(node)));
    broadcast.set_topic(node["topic"] ? file_.String(node["topic"], "topic").value_or("") : "");
    broadcast.set_area(node["area"] ? file_.String(node["area"], "area").value_or("") : "");
    broadcast.set_source("rule-test");
    const TopicSpec* topic = rules_.schema().FindTopic(broadcast.topic());
    if (topic == nullptr) {
      file_.Error(node, absl::StrCat("unknown topic \"", broadcast.topic(), "\""));
      return;
    }
    if (node["fields"] && node["fields"].IsMap()) {
      for (const auto& entry : node["fields"]) {
        const FieldSpec* field = topic->FindField(entry.first.Scalar());
        if (field == nullptr) {
          file_.Error(entry.first,
                      absl::StrCat("topic \"", topic->name, "\" has no field \"", entry.first.Scalar(), "\""));
          continue;
        }
        std::optional<storage::v1::Value> value = ReadValue(entry.second, field->type, field->name);
        if (!value) continue;
        storage::v1::NamedValue* named = broadcast.add_fields();
        named->set_name(field->name);
        *named->mutable_value() = *value;
      }
    }
    test->broadcast = std::move(broadcast);
  }

  // tables: {school_sectors_maternelle: [{address_key: ..., school_name: ...}]}
  void ReadTables(const YAML::Node& node, RuleTestCase* test) {
    if (!node.IsMap()) {
      file_.Error(node, "tables is a map from reference table to its rows");
      return;
    }
    for (const auto& entry : node) {
      const ReferenceTableSpec* table = rules_.schema().FindReferenceTable(entry.first.Scalar());
      if (table == nullptr) {
        file_.Error(entry.first, absl::StrCat("unknown reference table \"", entry.first.Scalar(), "\""));
        continue;
      }
      if (table->person_field.empty()) {
        file_.Error(entry.first, absl::StrCat("reference table \"", table->name,
                                              "\" has no person_field in the schema: rules cannot read it"));
        continue;
      }
      if (!entry.second.IsSequence()) {
        file_.Error(entry.second, absl::StrCat("the rows of \"", table->name, "\" are a list of maps"));
        continue;
      }
      std::set<std::string> keys;
      for (const YAML::Node& row_node : entry.second) {
        if (!row_node.IsMap() || !row_node[table->key]) {
          file_.Error(row_node, absl::StrCat("a row of \"", table->name, "\" is a map with its key \"", table->key,
                                             "\" and columns"));
          continue;
        }
        storage::v1::ReferenceRowRecord row;
        row.set_version(1);
        std::vector<std::pair<std::string, storage::v1::Value>> columns;
        for (const auto& cell : row_node) {
          const std::string name = cell.first.Scalar();
          const FieldSpec* column = table->FindColumn(name);
          if (column == nullptr) {
            file_.Error(cell.first, absl::StrCat("reference table \"", table->name, "\" has no column \"", name, "\""));
            continue;
          }
          std::optional<storage::v1::Value> value = ReadValue(cell.second, column->type, name);
          if (!value) continue;
          if (name == table->key) {
            row.set_key(value->string_value());
          } else {
            columns.emplace_back(name, *std::move(value));
          }
        }
        std::sort(columns.begin(), columns.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        for (auto& [name, value] : columns) {
          storage::v1::NamedValue* named = row.add_columns();
          named->set_name(name);
          *named->mutable_value() = std::move(value);
        }
        if (!keys.insert(row.key()).second) {
          file_.Error(row_node, absl::StrCat("key \"", row.key(), "\" is given twice in \"", table->name, "\""));
          continue;
        }
        test->persons.AddRow(table->name, std::move(row));
      }
    }
  }

  void ReadExpect(const YAML::Node& case_node, RuleTestCase* test) {
    const YAML::Node node = case_node["expect"];
    if (!node || !node.IsMap() || !node["fires"]) {
      file_.Error(node ? node : case_node, "a test case needs \"expect\": {fires: true or false, ...}");
      return;
    }
    file_.CheckKeys(node, "expect", {"fires", "once_per", "recipients", "parameters"});
    test->expect_fires = file_.Bool(node["fires"], "fires").value_or(false);
    if (node["once_per"]) test->expect_once_per = file_.String(node["once_per"], "once_per");
    if (node["recipients"]) test->expect_recipients = file_.StringList(node["recipients"], "recipients");
    if (node["parameters"] && node["parameters"].IsMap()) {
      for (const auto& entry : node["parameters"]) {
        test->expect_parameters.emplace_back(entry.first.Scalar(),
                                             file_.String(entry.second, "parameter").value_or(""));
      }
    }
    if (!test->expect_fires && (node["once_per"] || node["recipients"] || node["parameters"])) {
      file_.Error(node, "a case where the rule does not fire expects nothing else");
    }
  }

  YamlFile file_;
  const RuleSet& rules_;
};

std::string Describe(const RuleOutcome& outcome) {
  switch (outcome.kind) {
    case RuleOutcome::kFires:
      return "it fired";
    case RuleOutcome::kDoesNotFire:
      return "it did not fire (its condition is false)";
    case RuleOutcome::kUndecided:
      return absl::StrCat("it could not decide: ", outcome.reason);
    case RuleOutcome::kNotEffective:
      return absl::StrCat("it is ", outcome.reason);
  }
  return "?";
}

}  // namespace

std::optional<std::vector<RuleTestCase>> ParseRuleTests(absl::string_view text, absl::string_view file_name,
                                                        const RuleSet& rules, std::vector<Diagnostic>* diagnostics) {
  return TestsParser(text, file_name, rules).Parse(diagnostics);
}

std::string RunRuleTest(const RuleSet& rules, RuleTestCase& test) {
  const CompiledRule* rule = rules.FindRule(test.rule_id);
  if (rule == nullptr) return absl::StrCat("no rule \"", test.rule_id, "\"");
  absl::StatusOr<std::unique_ptr<PersonGraph>> graph = PersonGraph::Build(test.subject_id, *rule->env, &test.persons);
  if (!graph.ok()) return std::string(graph.status().message());
  EvaluationContext context{test.today, test.broadcast ? &*test.broadcast : nullptr};
  RuleOutcome outcome = EvaluateRule(*rule, **graph, context, /*with_trace=*/false);
  if (outcome.fires() != test.expect_fires) {
    return absl::StrCat("expected the rule ", test.expect_fires ? "to fire" : "not to fire", ", but ",
                        Describe(outcome));
  }
  std::vector<std::string> problems;
  if (test.expect_once_per && *test.expect_once_per != outcome.once_per) {
    problems.push_back(
        absl::StrCat("once_per: expected \"", *test.expect_once_per, "\", got \"", outcome.once_per, "\""));
  }
  if (test.expect_recipients) {
    std::vector<std::string> expected = *test.expect_recipients, actual = outcome.recipients;
    std::sort(expected.begin(), expected.end());
    std::sort(actual.begin(), actual.end());
    if (expected != actual) {
      problems.push_back(absl::StrCat("recipients: expected [", absl::StrJoin(expected, ", "), "], got [",
                                      absl::StrJoin(actual, ", "), "]"));
    }
  }
  for (const auto& expected_parameter : test.expect_parameters) {
    // Not a structured binding: C++17 lambdas cannot capture one (clang refuses).
    const std::string& name = expected_parameter.first;
    const std::string& text = expected_parameter.second;
    auto it = std::find_if(outcome.parameters.begin(), outcome.parameters.end(),
                           [&](const auto& p) { return p.first == name; });
    if (it == outcome.parameters.end()) {
      problems.push_back(absl::StrCat("parameter ", name, ": the action has no such parameter"));
    } else if (ValueText(it->second) != text) {
      problems.push_back(absl::StrCat("parameter ", name, ": expected ", text, ", got ", ValueText(it->second)));
    }
  }
  return absl::StrJoin(problems, "; ");
}

RuleTestReport RunRuleTests(const RuleSet& rules, const std::vector<RuleFile>& files) {
  RuleTestReport report;
  std::map<std::string, std::pair<bool, bool>> coverage;  // rule -> (fires tested, not-fires tested)
  for (const auto& rule : rules.rules()) coverage[rule->spec.id] = {false, false};
  for (const RuleFile& file : files) {
    if (!absl::EndsWith(file.path, ".tests.yaml")) continue;
    absl::StrAppend(&report.text, file.path, "\n");
    std::vector<Diagnostic> diagnostics;
    std::optional<std::vector<RuleTestCase>> cases = ParseRuleTests(file.text, file.path, rules, &diagnostics);
    if (!cases) {
      ++report.failed;
      absl::StrAppend(&report.text, "  FAIL the file has mistakes:\n", FormatDiagnostics(diagnostics));
      continue;
    }
    for (RuleTestCase& test : *cases) {
      std::string failure = RunRuleTest(rules, test);
      if (failure.empty()) {
        ++report.passed;
        auto& covered = coverage[test.rule_id];
        (test.expect_fires ? covered.first : covered.second) = true;
        absl::StrAppend(&report.text, "  PASS ", test.name, "\n");
      } else {
        ++report.failed;
        absl::StrAppend(&report.text, "  FAIL ", test.name, " (", file.path, ":", test.line, ")\n       ", failure,
                        "\n");
      }
    }
  }
  for (const auto& [rule, covered] : coverage) {
    if (!covered.first) {
      ++report.failed;
      absl::StrAppend(&report.text, "FAIL coverage: rule ", rule, " has no passing case where it fires\n");
    }
    if (!covered.second) {
      ++report.failed;
      absl::StrAppend(&report.text, "FAIL coverage: rule ", rule, " has no passing case where it does not fire\n");
    }
  }
  absl::StrAppend(&report.text, report.passed, " passed, ", report.failed, " failed\n");
  return report;
}

}  // namespace proactive
