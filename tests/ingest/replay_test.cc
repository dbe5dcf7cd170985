// Every decision replays: the rule version that made it, evaluated on the
// inputs it recorded (and nothing else), gives the same result.
#include "engine/decision/replay.h"

#include "engine/decision/decision_store.h"
#include "engine/synth/synthetic_population.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/ingest/engine_fixture.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;

TEST(ReplayTest, EveryDecisionReplaysToTheSameResult) {
  testing::EngineFixture engine(absl::FromCivil(absl::CivilSecond(2026, 6, 29, 8, 0, 0), absl::UTCTimeZone()));
  GenerateSyntheticPopulation({3000, 5, absl::CivilDay(2026, 6, 1)},
                              [&](const v1::PublishRequest& e) { EXPECT_THAT(engine.Publish(e), IsOk()); });
  ASSERT_THAT(
      engine.Publish(
          R"({"event_id":"mf-1","topic":"weather.heatwave","area":"75","source":"meteo-france","occurred_at":"2026-06-29T06:00:00Z","fields":{"level":"red","episode_id":"e1"}})"),
      IsOk());
  engine.Tick(absl::CivilDay(2026, 11, 21));
  engine.Settle();
  std::map<std::string, int> replayed;
  int total = 0;
  ASSERT_THAT(ScanDecisions(engine.store(),
                            [&](const storage::v1::DecisionRecord& d) {
                              ++total;
                              auto rules = LoadRuleSetSnapshot(engine.store(), d.rule_set_version());
                              EXPECT_THAT(rules, IsOk()) << d.decision_id();
                              if (!rules.ok()) return true;
                              auto outcome = ReplayDecision(d, **rules);
                              EXPECT_THAT(outcome, IsOk()) << d.decision_id();
                              if (!outcome.ok()) return true;
                              EXPECT_TRUE(outcome->fires())
                                  << d.decision_id() << " " << d.rule_id() << ": " << outcome->reason;
                              EXPECT_EQ(outcome->once_per, d.once_per()) << d.decision_id();
                              EXPECT_EQ(outcome->parameters.size(), static_cast<size_t>(d.parameters_size()))
                                  << d.decision_id();
                              if (outcome->parameters.size() != static_cast<size_t>(d.parameters_size())) return true;
                              for (int i = 0; i < d.parameters_size(); ++i) {
                                EXPECT_EQ(ToStorageValue(outcome->parameters[i].second).SerializeAsString(),
                                          d.parameters(i).value().SerializeAsString())
                                    << d.decision_id() << " parameter " << d.parameters(i).name();
                              }
                              std::vector<std::string> recipients(d.recipients().begin(), d.recipients().end());
                              EXPECT_EQ(outcome->recipients, recipients) << d.decision_id();
                              ++replayed[d.rule_id()];
                              return true;
                            }),
              IsOk());
  // Every rule made decisions, and all of them replayed.
  EXPECT_EQ(replayed.size(), 5u);
  int sum = 0;
  for (const auto& [rule, n] : replayed) sum += n;
  EXPECT_EQ(sum, total);
}

}  // namespace
}  // namespace proactive
