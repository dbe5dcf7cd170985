// The impact statistics count what the engine decided, by rule and by the
// district each decision's subject lived in when it was made: against the
// decisions themselves, after offers were taken up, declined, contested,
// and after a person moved and another was forgotten.
#include "engine/decision/impact_statistics.h"

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "engine/common/clock.h"
#include "engine/common/status_macros.h"
#include "engine/decision/decision_factory.h"
#include "engine/decision/decision_store.h"
#include "engine/ingest/gateway_commands.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/ingest/engine_fixture.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::testing::Pair;

class ImpactStatisticsTest : public ::testing::Test {
 protected:
  ImpactStatisticsTest() : engine_(absl::FromCivil(absl::CivilSecond(2026, 6, 29, 8, 0, 0), absl::UTCTimeZone())) {}
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(engine_.PublishSample()); }
  absl::Status Run(EventWriter::Command command) { return engine_.writer().ExecuteAndWait(std::move(command)); }
  const RuleImpact* Find(const ImpactStatistics& stats, const std::string& rule_id, bool formal = false) {
    for (const RuleImpact& r : stats.rules) {
      if (r.rule_id == rule_id && r.formal == formal) return &r;
    }
    return nullptr;
  }

  testing::EngineFixture engine_;
};

TEST_F(ImpactStatisticsTest, CountsEachDecisionOnceByRuleDistrictAndStatus) {
  // What the statistics must say, counted from the decisions one by one.
  const auto expected = [&] {
    std::map<std::string, ImpactCounts> by_rule_and_district;  // "rule|district"
    EXPECT_THAT(
        ScanDecisions(engine_.store(),
                      [&](const storage::v1::DecisionRecord& d) {
                        const std::string rule = d.rule_id() + (d.parent_decision_id().empty() ? "" : "#formal");
                        for (const std::string& key : {rule + "|*", rule + "|" + d.district()}) {
                          ImpactCounts& c = by_rule_and_district[key];
                          ++c.made;
                          c.reached += d.has_notified_at();
                          c.contested += !d.case_id().empty() && d.case_id().find("+review") == std::string::npos;
                          ++c.by_status[std::string(DecisionStatusName(d.status()))];
                        }
                        return true;
                      }),
        IsOk());
    return by_rule_and_district;
  };
  const auto check = [&](const ImpactStatistics& stats) {
    std::map<std::string, ImpactCounts> want = expected();
    size_t cells = 0;
    for (const RuleImpact& rule : stats.rules) {
      const std::string name = rule.rule_id + (rule.formal ? "#formal" : "");
      for (const auto& [district, counts] : rule.by_district) {
        const ImpactCounts& w = want[name + "|" + district];
        EXPECT_EQ(counts.made, w.made) << rule.rule_id << " " << district;
        EXPECT_EQ(counts.reached, w.reached) << rule.rule_id << " " << district;
        EXPECT_EQ(counts.contested, w.contested) << rule.rule_id << " " << district;
        EXPECT_EQ(counts.by_status, w.by_status) << rule.rule_id << " " << district;
        ++cells;
      }
      EXPECT_EQ(rule.all.made, want[name + "|*"].made);
      EXPECT_EQ(rule.all.by_status, want[name + "|*"].by_status);
      ++cells;
    }
    EXPECT_EQ(cells, want.size());
  };

  // The maternelle offer in the 11th, taken up after its SMS arrived; a
  // heatwave's calls; a contest.
  const auto offer_id = ListDecisionIdsOfPerson(engine_.store(), "P0001")->front();
  const storage::v1::DecisionRecord offer = **ReadDecision(engine_.store(), offer_id);
  EXPECT_EQ(offer.district(), "11");
  ASSERT_THAT(
      Run([&](EventApplier& a) {
        ASSIGN_OR_RETURN(std::vector<LeasedMessage> leased,
                         a.gateway().Lease("kannel", "", 1000, absl::Minutes(5), engine_.clock().Now()));
        for (const LeasedMessage& l : leased) {
          RETURN_IF_ERROR(a.gateway().Ack(l.message.message_id(), "k", engine_.clock().Now()).status());
          RETURN_IF_ERROR(a.gateway().ReportDelivery(l.message.message_id(), true, "", engine_.clock().Now()).status());
        }
        return a.gateway()
            .ReportReply("+33639980002", "OUI " + offer.reference_code(), "k-oui", engine_.clock().Now(),
                         engine_.clock().Now())
            .status();
      }),
      IsOk());
  ASSERT_THAT(
      engine_.Publish(
          R"({"event_id":"mf-1","topic":"weather.heatwave","area":"75","source":"meteo-france","occurred_at":"2026-06-29T06:00:00Z","fields":{"level":"red","episode_id":"e1"}})"),
      IsOk());
  engine_.Settle();
  const std::string contested = ListDecisionIdsOfPerson(engine_.store(), "P0010")->back();
  std::string formal_id;
  ASSERT_THAT(Run([&](EventApplier& a) {
                RETURN_IF_ERROR(
                    a.commands().Contest(contested, "citizen", "je ne vis pas seule", engine_.clock().Now()).status());
                // The formal decision that followed the acceptance, contested on its own.
                formal_id = a.commands().FormalDecisionId(offer);
                return a.commands().Contest(formal_id, "citizen", "pas cette école", engine_.clock().Now()).status();
              }),
              IsOk());

  absl::StatusOr<ImpactStatistics> stats = ComputeImpact(engine_.store(), ImpactQuery{});
  ASSERT_THAT(stats, IsOk());
  ASSERT_NO_FATAL_FAILURE(check(*stats));
  const RuleImpact* maternelle = Find(*stats, offer.rule_id());
  ASSERT_NE(maternelle, nullptr);
  EXPECT_THAT(maternelle->by_district.at("11").by_status, ::testing::Contains(Pair("confirmed", 1)));
  EXPECT_EQ(maternelle->by_district.at("11").reached, 1);
  EXPECT_EQ(maternelle->by_district.at("11").contested, 0);
  const RuleImpact* formal = Find(*stats, offer.rule_id(), /*formal=*/true);
  ASSERT_NE(formal, nullptr);
  EXPECT_EQ(formal->by_district.at("11").made, 1);
  EXPECT_EQ(formal->by_district.at("11").contested, 1);
  EXPECT_EQ(formal->by_district.at("11").by_status, (std::map<std::string, int64_t>{{"in review", 1}}));
  const storage::v1::DecisionRecord heat = **ReadDecision(engine_.store(), contested);
  const RuleImpact* heatwave = Find(*stats, heat.rule_id());
  ASSERT_NE(heatwave, nullptr);
  EXPECT_GE(heatwave->all.contested, 1);
  EXPECT_EQ(heatwave->by_district.at(heat.district()).by_status.at("in review"), 1);

  // A person forgotten (M. Roux, told of the heatwave): their decisions are
  // kept, pseudonymised, and still counted, in the district unknown (where
  // they lived goes with them). A period before everything: nothing.
  const std::string roux = ListDecisionIdsOfPerson(engine_.store(), "P0011")->back();
  const std::string roux_district = (*ReadDecision(engine_.store(), roux))->district();
  ASSERT_FALSE(roux_district.empty());
  ASSERT_THAT(Run([&](EventApplier& a) {
                return a.eraser().Forget({"P0011", "back-office:test", "RGPD-1"}, engine_.clock().Now()).status();
              }),
              IsOk());
  absl::StatusOr<ImpactStatistics> after = ComputeImpact(engine_.store(), ImpactQuery{});
  ASSERT_THAT(after, IsOk());
  ASSERT_NO_FATAL_FAILURE(check(*after));
  const RuleImpact* roux_rule = Find(*after, (*ReadDecision(engine_.store(), roux))->rule_id());
  ASSERT_NE(roux_rule, nullptr);
  EXPECT_EQ((*ReadDecision(engine_.store(), roux))->district(), "");
  EXPECT_EQ(roux_rule->by_district.at("").made, 1);
  EXPECT_EQ(Find(*after, heat.rule_id())->all.made, heatwave->all.made);
  EXPECT_EQ(after->decisions_read, stats->decisions_read);
  ImpactQuery before;
  before.made_until = absl::FromCivil(absl::CivilSecond(2026, 6, 29, 0, 0, 0), absl::UTCTimeZone());
  absl::StatusOr<ImpactStatistics> none = ComputeImpact(engine_.store(), before);
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->rules.empty());
}

