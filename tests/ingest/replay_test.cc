// Every decision replays: the rule version that made it, evaluated on the
// inputs it recorded (and nothing else), gives the same result.
#include "engine/decision/replay.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "engine/decision/decision_factory.h"
#include "engine/decision/decision_store.h"
#include "engine/decision/stored_decision.h"
#include "engine/synth/synthetic_population.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/ingest/engine_fixture.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

TEST(ReplayTest, EveryDecisionReplaysToTheSameResult) {
  testing::EngineFixture engine(absl::FromCivil(absl::CivilSecond(2026, 6, 29, 8, 0, 0), absl::UTCTimeZone()));
  std::vector<v1::PublishRequest> events;
  GenerateSyntheticPopulation({3000, 5, absl::CivilDay(2026, 6, 1)},
                              [&](const v1::PublishRequest& e) { events.push_back(e); });
  // Every other address has a sector school: offers read the table's row
  // (person.school_sector), or find none.
  ASSERT_NO_FATAL_FAILURE(engine.LoadSchoolSectorsForEveryOtherAddress(events));
  for (const v1::PublishRequest& e : events) EXPECT_THAT(engine.Publish(e), IsOk());
  ASSERT_THAT(
      engine.Publish(
          R"({"event_id":"mf-1","topic":"weather.heatwave","area":"75","source":"meteo-france","occurred_at":"2026-06-29T06:00:00Z","fields":{"level":"red","episode_id":"e1"}})"),
      IsOk());
  engine.Tick(absl::CivilDay(2026, 11, 21));
  engine.Settle();
  std::map<std::string, int> replayed;
  int total = 0, offers_naming_a_school = 0, offers_without_a_school = 0;
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
                              for (const storage::v1::NamedValue& p : d.parameters()) {
                                if (p.name() != "school") continue;
                                const bool named = absl::StartsWith(p.value().string_value(), "École maternelle ");
                                ++(named ? offers_naming_a_school : offers_without_a_school);
                              }
                              ++replayed[d.rule_id()];
                              return true;
                            }),
              IsOk());
  // Every rule made decisions, and all of them replayed: offers naming a
  // sector school and offers without one among them.
  EXPECT_GT(offers_naming_a_school, 0);
  EXPECT_GT(offers_without_a_school, 0);
  EXPECT_EQ(replayed.size(), 5u);
  int sum = 0;
  for (const auto& [rule, n] : replayed) sum += n;
  EXPECT_EQ(sum, total);
}

