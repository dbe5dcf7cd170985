#include "engine/common/text_formats.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOkAndHolds;
using ::proactive::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ParseIsoDateTest, AcceptsCalendarDates) {
  EXPECT_THAT(ParseIsoDate("2023-02-14"), IsOkAndHolds(absl::CivilDay(2023, 2, 14)));
  EXPECT_THAT(ParseIsoDate("2024-02-29"), IsOkAndHolds(absl::CivilDay(2024, 2, 29)));
  EXPECT_THAT(ParseIsoDate("0001-01-01"), IsOkAndHolds(absl::CivilDay(1, 1, 1)));
}

TEST(ParseIsoDateTest, NamesWhatIsWrong) {
  EXPECT_THAT(ParseIsoDate("2023-13-01"), StatusIs(absl::StatusCode::kInvalidArgument, "month 13 is not in 1..12"));
  EXPECT_THAT(ParseIsoDate("2023-02-29"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("2023-02-29 does not exist")));
  EXPECT_THAT(ParseIsoDate("14/02/2023"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("YYYY-MM-DD")));
  EXPECT_THAT(ParseIsoDate("2023-2-14"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseIsoDate("0000-01-01"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("year 0")));
}

TEST(FormatIsoDateTest, PadsEveryPartAndRoundTrips) {
  EXPECT_EQ(FormatIsoDate(absl::CivilDay(2026, 12, 6)), "2026-12-06");
  EXPECT_EQ(FormatIsoDate(absl::CivilDay(1, 1, 1)), "0001-01-01");
  EXPECT_EQ(FormatIsoDate(absl::CivilDay(9999, 12, 31)), "9999-12-31");
  EXPECT_EQ(FormatIsoDate(absl::CivilDay(10000, 1, 1)), "10000-01-01");
  for (absl::CivilDay day = absl::CivilDay(1999, 12, 25); day < absl::CivilDay(2001, 1, 10); ++day) {
    EXPECT_THAT(ParseIsoDate(FormatIsoDate(day)), IsOkAndHolds(day));
  }
}

TEST(EpochDaysTest, RoundTrips) {
  for (absl::CivilDay day : {absl::CivilDay(1970, 1, 1), absl::CivilDay(1969, 12, 31), absl::CivilDay(2026, 11, 21),
                             absl::CivilDay(1, 1, 1)}) {
    EXPECT_EQ(DayFromEpochDays(DaysSinceEpoch(day)), day);
  }
  EXPECT_EQ(DaysSinceEpoch(absl::CivilDay(1970, 1, 2)), 1);
  EXPECT_EQ(DaysSinceEpoch(absl::CivilDay(1969, 12, 31)), -1);
}

TEST(ParseMoneyTest, ExactCents) {
  EXPECT_THAT(ParseMoney("1234.56 EUR"), IsOkAndHolds(Money{123456, "EUR"}));
  EXPECT_THAT(ParseMoney("0.5 EUR"), IsOkAndHolds(Money{50, "EUR"}));
  EXPECT_THAT(ParseMoney("-3 EUR"), IsOkAndHolds(Money{-300, "EUR"}));
  EXPECT_THAT(ParseMoney("12000 EUR"), IsOkAndHolds(Money{1200000, "EUR"}));
}

TEST(ParseMoneyTest, RefusesAmbiguousAmounts) {
  EXPECT_THAT(ParseMoney("12.345 EUR"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most two decimals")));
  EXPECT_THAT(ParseMoney("12,34 EUR"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseMoney("12.34"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("currency")));
  EXPECT_THAT(ParseMoney("12.34 eur"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("upper-case")));
  EXPECT_THAT(ParseMoney("99999999999999999 EUR"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("too large")));
}

TEST(FormatMoneyTest, TwoDecimals) {
  EXPECT_EQ(FormatMoney(Money{123456, "EUR"}), "1234.56 EUR");
  EXPECT_EQ(FormatMoney(Money{-5, "EUR"}), "-0.05 EUR");
  EXPECT_EQ(FormatMoney(Money{INT64_MIN, "EUR"}), "-92233720368547758.08 EUR");
}

TEST(Rfc3339Test, ParsesOffsetsAndPrintsUtc) {
  absl::StatusOr<absl::Time> t = ParseRfc3339("2026-07-01T10:00:00+02:00");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(FormatRfc3339(*t), "2026-07-01T08:00:00Z");
  EXPECT_EQ(FormatRfc3339(*t + absl::Milliseconds(250)), "2026-07-01T08:00:00.25Z");
  EXPECT_THAT(ParseRfc3339("2026-07-01"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(DurationTextTest, ParsesAndFormats) {
  EXPECT_THAT(ParseDurationText("1h30m"), IsOkAndHolds(absl::Minutes(90)));
  EXPECT_THAT(ParseDurationText("1.5s"), IsOkAndHolds(absl::Milliseconds(1500)));
  EXPECT_THAT(ParseDurationText("forever"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FormatDurationSeconds(absl::Seconds(3600)), "3600s");
  EXPECT_EQ(FormatDurationSeconds(absl::Milliseconds(1500)), "1.5s");
  EXPECT_EQ(FormatDurationSeconds(-absl::Milliseconds(500)), "-0.5s");
  EXPECT_EQ(FormatDurationSeconds(absl::ZeroDuration()), "0s");
}

TEST(OneLineTextTest, FoldsEveryRunOfWhitespaceIntoOneSpace) {
  EXPECT_EQ(OneLineText("  Street and number\n  as a key,\tused once.\n"), "Street and number as a key, used once.");
  EXPECT_EQ(OneLineText(" \n\t "), "");
  EXPECT_EQ(OneLineText("déjà vu"), "déjà vu");
}

}  // namespace
}  // namespace proactive
