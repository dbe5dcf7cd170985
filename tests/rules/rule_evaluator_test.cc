// What a decision records of what its rule read: each input's path, the
// person it belongs to and the attribute's value and provenance.
#include "engine/rules/rule_evaluator.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/rules/packed_trace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

storage::v1::AttributeEntry* SetAttribute(storage::v1::PersonState* state, const std::string& name,
                                          const std::string& event_id) {
  storage::v1::AttributeEntry* entry = state->add_attributes();
  entry->set_name(name);
  entry->set_source("etat-civil");
  entry->set_event_id(event_id);
  entry->mutable_occurred_at()->set_seconds(1700000000);
  return entry;
}

storage::v1::PersonState Person(const std::string& id, const std::string& household) {
  storage::v1::PersonState state;
  state.set_person_id(id);
  state.set_household_id(household);
  return state;
}

void Link(storage::v1::PersonState* state, storage::v1::Relation relation, const std::string& other) {
  storage::v1::LinkEntry* link = state->add_links();
  link->set_relation(relation);
  link->set_person_id(other);
}

// "path person present value event" for each input, in order.
std::vector<std::string> Described(const google::protobuf::RepeatedPtrField<storage::v1::DecisionInput>& inputs) {
  std::vector<std::string> lines;
  for (const storage::v1::DecisionInput& input : inputs) {
    lines.push_back(absl::StrCat(input.path(), " ", input.person_id(), " ", input.present() ? "present" : "absent", " ",
                                 input.value().ShortDebugString(), " ", input.event_id()));
  }
  return lines;
}

// The Paris rules and a pack of one rule `test.rule` with `when` and the
// extra action keys `action` (", parameters: {...}"); null on error.
std::shared_ptr<const RuleSet> RulesWithTestRule(const std::string& when, const std::string& action = "") {
  absl::StatusOr<std::vector<RuleFile>> files = ReadRuleFiles(testing::SourceDir() + "/rules");
  EXPECT_THAT(files, IsOk());
  if (!files.ok()) return nullptr;
  files->push_back({"test/test.yaml", absl::StrCat("pack: test.pack\nversion: \"1\"\ntitle: t\nowner: o\nrules:\n"
                                                   "  - id: test.rule\n    title: t\n    purpose: p\n"
                                                   "    legal_basis: [\"test\"]\n    trigger: {events: [phone]}\n"
                                                   "    when: '",
                                                   when,
                                                   "'\n    once_per: '\"x\"'\n"
                                                   "    action: {kind: notify, service: s, message: {fr: a, en: a}, "
                                                   "letter: false",
                                                   action, "}\n")});
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<std::shared_ptr<const RuleSet>> set = CompileRuleSet(*files, &diagnostics);
  EXPECT_THAT(set, IsOk()) << FormatDiagnostics(diagnostics);
  return set.ok() ? *set : nullptr;
}

// The test rule of RulesWithTestRule's set; null when the set did not compile.
const CompiledRule* TestRuleOf(const std::shared_ptr<const RuleSet>& set) {
  return set == nullptr ? nullptr : set->FindRule("test.rule");
}

// `person`, alone, as the graph a rule reads. Kept by the caller: the graph
// reads the source, and an outcome's values may point into the graph.
struct PersonAlone {
  std::unique_ptr<MapPersonSource> source = std::make_unique<MapPersonSource>();
  std::unique_ptr<PersonGraph> graph;
};
PersonAlone GraphOf(const storage::v1::PersonState& person, const CompiledRule& rule) {
  PersonAlone alone;
  alone.source->Add(person);
  absl::StatusOr<std::unique_ptr<PersonGraph>> graph =
      PersonGraph::Build(person.person_id(), *rule.env, alone.source.get());
  EXPECT_THAT(graph, IsOk());
  if (graph.ok()) alone.graph = *std::move(graph);
  return alone;
}

