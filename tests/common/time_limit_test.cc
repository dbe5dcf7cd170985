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
  // 00:30 on 1 July in Paris is still 30 June in UTC: the day is the city's.
  const absl::Time act = absl::FromCivil(absl::CivilSecond(2026, 7, 1, 0, 30, 0), paris);
  EXPECT_EQ(DeadlineAfter(TimeLimit::Months(2), act, paris),
            absl::FromCivil(absl::CivilSecond(2026, 9, 1, 23, 59, 59), paris));
  EXPECT_EQ(DeadlineAfter(TimeLimit::Months(2), act, absl::UTCTimeZone()),
            absl::FromCivil(absl::CivilSecond(2026, 8, 30, 23, 59, 59), absl::UTCTimeZone()));
}

// The time to contest is a délai franc: to the day of the same number as the
// day after notification, then to the next working day.
TEST(TimeLimitTest, TheTimeToContestIsCountedAsTheLawCountsIt) {
  // Notified on Wednesday 1 July 2026: until Wednesday 2 September.
  EXPECT_EQ(LastDayToContest(TimeLimit::Months(2), absl::CivilDay(2026, 7, 1)), absl::CivilDay(2026, 9, 2));
  // Notified on 1 October 2007: 2 December was a Sunday, so Monday 3.
  EXPECT_EQ(LastDayToContest(TimeLimit::Months(2), absl::CivilDay(2007, 10, 1)), absl::CivilDay(2007, 12, 3));
  // Notified on 3 January 2021: until 4 March.
  EXPECT_EQ(LastDayToContest(TimeLimit::Months(2), absl::CivilDay(2021, 1, 3)), absl::CivilDay(2021, 3, 4));
  // Notified on 30 December 2026: the 31st has no February twin, so 28
  // February 2027, a Sunday: Monday 1 March.
  EXPECT_EQ(LastDayToContest(TimeLimit::Months(2), absl::CivilDay(2026, 12, 30)), absl::CivilDay(2027, 3, 1));
  // Notified on 13 September 2026: 14 November is a Saturday, 16 Monday.
  EXPECT_EQ(LastDayToContest(TimeLimit::Months(2), absl::CivilDay(2026, 9, 13)), absl::CivilDay(2026, 11, 16));
  // Notified on Thursday 30 July 2026: 30 September is one reading, the day
  // after the 30th the other: the later, Thursday 1 October.
  EXPECT_EQ(LastDayToContest(TimeLimit::Months(2), absl::CivilDay(2026, 7, 30)), absl::CivilDay(2026, 10, 1));
  // Ten days from Monday 2 November 2026: neither day counts, 13 November.
  EXPECT_EQ(LastDayToContest(TimeLimit::Days(10), absl::CivilDay(2026, 11, 2)), absl::CivilDay(2026, 11, 13));
  // Ending on a public holiday: notified on 10 March 2026, 11 May is a
  // Monday; notified on 13 March 2026, 14 May is Ascension: Friday 15.
  EXPECT_EQ(LastDayToContest(TimeLimit::Months(2), absl::CivilDay(2026, 3, 10)), absl::CivilDay(2026, 5, 11));
  EXPECT_EQ(LastDayToContest(TimeLimit::Months(2), absl::CivilDay(2026, 3, 13)), absl::CivilDay(2026, 5, 15));
}

TEST(TimeLimitTest, KnowsTheFrenchPublicHolidays) {
  // 2026: Easter on 5 April.
  for (absl::CivilDay day : {absl::CivilDay(2026, 1, 1), absl::CivilDay(2026, 4, 6), absl::CivilDay(2026, 5, 1),
                             absl::CivilDay(2026, 5, 8), absl::CivilDay(2026, 5, 14), absl::CivilDay(2026, 5, 25),
                             absl::CivilDay(2026, 7, 14), absl::CivilDay(2026, 8, 15), absl::CivilDay(2026, 11, 1),
                             absl::CivilDay(2026, 11, 11), absl::CivilDay(2026, 12, 25)}) {
    EXPECT_TRUE(IsFrenchPublicHoliday(day)) << day;
  }
  for (absl::CivilDay day : {absl::CivilDay(2026, 4, 5), absl::CivilDay(2026, 4, 3), absl::CivilDay(2026, 12, 26),
                             absl::CivilDay(2026, 6, 29)}) {
    EXPECT_FALSE(IsFrenchPublicHoliday(day)) << day;
  }
  // Easter Monday 2027 is 29 March, 2024 was 1 April.
  EXPECT_TRUE(IsFrenchPublicHoliday(absl::CivilDay(2027, 3, 29)));
  EXPECT_TRUE(IsFrenchPublicHoliday(absl::CivilDay(2024, 4, 1)));
  // Friday 1 May 2026 then the weekend: Monday 4 May.
  EXPECT_EQ(WorkingDayFrom(absl::CivilDay(2026, 5, 1)), absl::CivilDay(2026, 5, 4));
  EXPECT_EQ(WorkingDayFrom(absl::CivilDay(2026, 6, 29)), absl::CivilDay(2026, 6, 29));
}

// A letter posted on Wednesday 1 July 2026 arrives on Monday 6 July (J+3);
// one posted on Friday 10 July skips the weekend and 14 July: Thursday 16.
TEST(TimeLimitTest, WorkingDaysAfterSkipWeekendsAndHolidays) {
  EXPECT_EQ(WorkingDaysAfter(absl::CivilDay(2026, 7, 1), 3), absl::CivilDay(2026, 7, 6));
  EXPECT_EQ(WorkingDaysAfter(absl::CivilDay(2026, 7, 10), 3), absl::CivilDay(2026, 7, 16));
  EXPECT_EQ(WorkingDaysAfter(absl::CivilDay(2026, 7, 4), 0), absl::CivilDay(2026, 7, 4));  // a Saturday, as is
  EXPECT_EQ(WorkingDaysAfter(absl::CivilDay(2026, 7, 4), 1), absl::CivilDay(2026, 7, 6));
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
  EXPECT_THAT(ParseTimeLimit("100000000 months", 365), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(*ParseTimeLimit("11 months", 365), TimeLimit::Months(11));
  EXPECT_EQ(TimeLimitText(TimeLimit::Months(2)), "2 months");
  EXPECT_EQ(TimeLimitText(TimeLimit::Days(1)), "1 day");
}

}  // namespace
}  // namespace proactive
