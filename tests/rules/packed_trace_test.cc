#include "engine/rules/packed_trace.h"

#include <limits>
#include <string>
#include <tuple>
#include <vector>

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

// A text written again (the subject's id under each `person.` of a rule) is
// a reference of a byte or two; the steps come back the same.
TEST(PackedTraceTest, ATextWrittenAgainIsAReferenceToTheFirst) {
  const std::vector<std::tuple<int, int, std::string>> steps = {
      {0, 6, "P0211968"}, {7, 17, "1959-01-02"}, {20, 25, "true"},       {30, 36, "P0211968"}, {40, 42, "65"},
      {44, 46, "65"},     {50, 56, "P0211968"},  {60, 70, "1959-01-02"}, {71, 72, ""},         {73, 74, ""}};
  std::string plain, packed;
  TracePacker packer(&packed);
  for (const auto& [begin, end, value] : steps) {
    AppendTraceStep(&plain, begin, end, value);
    packer.Add(begin, end, value);
  }
  // The second and third P0211968 and the second date are a 1-byte
  // reference instead of a length and the text; "65" and "" are too short
  // to gain.
  EXPECT_EQ(packed.size(), plain.size() - 2 * 8 - 10);
  absl::StatusOr<std::vector<PackedTraceStep>> unpacked = UnpackTrace(packed);
  ASSERT_THAT(unpacked, IsOk());
  ASSERT_EQ(unpacked->size(), steps.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    EXPECT_EQ((*unpacked)[i].begin, std::get<0>(steps[i])) << i;
    EXPECT_EQ((*unpacked)[i].end, std::get<1>(steps[i])) << i;
    EXPECT_EQ((*unpacked)[i].value, std::get<2>(steps[i])) << i;
  }
  // Beyond the look-back a text is written again, and still comes back.
  std::string long_trace;
  TracePacker far(&long_trace);
  far.Add(0, 1, "first text");
  for (int i = 0; i < 20; ++i) far.Add(i, i + 1, "text " + std::to_string(i));
  far.Add(0, 1, "first text");
  absl::StatusOr<std::vector<PackedTraceStep>> back = UnpackTrace(long_trace);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->back().value, "first text");
  EXPECT_NE(long_trace.find("first text"), long_trace.rfind("first text")) << "written twice";
}

// The evaluator adds booleans without their text: the same bytes, and each
// counts as a step for the references after it.
TEST(PackedTraceTest, ABooleanAddedAsSuchIsPackedAsItsText) {
  std::string as_text, as_bool;
  TracePacker text_packer(&as_text), bool_packer(&as_bool);
  text_packer.Add(0, 8, "P0211968");
  bool_packer.Add(0, 8, "P0211968");
  for (const auto& [begin, end, value] : std::vector<std::tuple<int, int, bool>>{{9, 13, true}, {14, 300, false}}) {
    text_packer.Add(begin, end, value ? "true" : "false");
    bool_packer.AddBool(begin, end, value);
  }
  text_packer.Add(301, 309, "P0211968");
  bool_packer.Add(301, 309, "P0211968");
  EXPECT_EQ(as_bool, as_text);
  absl::StatusOr<std::vector<PackedTraceStep>> back = UnpackTrace(as_bool);
  ASSERT_THAT(back, IsOk());
  ASSERT_EQ(back->size(), 4u);
  EXPECT_EQ((*back)[1].value, "true");
  EXPECT_EQ((*back)[2].value, "false");
  EXPECT_EQ((*back)[3].value, "P0211968");  // a reference three steps back
  EXPECT_EQ(as_text.size(), (3 + 8) + 2 + 3 + (2 + 1 + 1));
}

// The look-back holds the last 16 texts: the 16th back is a reference, the
// 17th back is written again.
TEST(PackedTraceTest, TheLookBackIsTheLastSixteenTexts) {
  for (const int others : {15, 16}) {
    std::string packed;
    TracePacker packer(&packed);
    packer.Add(0, 1, "first text");
    for (int i = 0; i < others; ++i) packer.Add(i, i + 1, "text " + std::to_string(100 + i));
    packer.Add(0, 1, "first text");
    absl::StatusOr<std::vector<PackedTraceStep>> back = UnpackTrace(packed);
    ASSERT_THAT(back, IsOk());
    EXPECT_EQ(back->back().value, "first text");
    const bool written_twice = packed.find("first text") != packed.rfind("first text");
    EXPECT_EQ(written_twice, others == 16) << others;
  }
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
  // Kind 3 refers to an earlier step: not to none, nor to itself.
  EXPECT_EQ(UnpackTrace(std::string("\x03\x01\x01", 3)).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(UnpackTrace(packed + std::string("\x03\x01\x03", 3)).status().message(), HasSubstr("step 3"));
  EXPECT_EQ(UnpackTrace(packed + std::string("\x03\x01\x00", 3)).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(UnpackTrace(packed + std::string("\x03\x01", 2)).status().code(), absl::StatusCode::kDataLoss);
  // References that would unpack a short trace into gigabytes.
  std::string bomb;
  TracePacker bomber(&bomb);
  bomber.Add(0, 1, std::string(1 << 20, 'x'));
  for (int i = 0; i < 15; ++i) bomber.Add(0, 1, std::string(1 << 20, 'x'));
  EXPECT_THAT(UnpackTrace(bomb), IsOk()) << "16 MiB of text in all is the limit";
  EXPECT_LT(bomb.size(), (1u << 20) + 100);
  bomber.Add(0, 1, std::string(1 << 20, 'x'));
  EXPECT_THAT(UnpackTrace(bomb).status().message(), HasSubstr("step 17"));
  // A varint that never ends.
  EXPECT_EQ(UnpackTrace(std::string(12, '\xff')).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace proactive
