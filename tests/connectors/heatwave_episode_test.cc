#include "connectors/vigilance/heatwave_episode.h"

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/connectors/vigilance_feed.h"
#include "tests/testing/status_matchers.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::proactive::testing::StatusIs;
using ::testing::HasSubstr;

absl::TimeZone Paris() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/Paris", &zone));
  return zone;
}

std::vector<PeriodLevel> Levels(int day, int color_j, int color_j1) {
  std::string body = testing::VigilanceFeed(day, {{"75", color_j, color_j1}, {"13", 1, 1}});
  absl::StatusOr<std::vector<PeriodLevel>> levels = ParseHeatwaveLevels(body, "75", {"J", "J1"});
  EXPECT_THAT(levels, IsOk());
  return levels.ok() ? *levels : std::vector<PeriodLevel>();
}

TEST(HeatwaveEpisodeTest, ParsesTheDocumentedFeed) {
  std::vector<PeriodLevel> levels = Levels(1, 2, 3);
  ASSERT_EQ(levels.size(), 2u);
  EXPECT_EQ(levels[0].period, "J");
  EXPECT_EQ(levels[0].color, 2);
  EXPECT_EQ(levels[1].color, 3);
  EXPECT_THAT(ParseHeatwaveLevels("{\"product\": ", "75", {"J"}),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("not valid JSON")));
  EXPECT_THAT(ParseHeatwaveLevels("{\"product\": {}}", "75", {"J"}),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("product.periods")));
  EXPECT_THAT(ParseHeatwaveLevels(testing::VigilanceFeed(1, {{"13", 1, 1}}), "75", {"J"}),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(HeatwaveEpisodeTest, EpisodeIdIsStableWhileOrangeOrRed) {
  EpisodeState state;
  EXPECT_TRUE(StepEpisode("75", Levels(1, 1, 2), Paris(), &state).empty());
  std::vector<HeatwaveBroadcast> out = StepEpisode("75", Levels(1, 2, 3), Paris(), &state);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].level, "orange");
  EXPECT_EQ(out[0].episode_id,
            "75-2026-07-02");  // the J1 period starts the episode
  const std::string first_id = out[0].event_id;

  // The same bulletin polled again: the same event (DUPLICATE for the engine).
  out = StepEpisode("75", Levels(1, 2, 3), Paris(), &state);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].event_id, first_id);

  // Red the next day: same episode, new event.
  out = StepEpisode("75", Levels(2, 4, 3), Paris(), &state);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].level, "red");
  EXPECT_EQ(out[0].episode_id, "75-2026-07-02");
  EXPECT_NE(out[0].event_id, first_id);

  // Back to yellow: one closing broadcast, then nothing.
  out = StepEpisode("75", Levels(3, 2, 1), Paris(), &state);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].level, "yellow");
  EXPECT_EQ(out[0].episode_id, "75-2026-07-02");
  EXPECT_TRUE(state.episode_id.empty());
  EXPECT_TRUE(StepEpisode("75", Levels(4, 2, 1), Paris(), &state).empty());

  // A new episode later gets a new id.
  out = StepEpisode("75", Levels(10, 3, 3), Paris(), &state);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].episode_id, "75-2026-07-10");
}

TEST(HeatwaveEpisodeTest, BroadcastMatchesTheSchemaTopic) {
  HeatwaveBroadcast b{"75", "orange", "75-2026-07-02", "meteo-france:heatwave:75:x", absl::UnixEpoch()};
  v1::PublishRequest request = ToPublishRequest(b);
  EXPECT_EQ(request.broadcast().topic(), "weather.heatwave");
  EXPECT_EQ(request.broadcast().source(), "meteo-france");
  EXPECT_EQ(request.broadcast().area(), "75");
  ASSERT_EQ(request.broadcast().fields_size(), 2);
  EXPECT_EQ(request.broadcast().fields(0).name(), "level");
  EXPECT_EQ(request.broadcast().fields(1).value().string_value(), "75-2026-07-02");
}

}  // namespace
}  // namespace proactive
