#include "engine/common/time_limit.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace proactive {
namespace {

using ::proactive::testing::StatusIs;
using ::testing::HasSubstr;

TEST(TimeLimitTest, MonthsEndOnTheDayOfTheSameNumber) {
  // From 1 July, two months are 62 days; 61 days would end on 31 August.
  EXPECT_EQ(LastDayOf(TimeLimit::Months(2), absl::CivilDay(2026, 7, 1)), absl::CivilDay(2026, 9, 1));
  EXPECT_EQ(LastDayOf(TimeLimit::Days(61), absl::CivilDay(2026, 7, 1)), absl::CivilDay(2026, 8, 31));
  EXPECT_EQ(LastDayOf(TimeLimit::Months(2), absl::CivilDay(2026, 11, 15)), absl::CivilDay(2027, 1, 15));
  EXPECT_EQ(LastDayOf(TimeLimit::Months(12), absl::CivilDay(2026, 3, 10)), absl::CivilDay(2027, 3, 10));
}

TEST(TimeLimitTest, AMonthWithoutThatDayEndsOnItsLastDay) {
  EXPECT_EQ(LastDayOf(TimeLimit::Months(2), absl::CivilDay(2026, 12, 31)), absl::CivilDay(2027, 2, 28));
  EXPECT_EQ(LastDayOf(TimeLimit::Months(2), absl::CivilDay(2027, 12, 31)), absl::CivilDay(2028, 2, 29));
  EXPECT_EQ(LastDayOf(TimeLimit::Months(1), absl::CivilDay(2026, 8, 31)), absl::CivilDay(2026, 9, 30));
  EXPECT_EQ(LastDayOf(TimeLimit::Months(2), absl::CivilDay(2026, 12, 30)), absl::CivilDay(2027, 2, 28));
  EXPECT_EQ(LastDayOf(TimeLimit::Months(3), absl::CivilDay(2026, 11, 30)), absl::CivilDay(2027, 2, 28));
}

TEST(TimeLimitTest, ADeadlineEndsAtTheEndOfTheLastDayInTheZone) {
  absl::TimeZone paris;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Paris", &paris));
  // 23:30 in Paris on 30 June is already 1 July's act in Paris, not in UTC.
  const absl::Time act = absl::FromCivil(absl::CivilSecond(2026, 7, 1, 0, 30, 0), paris);
  EXPECT_EQ(DeadlineAfter(TimeLimit::Months(2), act, paris),
            absl::FromCivil(absl::CivilSecond(2026, 9, 1, 23, 59, 59), paris));
  EXPECT_EQ(DeadlineAfter(TimeLimit::Months(2), act, absl::UTCTimeZone()),
            absl::FromCivil(absl::CivilSecond(2026, 8, 30, 23, 59, 59), absl::UTCTimeZone()));
}

TEST(TimeLimitTest, ReadsDaysAndMonthsAndSaysWhatIsWrong) {
  EXPECT_EQ(*ParseTimeLimit("2 months", 365), TimeLimit::Months(2));
  EXPECT_EQ(*ParseTimeLimit(" 1 month ", 365), TimeLimit::Months(1));
  EXPECT_EQ(*ParseTimeLimit("61 days", 365), TimeLimit::Days(61));
  EXPECT_EQ(*ParseTimeLimit("1 day", 365), TimeLimit::Days(1));
  EXPECT_THAT(ParseTimeLimit("two months", 365),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("write a number of days or months")));
  EXPECT_THAT(ParseTimeLimit("2 weeks", 365),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"weeks\" is not a unit of a time limit")));
  EXPECT_THAT(ParseTimeLimit("0 days", 365),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("from 1 day to 365 days")));
  EXPECT_THAT(ParseTimeLimit("12 months", 365), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(TimeLimitText(TimeLimit::Months(2)), "2 months");
  EXPECT_EQ(TimeLimitText(TimeLimit::Days(1)), "1 day");
}

}  // namespace
}  // namespace proactive
