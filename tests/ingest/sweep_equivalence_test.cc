// The fast paths of evaluation give exactly the straightforward evaluator's
// results on a synthetic population: graphs built with only what a rule
// reads (GraphNeeds), one graph per person shared by the rules of every
// pack (DecisionMaker::ConsiderAll), and the broadcast sweep that shares one
// graph per person between rules and keeps the states its scan read.
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/common/sha256.h"
#include "engine/decision/decision_store.h"
#include "engine/ingest/decision_maker.h"
#include "engine/rules/rule_evaluator.h"
#include "engine/store/codec.h"
#include "engine/synth/synthetic_population.h"
#include "tests/ingest/engine_fixture.h"
#include "tests/ingest/test_events.h"

namespace proactive {
namespace {

using testing::EngineFixture;

constexpr char kHeatwave[] = R"({"event_id":"mf-1","topic":"weather.heatwave","area":"75","source":"meteo-france",)"
                             R"("occurred_at":"2026-09-01T06:00:00Z","fields":{"level":"red","episode_id":"e1"}})";

std::vector<std::string> PersonIds(const Store& store) {
  std::vector<std::string> ids;
  EXPECT_TRUE(store
                  .Scan(Family::kPersons, "",
                        [&](absl::string_view key, absl::string_view) {
                          ids.emplace_back(key);
                          return true;
                        })
                  .ok());
  return ids;
}

// What an outcome says, as text, so that two outcomes compare whole.
std::string Describe(const RuleOutcome& outcome) {
  std::string text = absl::StrCat(outcome.kind, "|", outcome.reason, "|", outcome.once_per, "|");
  for (const std::string& r : outcome.recipients) absl::StrAppend(&text, r, ",");
  for (const auto& [name, value] : outcome.parameters) absl::StrAppend(&text, name, "=", ValueText(value), ",");
  for (const storage::v1::DecisionInput& input : outcome.inputs) absl::StrAppend(&text, input.DebugString());
  for (const storage::v1::AppliedParameter& p : outcome.parameters_applied) absl::StrAppend(&text, p.DebugString());
  absl::StrAppend(&text, "|", ToHex(outcome.packed_trace), "|", outcome.condition);
  return text;
}

class SweepEquivalenceTest : public ::testing::TestWithParam<uint64_t> {
 protected:
  SweepEquivalenceTest() : engine_(absl::FromCivil(absl::CivilSecond(2026, 9, 1, 12, 0, 0), absl::UTCTimeZone())) {
    std::vector<v1::PublishRequest> events;
    GenerateSyntheticPopulation({1500, GetParam(), absl::CivilDay(2026, 9, 1)},
                                [&](const v1::PublishRequest& e) { events.push_back(e); });
    engine_.LoadSchoolSectorsForEveryOtherAddress(events);  // the offers read person.school_sector
    for (const v1::PublishRequest& e : events) EXPECT_TRUE(engine_.Publish(e).ok());
  }
  EngineFixture engine_;
};

TEST_P(SweepEquivalenceTest, GraphsWithWhatRulesReadEvaluateAsFullGraphs) {
  const storage::v1::BroadcastEventRecord broadcast = testing::RedHeatwaveRecord();
  std::vector<const CompiledRule*> rules = engine_.rules().EventRules();
  for (const CompiledRule* rule : engine_.rules().DailyRules()) rules.push_back(rule);
  for (const CompiledRule* rule : engine_.rules().BroadcastRules("weather.heatwave")) rules.push_back(rule);
  int fired = 0;
  StorePersonSource source(&engine_.store());
  for (const std::string& id : PersonIds(engine_.store())) {
    for (const CompiledRule* rule : rules) {
      const EvaluationContext context{absl::CivilDay(2026, 9, 1),
                                      rule->spec.trigger.broadcast.empty() ? nullptr : &broadcast};
      auto full = PersonGraph::Build(id, *rule->env, &source);
      auto lean = PersonGraph::Build(id, *rule->env, &source, GraphNeedsOf(*rule));
      ASSERT_TRUE(full.ok() && lean.ok());
      RuleOutcome expected = EvaluateRule(*rule, **full, context, /*with_trace=*/true);
      ASSERT_EQ(Describe(EvaluateRule(*rule, **lean, context, /*with_trace=*/true)), Describe(expected))
          << rule->spec.id << " for " << id;
      fired += expected.fires();
    }
  }
  EXPECT_GT(fired, 0);
}

TEST_P(SweepEquivalenceTest, OneOutcomeAndRecordReusedForEveryPersonGiveWhatFreshOnesGive) {
  // The maker evaluates every person into one outcome and builds every
  // decision into one record: nothing of a previous person (an input, a
  // recipient, a trace step, a parameter) may remain.
  const storage::v1::BroadcastEventRecord broadcast = testing::RedHeatwaveRecord();
  std::vector<const CompiledRule*> rules = engine_.rules().EventRules();
  for (const CompiledRule* rule : engine_.rules().DailyRules()) rules.push_back(rule);
  for (const CompiledRule* rule : engine_.rules().BroadcastRules("weather.heatwave")) rules.push_back(rule);
  const absl::StatusOr<DecisionIds> ids = OpenDecisionIds(&engine_.store());
  ASSERT_TRUE(ids.ok()) << ids.status();
  const DecisionContext decided{absl::CivilDay(2026, 9, 1), engine_.clock().Now(), "test", &*ids};
  RuleOutcome reused;
  storage::v1::DecisionRecord reused_record;
  StorePersonSource source(&engine_.store());
  int fired = 0, not_fired = 0;
  for (const std::string& id : PersonIds(engine_.store())) {
    for (const CompiledRule* rule : rules) {
      const EvaluationContext context{absl::CivilDay(2026, 9, 1),
                                      rule->spec.trigger.broadcast.empty() ? nullptr : &broadcast};
      auto graph = PersonGraph::Build(id, *rule->env, &source, GraphNeedsOf(*rule));
      ASSERT_TRUE(graph.ok());
      for (const bool with_trace : {false, true}) {
        RuleOutcome fresh = EvaluateRule(*rule, **graph, context, with_trace);
        EvaluateRuleInto(*rule, **graph, context, with_trace, &reused);
        ASSERT_EQ(Describe(reused), Describe(fresh)) << rule->spec.id << " for " << id;
        if (!fresh.fires() || !with_trace) continue;
        const std::string decision_id = ids->For(KeyOf(*rule, id, fresh));
        const storage::v1::DecisionRecord expected =
            NewDecision(*rule, engine_.rules(), id, decision_id, std::move(fresh), decided);
        FillNewDecision(*rule, engine_.rules(), id, decision_id, &reused, decided, &reused_record);
        ASSERT_EQ(reused_record.SerializeAsString(), expected.SerializeAsString()) << rule->spec.id << " for " << id;
      }
      fired += reused.fires();  // after the decision took its inputs: still firing
      not_fired += !reused.fires();
    }
  }
  EXPECT_GT(fired, 0);
  EXPECT_GT(not_fired, 0);
}

// What a maker wrote: every key, and every audit entry with the digest of
// the record it names (decisions, cases, messages as stored).
std::string Describe(const WriteBatch& batch, const std::vector<StagedAuditEntry>& audit) {
  std::string text;
  for (const auto& [family, key] : batch.Keys()) absl::StrAppend(&text, FamilyName(family), "/", key, "\n");
  for (const StagedAuditEntry& e : audit) {
    const AuditRecord& r = e.record;
    absl::StrAppend(&text, r.action, "|", r.decision_id, "|", r.case_id, "|", r.actor, "|", r.from_status, "|",
                    r.to_status, "|", r.cause, "|", ToHex(e.record_digest), "\n");
  }
  return text;
}

TEST_P(SweepEquivalenceTest, OneGraphPerPersonForEveryPackDecidesAsOneGraphPerRule) {
  // Every rule of every pack for every person, in one plan: the rules of
  // different packs, reading the household, links or neither, share the
  // person's graph.
  std::vector<const CompiledRule*> rules = engine_.rules().EventRules();
  for (const CompiledRule* rule : engine_.rules().DailyRules()) rules.push_back(rule);
  for (const CompiledRule* rule : engine_.rules().BroadcastRules("weather.heatwave")) rules.push_back(rule);
  bool differing_needs = false;
  for (const CompiledRule* rule : rules) {
    differing_needs = differing_needs || rule->reads_household != rules.front()->reads_household ||
                      rule->reads_links != rules.front()->reads_links ||
                      rule->reads_tables != rules.front()->reads_tables;
  }
  ASSERT_TRUE(differing_needs) << "the plan should mix what rules read";
  const std::vector<std::string> persons = PersonIds(engine_.store());
  std::vector<DecisionMaker::Planned> plan;
  for (const std::string& id : persons) {
    for (const CompiledRule* rule : rules) plan.push_back({rule, &id});
  }
  const storage::v1::BroadcastEventRecord broadcast = testing::RedHeatwaveRecord();
  const EvaluationContext context{absl::CivilDay(2026, 9, 1), &broadcast};
  const absl::StatusOr<DecisionIds> ids = OpenDecisionIds(&engine_.store());  // the engine's, as stored
  ASSERT_TRUE(ids.ok()) << ids.status();
  const DecisionContext decided{absl::CivilDay(2026, 9, 1), engine_.clock().Now(), "test", &*ids};

  WriteBatch shared_batch(engine_.store());
  std::vector<StagedAuditEntry> shared_audit;
  DecisionMaker shared(engine_.rules(), &engine_.store(), /*audit=*/nullptr, decided);
  shared.StageAuditEntries(&shared_audit);
  StorePersonSource shared_source(&engine_.store());
  ASSERT_TRUE(shared.ConsiderAll(plan, &shared_source, context, &shared_batch).ok());

  WriteBatch one_by_one_batch(engine_.store());
  std::vector<StagedAuditEntry> one_by_one_audit;
  DecisionMaker one_by_one(engine_.rules(), &engine_.store(), /*audit=*/nullptr, decided);
  one_by_one.StageAuditEntries(&one_by_one_audit);
  StorePersonSource one_by_one_source(&engine_.store());
  for (const DecisionMaker::Planned& planned : plan) {
    ASSERT_TRUE(
        one_by_one.Consider(*planned.rule, *planned.person_id, &one_by_one_source, context, &one_by_one_batch).ok());
  }
  EXPECT_GT(shared.decisions_made(), 0);
  EXPECT_EQ(shared.decisions_made(), one_by_one.decisions_made());
  EXPECT_EQ(Describe(shared_batch, shared_audit), Describe(one_by_one_batch, one_by_one_audit));

  // A sweep's maker expects firing: per rule, it evaluates with the trace at
  // once (each rule's first 16 evaluations, and while half of them fire),
  // else first without, as the makers above always do.
  WriteBatch expecting_batch(engine_.store());
  std::vector<StagedAuditEntry> expecting_audit;
  DecisionMaker expecting(engine_.rules(), &engine_.store(), /*audit=*/nullptr, decided);
  expecting.ExpectFiring();
  expecting.StageAuditEntries(&expecting_audit);
  StorePersonSource expecting_source(&engine_.store());
  ASSERT_TRUE(expecting.ConsiderAll(plan, &expecting_source, context, &expecting_batch).ok());
  EXPECT_EQ(Describe(expecting_batch, expecting_audit), Describe(shared_batch, shared_audit));
}

TEST_P(SweepEquivalenceTest, BroadcastSweepDecidesAsTheStraightforwardEvaluator) {
  std::set<std::pair<std::string, std::string>> before;
  ASSERT_TRUE(ScanDecisions(engine_.store(), [&](const storage::v1::DecisionRecord& d) {
                before.emplace(d.rule_id(), d.person_id());
                return true;
              }).ok());
  ASSERT_TRUE(engine_.Publish(kHeatwave).ok());
  engine_.Settle();

  // Expected: every person, every heatwave rule, a full graph read from the
  // store, one rule at a time.
  storage::v1::BroadcastEventRecord broadcast = testing::RedHeatwaveRecord();
  broadcast.set_source("meteo-france");  // as kHeatwave: its inputs' provenance
  broadcast.set_event_id("mf-1");
  broadcast.mutable_occurred_at()->set_seconds(
      absl::ToUnixSeconds(absl::FromCivil(absl::CivilSecond(2026, 9, 1, 6, 0, 0), absl::UTCTimeZone())));
  const EvaluationContext context{absl::CivilDay(2026, 9, 1), &broadcast};
  std::set<std::pair<std::string, std::string>> expected;
  // What each decision records as evidence, as a fresh evaluation gives it.
  std::map<std::pair<std::string, std::string>, std::string> expected_evidence;
  StorePersonSource source(&engine_.store());
  for (const std::string& id : PersonIds(engine_.store())) {
    for (const CompiledRule* rule : engine_.rules().BroadcastRules("weather.heatwave")) {
      auto graph = PersonGraph::Build(id, *rule->env, &source);
      ASSERT_TRUE(graph.ok());
      RuleOutcome outcome = EvaluateRule(*rule, **graph, context, /*with_trace=*/true);
      if (!outcome.fires()) continue;
      expected.emplace(rule->spec.id, id);
      storage::v1::DecisionRecord fresh;
      fresh.mutable_inputs()->Swap(&outcome.inputs);
      expected_evidence[{rule->spec.id, id}] =
          absl::StrCat(outcome.once_per, "|", absl::StrJoin(outcome.recipients, ","), "|", fresh.ShortDebugString(),
                       "|", ToHex(outcome.packed_trace));
    }
  }
  std::set<std::pair<std::string, std::string>> made;
  int compared = 0;
  ASSERT_TRUE(ScanDecisions(engine_.store(), [&](const storage::v1::DecisionRecord& d) {
                if (before.count({d.rule_id(), d.person_id()}) > 0) return true;
                made.emplace(d.rule_id(), d.person_id());
                auto evidence = expected_evidence.find({d.rule_id(), d.person_id()});
                if (evidence == expected_evidence.end()) return true;  // the sets differ: said below
                storage::v1::DecisionRecord inputs;
                *inputs.mutable_inputs() = d.inputs();
                EXPECT_EQ(absl::StrCat(d.once_per(), "|", absl::StrJoin(d.recipients(), ","), "|",
                                       inputs.ShortDebugString(), "|", ToHex(d.packed_trace())),
                          evidence->second)
                    << d.rule_id() << " for " << d.person_id();
                ++compared;
                return true;
              }).ok());
  EXPECT_FALSE(expected.empty());
  EXPECT_EQ(made, expected);
  EXPECT_EQ(compared, static_cast<int>(expected.size()));
}

INSTANTIATE_TEST_SUITE_P(Seeds, SweepEquivalenceTest, ::testing::Values(1, 2));

}  // namespace
}  // namespace proactive
