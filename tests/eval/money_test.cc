// The money extension: exact cents, one currency per operation, stated
// rounding for division.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/eval/rules_env.h"

namespace proactive::eval {
namespace {

class MoneyTest : public ::testing::Test {
 protected:
  std::string E(absl::string_view text) { return FormatValue(env_.Eval(text)); }
  testing::RulesEnv env_;
};

TEST_F(MoneyTest, Literals) {
  EXPECT_EQ(E("money('12000.00 EUR')"), "money(\"12000.00 EUR\")");
  EXPECT_EQ(E("eur(12000) == money('12000 EUR')"), "true");
  EXPECT_EQ(E("money('-0.5 EUR').cents()"), "-50");
  EXPECT_EQ(E("money('1 USD').currency()"), "\"USD\"");
  EXPECT_EQ(E("string(eur(3))"), "\"3.00 EUR\"");
  EXPECT_EQ(E("money('12,50 EUR')"),
            "error: \"12,50 EUR\" is not an amount like \"1234.56 EUR\": the "
            "amount must be digits");
}

TEST_F(MoneyTest, Arithmetic) {
  EXPECT_EQ(E("eur(12000) + eur(6000) * (3 - 1)"), "money(\"24000.00 EUR\")");
  EXPECT_EQ(E("2 * money('0.10 EUR') - money('0.30 EUR')"), "money(\"-0.10 EUR\")");
  EXPECT_EQ(E("-eur(5)"), "money(\"-5.00 EUR\")");
  EXPECT_EQ(E("money('0.1 EUR') + money('0.2 EUR') == money('0.3 EUR')"), "true");
}

TEST_F(MoneyTest, DivisionRoundsToTheNearestCentHalvesAwayFromZero) {
  EXPECT_EQ(E("eur(10) / 3"), "money(\"3.33 EUR\")");
  EXPECT_EQ(E("eur(20) / 3"), "money(\"6.67 EUR\")");
  EXPECT_EQ(E("money('0.05 EUR') / 2"), "money(\"0.03 EUR\")");
  EXPECT_EQ(E("money('-0.05 EUR') / 2"), "money(\"-0.03 EUR\")");
  EXPECT_EQ(E("money('0.05 EUR') / -2"), "money(\"-0.03 EUR\")");
  EXPECT_EQ(E("money('0.07 EUR') / 4"), "money(\"0.02 EUR\")");
  EXPECT_EQ(E("eur(1) / 0"), "error: division by zero");
}

TEST_F(MoneyTest, CurrencyMismatchIsAnError) {
  EXPECT_EQ(E("eur(1) + money('1 USD')"), "error: currency mismatch: 1.00 EUR + 1.00 USD");
  EXPECT_EQ(E("eur(1) < money('1 USD')"), "error: currency mismatch: cannot compare EUR with USD");
  EXPECT_EQ(E("eur(1) == money('1 USD')"), "false");
}

TEST_F(MoneyTest, Comparisons) {
  EXPECT_EQ(E("money('11999.99 EUR') < eur(12000)"), "true");
  EXPECT_EQ(E("eur(3) >= money('3.00 EUR')"), "true");
}

TEST_F(MoneyTest, OverflowIsAnError) {
  EXPECT_EQ(E("eur(92233720368547759)"), "error: integer overflow in eur()");
  EXPECT_EQ(E("money('9000000000000000 EUR') * 11"), "error: integer overflow in *");
}

// The same operations on a record's amount: nothing folded at compile time,
// so the evaluator's fast paths (one currency, no overflow) and their way out
// to the overload's errors are both taken.
TEST_F(MoneyTest, OperationsOnARecordsAmount) {
  RecordObject& euros = env_.NewPerson();
  euros.Set(env_.yearly_income, Value::Money(1200000, "EUR"));
  RecordObject& dollars = env_.NewPerson();
  dollars.Set(env_.yearly_income, Value::Money(100, "USD"));
  const auto on = [&](const RecordObject& person, absl::string_view text) {
    return FormatValue(env_.Eval(text, &person));
  };

  EXPECT_EQ(on(euros, "person.yearly_income + eur(6000) * (school_year - 2024)"), "money(\"24000.00 EUR\")");
  EXPECT_EQ(on(euros, "person.yearly_income - eur(1)"), "money(\"11999.00 EUR\")");
  EXPECT_EQ(on(euros, "2 * person.yearly_income"), "money(\"24000.00 EUR\")");
  EXPECT_EQ(on(euros, "person.yearly_income * -1"), "money(\"-12000.00 EUR\")");
  EXPECT_EQ(on(euros, "person.yearly_income < eur(12000) + eur(1) * (school_year - 2026)"), "false");
  EXPECT_EQ(on(euros, "person.yearly_income <= eur(12000)"), "true");
  EXPECT_EQ(on(euros, "person.yearly_income > money('11999.99 EUR')"), "true");
  EXPECT_EQ(on(euros, "person.yearly_income == eur(12000)"), "true");
  EXPECT_EQ(on(euros, "person.yearly_income != eur(12000)"), "false");
  EXPECT_EQ(on(euros, "person.yearly_income * -1 < money('-11999.99 EUR')"), "true");
  EXPECT_EQ(on(euros, "person.yearly_income * -1 > money('-12000.01 EUR')"), "true");

  EXPECT_EQ(on(dollars, "person.yearly_income + eur(1)"), "error: currency mismatch: 1.00 USD + 1.00 EUR");
  EXPECT_EQ(on(dollars, "eur(1) - person.yearly_income"), "error: currency mismatch: 1.00 EUR - 1.00 USD");
  EXPECT_EQ(on(dollars, "person.yearly_income < eur(12000)"), "error: currency mismatch: cannot compare USD with EUR");
  EXPECT_EQ(on(dollars, "person.yearly_income == money('1 USD')"), "true");
  EXPECT_EQ(on(dollars, "person.yearly_income == eur(1)"), "false");
  EXPECT_EQ(on(dollars, "person.yearly_income * 92233720368547759"), "error: integer overflow in *");
  EXPECT_EQ(on(dollars, "92233720368547759 * person.yearly_income"), "error: integer overflow in *");
  EXPECT_EQ(on(dollars, "person.yearly_income * 92233720368547757 + person.yearly_income * 92233720368547757"),
            "error: integer overflow in +");
  EXPECT_EQ(on(dollars, "person.yearly_income * -92233720368547757 - person.yearly_income * 92233720368547757"),
            "error: integer overflow in -");

  // An absent amount is an error operand: it is the result, left first.
  RecordObject& no_income = env_.NewPerson();
  EXPECT_EQ(on(no_income, "person.yearly_income + eur(1)"), "error: no value for person.yearly_income");
  EXPECT_EQ(on(no_income, "2 * person.yearly_income"), "error: no value for person.yearly_income");
  EXPECT_EQ(on(no_income, "person.yearly_income - eur(1) * (1 / 0)"), "error: no value for person.yearly_income");
  EXPECT_EQ(on(no_income, "eur(1) * (1 / 0) - person.yearly_income"), "error: division by zero");
}

TEST_F(MoneyTest, NoMixingWithNumbers) {
  CompileResult r = Compile("eur(1) + 1", env_.env);
  ASSERT_EQ(r.program, nullptr);
  EXPECT_EQ(r.diagnostics[0].message,
            "no matching overload for '+' applied to (money, int); expected "
            "(int, int) or "
            "(uint, uint) or (double, double) or (string, string) or (bytes, "
            "bytes) or (list(A), "
            "list(A)) or (timestamp, duration) or (duration, timestamp) or "
            "(duration, duration) or "
            "(money, money)");
}

}  // namespace
}  // namespace proactive::eval
