#include "engine/synth/synthetic_population.h"

#include <set>

#include "engine/client/event_json.h"
#include "engine/common/sha256.h"
#include "engine/ingest/event_validator.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/ingest/test_events.h"
#include "tests/testing/status_matchers.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;

std::string Digest(const SyntheticPopulationOptions& options) {
  Sha256 hasher;
  GenerateSyntheticPopulation(options, [&](const v1::PublishRequest& e) { hasher.Update(EventToJson(e)); });
  return ToHex(hasher.Finish());
}

TEST(SyntheticPopulationTest, SameOptionsSameEventsOtherSeedOtherEvents) {
  SyntheticPopulationOptions options{2000, 42, absl::CivilDay(2026, 9, 1)};
  EXPECT_EQ(Digest(options), Digest(options));
  SyntheticPopulationOptions other = options;
  other.seed = 43;
  EXPECT_NE(Digest(options), Digest(other));
}

TEST(SyntheticPopulationTest, EveryEventPassesTheSchemaAndIdsAreUnique) {
  AttributeSchema schema = testing::ProjectSchema();
  SyntheticPopulationOptions options{5000, 7, absl::CivilDay(2026, 9, 1)};
  absl::Time now = absl::FromCivil(absl::CivilSecond(2026, 9, 1, 12, 0, 0), absl::UTCTimeZone());
  std::set<std::string> ids;
  int64_t invalid = 0, guardian_links = 0;
  SyntheticPopulationStats stats = GenerateSyntheticPopulation(options, [&](const v1::PublishRequest& event) {
    absl::StatusOr<ValidatedEvent> validated = ValidatePublishRequest(event, schema, {}, now);
    if (!validated.ok()) {
      ADD_FAILURE() << validated.status() << "\n" << EventToJson(event);
      ++invalid;
    }
    EXPECT_TRUE(ids.insert(event.person().event_id()).second) << event.person().event_id();
    guardian_links += event.person().links_added_size();
  });
  EXPECT_EQ(invalid, 0);
  EXPECT_EQ(static_cast<int64_t>(ids.size()), stats.events);
  EXPECT_GE(stats.persons, 5000);
  EXPECT_LT(stats.persons, 5010);  // stops at the household that reaches the count
  EXPECT_GT(guardian_links, 0);
  EXPECT_GT(stats.children_turning_three, 0);
  EXPECT_GT(stats.reflex_registered, 0);
  EXPECT_LT(stats.with_phone, stats.persons);  // not everyone has a phone
}

TEST(SyntheticPopulationTest, ArrondissementsAreSizedLikeParis) {
  SyntheticPopulationOptions options{100000, 3, absl::CivilDay(2026, 9, 1)};
  SyntheticPopulationStats stats = GenerateSyntheticPopulation(options, [](const v1::PublishRequest&) {});
  int64_t total = 0;
  for (int a = 1; a <= 20; ++a) {
    EXPECT_GT(stats.persons_by_arrondissement[a], 0) << a;
    total += stats.persons_by_arrondissement[a];
  }
  EXPECT_EQ(total, stats.persons);
  // The 15th is about 14 times the 1st (229k vs 16k).
  EXPECT_GT(stats.persons_by_arrondissement[15], 8 * stats.persons_by_arrondissement[1]);
  EXPECT_GT(stats.persons_by_arrondissement[15], stats.persons_by_arrondissement[11]);
}

}  // namespace
}  // namespace proactive