TEST(RuleEvaluatorTest, ADecisionRecordsEachInputOfTheSubjectItsLinksAndItsHouseholdByPath) {
  std::shared_ptr<const RuleSet> set = RulesWithTestRule(
      "size(person.guardians) > 0 && person.guardians.exists(g, has(g.phone)) && "
      "household.members.exists(m, has(m.yearly_income) && m.yearly_income > eur(1000)) && "
      "person.birth_date.year() > 2000 && size(person.children) == 0");
  const CompiledRule* rule = TestRuleOf(set);
  ASSERT_NE(rule, nullptr);

  // C lives with guardian G1; G2, the other guardian, lives elsewhere; a
  // guardian the store does not know (G15), a removed guardian link and a
  // third member M of the household. Related persons are numbered as in the
  // lists the rule read: G2 is person.guardians[1].
  storage::v1::PersonState child = Person("C", "H1");
  SetAttribute(&child, "birth_date", "e-birth")->mutable_value()->set_date_days(19000);
  Link(&child, storage::v1::RELATION_GUARDIAN, "G1");
  Link(&child, storage::v1::RELATION_GUARDIAN, "G15");
  Link(&child, storage::v1::RELATION_GUARDIAN, "G2");
  Link(&child, storage::v1::RELATION_GUARDIAN, "G0");
  child.mutable_links(3)->set_removed(true);
  storage::v1::PersonState g1 = Person("G1", "H1");
  SetAttribute(&g1, "phone", "e-phone")->mutable_value()->set_string_value("+33600000001");
  storage::v1::PersonState g2 = Person("G2", "H2");
  storage::v1::PersonState mate = Person("M", "H1");
  storage::v1::AttributeEntry* income = SetAttribute(&mate, "yearly_income", "e-income");
  income->mutable_value()->mutable_money_value()->set_cents(400000);
  income->mutable_value()->mutable_money_value()->set_currency("EUR");
  MapPersonSource source;
  for (storage::v1::PersonState* s : {&child, &g1, &g2, &mate}) source.Add(*s);

  absl::StatusOr<std::unique_ptr<PersonGraph>> graph = PersonGraph::Build("C", *rule->env, &source);
  ASSERT_THAT(graph, IsOk());
  RuleOutcome outcome = EvaluateRule(*rule, **graph, EvaluationContext{absl::CivilDay(2026, 9, 1)}, true);
  ASSERT_TRUE(outcome.fires()) << outcome.reason;
  EXPECT_THAT(
      Described(outcome.inputs),
      ElementsAre("household.members[0] C absent  ", "household.members[1] G1 absent  ",
                  "household.members[2] M absent  ", "household.members[0].yearly_income C absent  ",
                  "household.members[1].yearly_income G1 absent  ",
                  "household.members[2].yearly_income M present money_value { cents: 400000 currency: \"EUR\" } "
                  "e-income",
                  "person.birth_date C present date_days: 19000 e-birth", "person.guardians[0] G1 absent  ",
                  "person.guardians[1] G2 absent  ",
                  // Only tested with has(): present, from e-phone, the number not kept.
                  "person.guardians[0].phone G1 present  e-phone", "person.guardians[1].phone G2 absent  "));
}

// Data minimisation: a decision keeps the value of what its rule used, and
// only the presence of what it tested with has() alone.
TEST(RuleEvaluatorTest, AnAttributeOnlyTestedForPresenceIsRecordedWithoutItsValueUnlessAnotherExpressionReadsIt) {
  std::shared_ptr<const RuleSet> set =
      RulesWithTestRule("has(person.phone) && has(person.birth_date) && has(person.arrondissement)",
                        ", parameters: {born: \"person.birth_date.year()\"}");
  const CompiledRule* rule = TestRuleOf(set);
  ASSERT_NE(rule, nullptr);

  storage::v1::PersonState person = Person("P", "H1");
  SetAttribute(&person, "arrondissement", "e-arr")->mutable_value()->set_int_value(11);
  SetAttribute(&person, "birth_date", "e-birth")->mutable_value()->set_date_days(-4474);
  SetAttribute(&person, "phone", "e-phone")->mutable_value()->set_string_value("+33600000002");
  PersonAlone alone = GraphOf(person, *rule);
  ASSERT_NE(alone.graph, nullptr);
  RuleOutcome outcome = EvaluateRule(*rule, *alone.graph, EvaluationContext{absl::CivilDay(2026, 9, 1)}, true);
  ASSERT_TRUE(outcome.fires()) << outcome.reason;
  // The birth date is kept: the parameter reads its value.
  EXPECT_THAT(Described(outcome.inputs),
              ElementsAre("person.arrondissement P present  e-arr",
                          "person.birth_date P present date_days: -4474 e-birth", "person.phone P present  e-phone"));
  for (const storage::v1::DecisionInput& input : outcome.inputs) {
    EXPECT_EQ(input.source(), "etat-civil") << input.path();
    EXPECT_EQ(input.occurred_at().seconds(), 1700000000) << input.path();
  }

  // One expression tests a guardian's birth date with has(), another reads
  // the first guardian's by index, with no path: the value is kept.
  std::shared_ptr<const RuleSet> indexed = RulesWithTestRule(
      "person.guardians.exists(g, has(g.birth_date))", ", parameters: {first: \"person.guardians[0].birth_date\"}");
  ASSERT_NE(indexed, nullptr);
  const CompiledRule* indexed_rule = indexed->FindRule("test.rule");
  ASSERT_NE(indexed_rule, nullptr);
  std::map<std::string, bool> presence_only;
  for (const InputRead& read : indexed_rule->input_reads) presence_only[read.path] = read.presence_only;
  EXPECT_THAT(presence_only, ElementsAre(Pair("person.guardians", false), Pair("person.guardians.birth_date", false)));
  std::map<std::string, bool> tested_only;
  for (const InputRead& read : rule->input_reads) tested_only[read.path] = read.presence_only;
  EXPECT_THAT(tested_only, ElementsAre(Pair("person.arrondissement", true), Pair("person.birth_date", false),
                                       Pair("person.phone", true)));
}

