#include "engine/rules/packed_trace.h"

#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(PackedTraceTest, StepsComeBackAsPackedAndBooleansTakeAFewBytes) {
  std::string packed;
  AppendTraceStep(&packed, 0, 18, "true");
  EXPECT_EQ(packed.size(), 2u);
  AppendTraceStep(&packed, 22, 31, "false");
  AppendTraceStep(&packed, 40, 40, "");
  AppendTraceStep(&packed, 300, 5000, "[orange, red]");
  AppendTraceStep(&packed, 7, 9, std::string(200, 'x'));  // a length over one varint byte
  absl::StatusOr<std::vector<PackedTraceStep>> steps = UnpackTrace(packed);
  ASSERT_THAT(steps, IsOk());
  ASSERT_EQ(steps->size(), 5u);
  const std::vector<std::tuple<int, int, std::string>> want = {
      {0, 18, "true"}, {22, 31, "false"}, {40, 40, ""}, {300, 5000, "[orange, red]"}, {7, 9, std::string(200, 'x')}};
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ((*steps)[i].begin, std::get<0>(want[i])) << i;
    EXPECT_EQ((*steps)[i].end, std::get<1>(want[i])) << i;
    EXPECT_EQ((*steps)[i].value, std::get<2>(want[i])) << i;
  }
  EXPECT_THAT(*UnpackTrace(""), IsEmpty());
}

TEST(PackedTraceTest, ARangeOutOfContractIsClampedNotMadeUnreadable) {
  std::string packed;
  AppendTraceStep(&packed, -1, 3, "x");
  AppendTraceStep(&packed, 9, 2, "true");
  AppendTraceStep(&packed, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max(), "false");
  absl::StatusOr<std::vector<PackedTraceStep>> steps = UnpackTrace(packed);
  ASSERT_THAT(steps, IsOk());
  ASSERT_EQ(steps->size(), 3u);
  EXPECT_EQ((*steps)[0].begin, 0);
  EXPECT_EQ((*steps)[0].end, 3);
  EXPECT_EQ((*steps)[1].begin, 9);
  EXPECT_EQ((*steps)[1].end, 9);
  EXPECT_EQ((*steps)[2].end, std::numeric_limits<int32_t>::max());
}

TEST(PackedTraceTest, ATraceCutShortOrMalformedIsDataLossNamingTheStep) {
  std::string packed;
  AppendTraceStep(&packed, 0, 4, "true");
  AppendTraceStep(&packed, 5, 9, "orange");
  for (size_t cut = 1; cut < packed.size(); ++cut) {
    if (cut == 2) continue;  // the first step whole: a valid trace of one step
    absl::StatusOr<std::vector<PackedTraceStep>> steps = UnpackTrace(packed.substr(0, cut));
    EXPECT_EQ(steps.status().code(), absl::StatusCode::kDataLoss) << cut;
  }
  EXPECT_THAT(UnpackTrace(packed.substr(0, packed.size() - 1)).status().message(), HasSubstr("step 2 at byte 2"));
  // Kind 3 does not exist.
  EXPECT_EQ(UnpackTrace(std::string("\x03\x01", 2)).status().code(), absl::StatusCode::kDataLoss);
  // A varint that never ends.
  EXPECT_EQ(UnpackTrace(std::string(12, '\xff')).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace proactive