// A caller that gave up stops the scan within 1,024 decisions.
TEST(ImpactStopTest, TheScanStopsWhenItsCallerGivesUp) {
  testing::TempDir dir;
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open({dir.path() + "/data"});
  ASSERT_THAT(store, IsOk());
  WriteBatch batch(**store);
  for (int i = 0; i < 3000; ++i) {
    storage::v1::DecisionRecord d;
    d.set_decision_id(absl::StrCat("d-", 100000 + i));
    d.set_rule_id("r");
    d.set_status(storage::v1::ISSUED);
    d.mutable_created_at()->set_seconds(1782892800 + i);
    PutDecision(&batch, &d);
  }
  ASSERT_THAT((*store)->Write(&batch, /*sync=*/false), IsOk());

  int asked = 0;
  ImpactQuery query;
  query.stop = [&asked] { return ++asked == 2; };  // gives up during the second 1,024
  EXPECT_THAT(ComputeImpact(**store, query),
              testing::StatusIs(absl::StatusCode::kCancelled, "stopped after 1024 decisions: the caller gave up"));
  EXPECT_EQ(asked, 2);
  query.stop = [] { return false; };
  absl::StatusOr<ImpactStatistics> all = ComputeImpact(**store, query);
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->decisions_read, 3000);
}

TEST(DistrictOrderTest, NumbersAsNumbersThenNamesThenUnknown) {
  std::vector<std::string> districts = {"", "10", "Centre", "2", "20", "1", "Bastia"};
  std::sort(districts.begin(), districts.end(), DistrictOrder());
  EXPECT_EQ(districts, (std::vector<std::string>{"1", "2", "10", "20", "Bastia", "Centre", ""}));
  EXPECT_FALSE(DistrictOrder()("", ""));
  EXPECT_FALSE(DistrictOrder()("2", "2"));
}

}  // namespace
}  // namespace proactive