// The trace keeps each step's value as text, whatever its kind: what the
// explanation of the decision shows.
TEST(RuleEvaluatorTest, TheTraceWritesEveryKindOfValueAsText) {
  std::shared_ptr<const RuleSet> set = RulesWithTestRule(
      "person.birth_date.year() == 2022 && person.birth_date <= today && "
      "[person.arrondissement, 12] == [11, 12] && person.address_key == \"k-42\"");
  const CompiledRule* rule = TestRuleOf(set);
  ASSERT_NE(rule, nullptr);
  storage::v1::PersonState person = Person("P", "H1");
  SetAttribute(&person, "birth_date", "e-birth")->mutable_value()->set_date_days(19000);  // 2022-01-08
  SetAttribute(&person, "arrondissement", "e-moved")->mutable_value()->set_int_value(11);
  SetAttribute(&person, "address_key", "e-moved")->mutable_value()->set_string_value("k-42");
  PersonAlone alone = GraphOf(person, *rule);
  ASSERT_NE(alone.graph, nullptr);
  RuleOutcome outcome = EvaluateRule(*rule, *alone.graph, EvaluationContext{absl::CivilDay(2026, 9, 1)}, true);
  ASSERT_TRUE(outcome.fires()) << outcome.reason;
  absl::StatusOr<std::vector<PackedTraceStep>> steps = UnpackTrace(outcome.packed_trace);
  ASSERT_THAT(steps, IsOk());
  std::map<std::string, std::string> value_of;  // by the step's text in the condition
  for (const PackedTraceStep& step : *steps) {
    value_of[std::string(outcome.condition.substr(step.begin, step.end - step.begin))] = step.value;
  }
  EXPECT_EQ(value_of["person.birth_date"], "2022-01-08");
  EXPECT_EQ(value_of["person.birth_date.year()"], "2022");
  EXPECT_EQ(value_of["today"], "2026-09-01");
  EXPECT_EQ(value_of["[person.arrondissement, 12]"], "[11, 12]");
  EXPECT_EQ(value_of["person.address_key"], "k-42");
  EXPECT_EQ(value_of["person.address_key == \"k-42\""], "true");
}

// A person used whole, inside a map, is recorded by their id: never with
// their attributes (their phone number among them).
TEST(RuleEvaluatorTest, APersonInAMapIsRecordedByTheirId) {
  std::shared_ptr<const RuleSet> set =
      RulesWithTestRule("size({\"p\": person}) == 1 && has(person.phone)", ", parameters: {who: \"{'p': person}\"}");
  const CompiledRule* rule = TestRuleOf(set);
  ASSERT_NE(rule, nullptr);
  storage::v1::PersonState person = Person("P", "H1");
  SetAttribute(&person, "phone", "e-phone")->mutable_value()->set_string_value("+33600000002");
  PersonAlone alone = GraphOf(person, *rule);
  ASSERT_NE(alone.graph, nullptr);
  RuleOutcome outcome = EvaluateRule(*rule, *alone.graph, EvaluationContext{absl::CivilDay(2026, 9, 1)}, true);
  ASSERT_TRUE(outcome.fires()) << outcome.reason;
  EXPECT_THAT(outcome.packed_trace, Not(HasSubstr("+336")));
  ASSERT_EQ(outcome.parameters.size(), 1u);
  EXPECT_EQ(ValueText(outcome.parameters[0].second), "{\"p\": P}");
  EXPECT_EQ(ToStorageValue(outcome.parameters[0].second).string_value(), "{\"p\": P}");
  // A map without persons reads as it always did (a once_per key's text).
  EXPECT_EQ(ValueText(eval::Value::Map({{eval::Value::String("k"), eval::Value::String("v")}})), "{\"k\": \"v\"}");
}

