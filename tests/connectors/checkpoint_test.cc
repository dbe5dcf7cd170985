#include "connectors/common/checkpoint.h"

#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::proactive::testing::StatusIs;
using ::testing::HasSubstr;

TEST(CheckpointTest, MissingFileIsAnEmptyPosition) {
  testing::TempDir dir;
  absl::StatusOr<nlohmann::json> state = LoadCheckpoint(dir.path() + "/none.state");
  ASSERT_THAT(state, IsOk());
  EXPECT_TRUE(state->is_object());
  EXPECT_TRUE(state->empty());
}

TEST(CheckpointTest, RoundTripAndReplace) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/a.state";
  ASSERT_THAT(SaveCheckpoint(path, {{"offset", 10}, {"line", 2}}), IsOk());
  ASSERT_THAT(SaveCheckpoint(path, {{"offset", 4096}, {"line", 80}}), IsOk());
  absl::StatusOr<nlohmann::json> state = LoadCheckpoint(path);
  ASSERT_THAT(state, IsOk());
  EXPECT_EQ((*state)["offset"], 4096);
  EXPECT_EQ((*state)["line"], 80);
  std::ifstream temp(path + ".tmp");
  EXPECT_FALSE(temp.good()) << "the temporary file is renamed, not left behind";
}

TEST(CheckpointTest, CorruptFileIsDataLossNamingIt) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/bad.state";
  std::ofstream(path) << "{\"offset\": 12";
  EXPECT_THAT(LoadCheckpoint(path), StatusIs(absl::StatusCode::kDataLoss, HasSubstr(path)));
}

TEST(CheckpointTest, UnwritableDirectoryIsUnavailable) {
  EXPECT_THAT(SaveCheckpoint("/nonexistent-dir/x.state", {{"a", 1}}),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("cannot create")));
}

}  // namespace
}  // namespace proactive
