// The date extension: literals, comparisons, arithmetic with the
// end-of-month rule, getters, and age() including 29 February birthdays.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/eval/rules_env.h"

namespace proactive::eval {
namespace {

class DateTest : public ::testing::Test {
 protected:
  std::string E(absl::string_view text) { return FormatValue(env_.Eval(text)); }
  testing::RulesEnv env_;  // today = 2026-07-01
};

TEST_F(DateTest, LiteralsAndComparisons) {
  EXPECT_EQ(E("date('2026-09-01')"), "date(\"2026-09-01\")");
  EXPECT_EQ(E("date(2026, 9, 1) == date('2026-09-01')"), "true");
  EXPECT_EQ(E("date('2026-09-01') > today"), "true");
  EXPECT_EQ(E("date('2026-09-01') - today"), "62");
  EXPECT_EQ(E("string(today)"), "\"2026-07-01\"");
  EXPECT_EQ(E("type(today) == date"), "true");
  EXPECT_EQ(E("date(timestamp('2026-06-30T22:30:00Z'), 'Europe/Paris')"), "date(\"2026-07-01\")");
}

// A record's date against today: compared at evaluation time, not folded.
// Dates, bools and ints of a record are compared on one fast path; a date is
// never equal to, nor ordered with, an int holding the same number.
TEST_F(DateTest, ARecordsDatesComparedAtEvaluationTime) {
  RecordObject& person = env_.NewPerson();
  person.Set(env_.birth_date, Value::Date(absl::CivilDay(2026, 7, 1)));
  person.Set(env_.lives_alone, Value::Bool(true));
  person.Set(env_.arrondissement, Value::Int(20635));  // 2026-07-01 in days since 1970
  const auto on = [&](absl::string_view text) { return FormatValue(env_.Eval(text, &person)); };
  EXPECT_EQ(on("person.birth_date == today"), "true");
  EXPECT_EQ(on("person.birth_date <= today && person.birth_date >= today"), "true");
  EXPECT_EQ(on("person.birth_date < today"), "false");
  EXPECT_EQ(on("person.birth_date > today.addDays(-1)"), "true");
  EXPECT_EQ(on("person.birth_date != today.addDays(1)"), "true");
  EXPECT_EQ(on("person.lives_alone == true"), "true");
  EXPECT_EQ(on("person.lives_alone > false"), "true");
  EXPECT_EQ(on("person.arrondissement == today - date('1970-01-01')"), "true");
  EXPECT_EQ(on("dyn(person.arrondissement) == dyn(person.birth_date)"), "false");
  EXPECT_EQ(on("dyn(person.arrondissement) < dyn(person.birth_date)"), "error: no ordering between int and date");
}

TEST_F(DateTest, InvalidDatesAreErrors) {
  EXPECT_EQ(E("date('2026-02-29')"), "error: 2026-02-29 does not exist (day 29)");
  EXPECT_EQ(E("date('1er mai')"), "error: \"1er mai\" is not a date of the form YYYY-MM-DD");
  EXPECT_EQ(E("date(2026, 13, 1)"), "error: month 13 is not in 1..12");
  EXPECT_EQ(E("date('9999-12-31').addDays(1)"), "error: date out of range (years 0001 to 9999)");
}

TEST_F(DateTest, AddDaysMonthsYears) {
  EXPECT_EQ(E("today.addDays(-1)"), "date(\"2026-06-30\")");
  EXPECT_EQ(E("date('2026-12-31').addDays(1)"), "date(\"2027-01-01\")");
  EXPECT_EQ(E("date('2026-03-15').addMonths(-3)"), "date(\"2025-12-15\")");
  EXPECT_EQ(E("date('2026-01-31').addMonths(1)"),
            "date(\"2026-02-28\")");  // clamped
  EXPECT_EQ(E("date('2024-01-31').addMonths(1)"), "date(\"2024-02-29\")");
  EXPECT_EQ(E("date('2026-03-31').addMonths(1)"), "date(\"2026-04-30\")");
  EXPECT_EQ(E("date('2024-02-29').addYears(1)"), "date(\"2025-02-28\")");
  EXPECT_EQ(E("date('2024-02-29').addYears(4)"), "date(\"2028-02-29\")");
  // Clamping is not undone: Jan 31 + 1 month - 1 month is Jan 28.
  EXPECT_EQ(E("date('2026-01-31').addMonths(1).addMonths(-1)"), "date(\"2026-01-28\")");
}

TEST_F(DateTest, Getters) {
  EXPECT_EQ(E("[today.year(), today.month(), today.day(), today.dayOfWeek()]"),
            "[2026, 7, 1, 3]");  // a Wednesday
  // Around the turn of the year and leap days, and at the ends of the range.
  EXPECT_EQ(E("[date('2026-01-01').year(), date('2025-12-31').year(), "
              "date('2024-02-29').year(), date('2024-02-29').month(), "
              "date('2024-02-29').day(), date('2000-03-01').day()]"),
            "[2026, 2025, 2024, 2, 29, 1]");
  EXPECT_EQ(E("[date('0001-01-01').year(), date('9999-12-31').year(), "
              "date('1969-12-31').dayOfWeek(), date('1970-01-01').dayOfWeek()]"),
            "[1, 9999, 3, 4]");
}

TEST_F(DateTest, AgeInWholeYears) {
  EXPECT_EQ(E("age(date('1961-07-01'), today)"), "65");
  EXPECT_EQ(E("age(date('1961-07-02'), today)"), "64");
  EXPECT_EQ(E("age(today, today)"), "0");
  EXPECT_EQ(E("age(date('2027-01-01'), today)"), "error: age: the birth date 2027-01-01 is after 2026-07-01");
}

TEST_F(DateTest, AgeOfSomeoneBornOn29February) {
  // In a non-leap year the birthday is reached on 1 March.
  EXPECT_EQ(E("age(date('2008-02-29'), date('2026-02-28'))"), "17");
  EXPECT_EQ(E("age(date('2008-02-29'), date('2026-03-01'))"), "18");
  // In a leap year, on 29 February.
  EXPECT_EQ(E("age(date('2008-02-29'), date('2028-02-28'))"), "19");
  EXPECT_EQ(E("age(date('2008-02-29'), date('2028-02-29'))"), "20");
}

TEST_F(DateTest, AgeOnADayAskedBeforeAndAnotherInBetween) {
  // age() keeps the last day it was asked about (a sweep's today): going
  // back to an earlier day must not reuse the later one.
  EXPECT_EQ(E("age(date('2008-03-01'), date('2026-02-28'))"), "17");
  EXPECT_EQ(E("age(date('2008-03-01'), date('2026-03-01'))"), "18");
  EXPECT_EQ(E("age(date('2008-03-01'), date('2026-02-28'))"), "17");
  EXPECT_EQ(E("[date('2026-02-28'), date('2026-03-01'), date('2026-02-28')].map(d, age(date('2008-03-01'), d))"),
            "[17, 18, 17]");
}

}  // namespace
}  // namespace proactive::eval