// A sweep builds its broadcast's record once for all its evaluations; a rule
// of another environment (another rule set) builds its own from the event.
TEST(RuleEvaluatorTest, APreparedBroadcastRecordServesTheRulesOfItsEnvironmentOnly) {
  std::shared_ptr<const RuleSet> set = RulesWithTestRule("true");
  std::shared_ptr<const RuleSet> other_set = RulesWithTestRule("true");
  ASSERT_NE(set, nullptr);
  ASSERT_NE(other_set, nullptr);
  const CompiledRule* rule = set->FindRule("heatwave.check-in.isolated-elderly");
  const CompiledRule* other_rule = other_set->FindRule("heatwave.check-in.isolated-elderly");
  ASSERT_NE(rule, nullptr);
  ASSERT_NE(other_rule, nullptr);
  storage::v1::PersonState person = Person("P2", "H2");
  SetAttribute(&person, "birth_date", "e-birth")->mutable_value()->set_date_days(-10000);  // 1942
  SetAttribute(&person, "lives_alone", "e-alone")->mutable_value()->set_bool_value(true);
  SetAttribute(&person, "phone", "e-phone")->mutable_value()->set_string_value("+33600000002");
  const auto broadcast_of = [](const std::string& level) {
    storage::v1::BroadcastEventRecord broadcast;
    broadcast.set_topic("weather.heatwave");
    broadcast.set_area("75");
    for (const auto& [name, value] : {std::pair<std::string, std::string>{"level", level},
                                      std::pair<std::string, std::string>{"episode_id", "75-2026-07-01"}}) {
      storage::v1::NamedValue* field = broadcast.add_fields();
      field->set_name(name);
      field->mutable_value()->set_string_value(value);
    }
    return broadcast;
  };
  const storage::v1::BroadcastEventRecord red = broadcast_of("red");
  const storage::v1::BroadcastEventRecord yellow = broadcast_of("yellow");
  const EvaluationContext per_evaluation{absl::CivilDay(2026, 7, 1), &red};
  const BroadcastRecord prepared_red(*rule->env, red);
  const EvaluationContext prepared{absl::CivilDay(2026, 7, 1), &red, &prepared_red};

  // Its own environment's rule: the same outcome, trace and inputs as with a
  // record built per evaluation.
  PersonAlone alone = GraphOf(person, *rule);
  ASSERT_NE(alone.graph, nullptr);
  RuleOutcome built = EvaluateRule(*rule, *alone.graph, per_evaluation, /*with_trace=*/true);
  RuleOutcome shared = EvaluateRule(*rule, *alone.graph, prepared, /*with_trace=*/true);
  ASSERT_TRUE(built.fires()) << built.reason;
  ASSERT_TRUE(shared.fires()) << shared.reason;
  EXPECT_EQ(shared.once_per, built.once_per);
  EXPECT_EQ(shared.packed_trace, built.packed_trace);
  EXPECT_EQ(Described(shared.inputs), Described(built.inputs));
  // The rule's parameter (level: broadcast.level) outlives the evaluation.
  ASSERT_EQ(shared.parameters.size(), 1u);
  ASSERT_EQ(built.parameters.size(), 1u);
  EXPECT_EQ(shared.parameters[0].first, "level");
  EXPECT_EQ(ValueText(shared.parameters[0].second), "red");
  EXPECT_EQ(ValueText(built.parameters[0].second), "red");
  // It reads the prepared record, not the event: a yellow record beside a
  // red event fires nothing. (Callers must not pair them so; here it shows
  // which one the condition reads.)
  const BroadcastRecord prepared_yellow(*rule->env, yellow);
  EXPECT_EQ(
      EvaluateRule(*rule, *alone.graph, EvaluationContext{absl::CivilDay(2026, 7, 1), &red, &prepared_yellow}, false)
          .kind,
      RuleOutcome::kDoesNotFire);

  // Another environment's rule ignores the record (its type is another
  // environment's, of the same layout) and reads the event.
  PersonAlone other_alone = GraphOf(person, *other_rule);
  ASSERT_NE(other_alone.graph, nullptr);
  RuleOutcome other = EvaluateRule(*other_rule, *other_alone.graph,
                                   EvaluationContext{absl::CivilDay(2026, 7, 1), &red, &prepared_yellow}, true);
  EXPECT_TRUE(other.fires()) << other.reason;
  EXPECT_EQ(other.packed_trace, built.packed_trace);
}

}  // namespace
}  // namespace proactive
