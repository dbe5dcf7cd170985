#include "connectors/opendatasoft/geometry.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::proactive::testing::StatusIs;
using json = nlohmann::json;

TEST(GeometryTest, PolygonWithAHoleAsAnOpendatasoftFeature) {
  json shape = json::parse(R"({"type": "Feature", "properties": {}, "geometry": {
      "type": "Polygon",
      "coordinates": [[[2.0, 48.0], [2.4, 48.0], [2.4, 48.4], [2.0, 48.4], [2.0, 48.0]],
                      [[2.1, 48.1], [2.2, 48.1], [2.2, 48.2], [2.1, 48.2], [2.1, 48.1]]]}})");
  absl::StatusOr<Area> area = ParseArea(shape);
  ASSERT_THAT(area, IsOk());
  EXPECT_TRUE(area->Contains({2.3, 48.3}));
  EXPECT_FALSE(area->Contains({2.15, 48.15}));  // in the hole
  EXPECT_FALSE(area->Contains({2.5, 48.3}));
}

TEST(GeometryTest, MultiPolygonAndPoints) {
  json shape = json::parse(R"({"type": "MultiPolygon", "coordinates": [
      [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]],
      [[[5, 5], [6, 5], [6, 6], [5, 6], [5, 5]]]]})");
  absl::StatusOr<Area> area = ParseArea(shape);
  ASSERT_THAT(area, IsOk());
  EXPECT_TRUE(area->Contains({5.5, 5.5}));
  EXPECT_FALSE(area->Contains({3, 3}));
  absl::StatusOr<LonLat> p = ParsePoint(json::parse(R"({"lon": 2.37, "lat": 48.86})"));
  ASSERT_THAT(p, IsOk());
  EXPECT_DOUBLE_EQ(p->lon, 2.37);
  p = ParsePoint(json::parse("[48.86, 2.37]"));  // [lat, lon]
  ASSERT_THAT(p, IsOk());
  EXPECT_DOUBLE_EQ(p->lon, 2.37);
  EXPECT_THAT(ParsePoint(json("here")), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseArea(json::parse(R"({"type": "Point", "coordinates": [1, 2]})")),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace proactive