// A decision keeps its rule's version, not its texts: they come back from
// the snapshot of the rule set that made it, whatever set runs now. Its
// trace is stored packed and read unpacked.
TEST(StoredDecisionTest, ADecisionReadsItsRulesTextsFromTheSnapshotOfTheRuleSetThatMadeIt) {
  testing::EngineFixture engine(absl::FromCivil(absl::CivilSecond(2026, 6, 29, 8, 0, 0), absl::UTCTimeZone()));
  ASSERT_NO_FATAL_FAILURE(engine.PublishSample());
  std::shared_ptr<const RuleSet> made_by = LoadRuleSetSnapshot(engine.store(), engine.rules().version()).value();

  // The running set changes: a maternelle title is reworded.
  Swappable<RuleSet> running(
      testing::EngineFixture::ParisRulesReworded("Proposition d'inscription", "Offre d'inscription"));
  ASSERT_NE(running.Get()->version(), made_by->version());
  RuleSetVersions versions(&engine.store(), &running);

  int decisions = 0;
  ASSERT_THAT(ScanDecisions(engine.store(),
                            [&](const storage::v1::DecisionRecord& stored) {
                              ++decisions;
                              EXPECT_TRUE(stored.rule_texts_by_version()) << stored.decision_id();
                              EXPECT_THAT(stored.title(), IsEmpty());
                              EXPECT_THAT(stored.legal_basis(), IsEmpty());
                              EXPECT_THAT(stored.condition(), IsEmpty());
                              EXPECT_THAT(stored.trace(), IsEmpty());
                              EXPECT_THAT(stored.packed_trace(), Not(IsEmpty()));
                              const CompiledRule* rule = made_by->FindRule(stored.rule_id());
                              if (rule == nullptr) {
                                ADD_FAILURE() << stored.rule_id();
                                return true;
                              }
                              storage::v1::DecisionRecord d = stored;
                              EXPECT_THAT(ExpandDecision(versions, &d), IsOk());
                              EXPECT_FALSE(d.rule_texts_by_version());
                              EXPECT_EQ(d.title(), rule->spec.title);
                              EXPECT_THAT(d.title(), Not(HasSubstr("Offre d'inscription")));
                              EXPECT_EQ(std::vector<std::string>(d.legal_basis().begin(), d.legal_basis().end()),
                                        rule->spec.legal_basis);
                              EXPECT_FALSE(d.legal_basis().empty()) << d.rule_id();
                              EXPECT_EQ(d.condition(), rule->when->source());
                              // The trace unpacked: each step's text is a range of the condition.
                              EXPECT_THAT(d.packed_trace(), IsEmpty());
                              EXPECT_THAT(d.trace(), Not(IsEmpty()));
                              for (const storage::v1::TraceStep& step : d.trace()) {
                                EXPECT_THAT(TraceStepExpression(d, step), Not(IsEmpty())) << d.decision_id();
                                EXPECT_THAT(step.value(), Not(IsEmpty())) << d.decision_id();
                              }
                              // The last step is the whole condition, which held.
                              if (!d.trace().empty()) {
                                const storage::v1::TraceStep& last = *d.trace().rbegin();
                                EXPECT_EQ(TraceStepExpression(d, last),
                                          absl::StripTrailingAsciiWhitespace(d.condition()));
                                EXPECT_EQ(last.value(), "true");
                              }
                              // Restored once, it is left as it is.
                              storage::v1::DecisionRecord again = d;
                              EXPECT_THAT(ExpandDecision(versions, &again), IsOk());
                              EXPECT_EQ(again.SerializeAsString(), d.SerializeAsString());
                              // A rule version never stored cannot give them.
                              storage::v1::DecisionRecord orphan = stored;
                              orphan.set_rule_version(std::string(64, 'f'));
                              orphan.set_rule_set_version(std::string(64, 'f'));
                              absl::Status lost = ExpandDecision(versions, &orphan);
                              EXPECT_EQ(lost.code(), absl::StatusCode::kDataLoss);
                              EXPECT_THAT(lost.message(), HasSubstr(stored.decision_id()));
                              // Nor can a trace cut short.
                              storage::v1::DecisionRecord cut = stored;
                              cut.set_packed_trace(stored.packed_trace().substr(0, stored.packed_trace().size() - 1));
                              absl::Status broken = ExpandDecision(versions, &cut);
                              EXPECT_EQ(broken.code(), absl::StatusCode::kDataLoss);
                              EXPECT_THAT(broken.message(), HasSubstr("packed trace"));
                              return true;
                            }),
              IsOk());
  EXPECT_GE(decisions, 3);

  // Should the rule set's snapshot be gone (or a later engine refuse to
  // compile it), each rule's stored texts still explain its decisions.
  ASSERT_THAT(engine.writer().ExecuteAndWait([&](EventApplier&) {
    WriteBatch batch(engine.store());
    batch.Delete(Family::kMeta, "ruleset/" + made_by->version());
    return engine.store().Write(&batch, false);
  }),
              IsOk());
  RuleSetVersions without_snapshot(&engine.store(), &running);
  ASSERT_THAT(ScanDecisions(engine.store(),
                            [&](const storage::v1::DecisionRecord& stored) {
                              storage::v1::DecisionRecord d = stored;
                              EXPECT_THAT(ExpandDecision(without_snapshot, &d), IsOk()) << d.decision_id();
                              const CompiledRule* rule = made_by->FindRule(d.rule_id());
                              if (rule == nullptr) return true;
                              EXPECT_EQ(d.title(), rule->spec.title);
                              EXPECT_EQ(d.legal_basis_size(), static_cast<int>(rule->spec.legal_basis.size()));
                              EXPECT_EQ(d.condition(), rule->when->source());
                              absl::StatusOr<storage::v1::RuleTexts> texts = without_snapshot.TextsOf(d);
                              EXPECT_THAT(texts, IsOk());
                              if (texts.ok()) {
                                EXPECT_EQ(texts->purpose(), rule->spec.purpose);
                              }
                              return true;
                            }),
              IsOk());
}

}  // namespace
}  // namespace proactive
