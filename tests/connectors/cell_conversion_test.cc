#include "connectors/common/cell_conversion.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::proactive::testing::IsOkAndHolds;
using ::proactive::testing::StatusIs;
using ::testing::HasSubstr;
using json = nlohmann::json;

v1::Value Convert(const json& cell, ValueKind kind, CellRule rule = CellRule()) {
  absl::StatusOr<std::optional<v1::Value>> value = ConvertCell(cell, rule, TypeSpec{kind}, "EUR");
  EXPECT_THAT(value, IsOk());
  if (!value.ok() || !value->has_value()) return v1::Value();
  return **value;
}

TEST(CellConversionTest, FrenchDatesWithAFormat) {
  CellRule rule;
  rule.format = "DD/MM/YYYY";
  v1::Value v = Convert("14/02/2023", ValueKind::kDate, rule);
  EXPECT_EQ(v.date_value().year(), 2023);
  EXPECT_EQ(v.date_value().month(), 2);
  EXPECT_EQ(v.date_value().day(), 14);
  EXPECT_EQ(Convert(" 4/2/2023 ", ValueKind::kDate, rule).date_value().day(), 4);
  EXPECT_THAT(ConvertCell("31/02/2023", rule, TypeSpec{ValueKind::kDate}, "EUR"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("2023-02-31 does not exist")));
  EXPECT_THAT(ConvertCell("2023-02-14", rule, TypeSpec{ValueKind::kDate}, "EUR"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("of the form DD/MM/YYYY")));
  EXPECT_EQ(Convert("2023-02-14", ValueKind::kDate).date_value().month(), 2);
}

TEST(CellConversionTest, DecimalCommaMoney) {
  EXPECT_THAT(ParseCents("16 800,00", ','), IsOkAndHolds(1680000));
  EXPECT_THAT(ParseCents("1.234,5 €", ','), IsOkAndHolds(123450));
  EXPECT_THAT(ParseCents("-12,34", ','), IsOkAndHolds(-1234));
  EXPECT_THAT(ParseCents("1\xC2\xA0"
                         "200",
                         ','),
              IsOkAndHolds(120000));
  EXPECT_THAT(ParseCents("1,234.56 EUR", '.'), IsOkAndHolds(123456));
  EXPECT_THAT(ParseCents("12,345", ','),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at most two decimals")));
  EXPECT_THAT(ParseCents("douze", ','), StatusIs(absl::StatusCode::kInvalidArgument));
  CellRule rule;
  rule.decimal_mark = ',';
  v1::Value v = Convert("16 800,00", ValueKind::kMoney, rule);
  EXPECT_EQ(v.money_value().cents(), 1680000);
  EXPECT_EQ(v.money_value().currency(), "EUR");
  EXPECT_EQ(Convert(12.5, ValueKind::kMoney).money_value().cents(), 1250);
}

TEST(CellConversionTest, OuiNonAndRecodedValues) {
  EXPECT_TRUE(Convert("oui", ValueKind::kBool).bool_value());
  EXPECT_TRUE(Convert("OUI", ValueKind::kBool).bool_value());
  EXPECT_FALSE(Convert("non", ValueKind::kBool).bool_value());
  EXPECT_FALSE(Convert("0", ValueKind::kBool).bool_value());
  EXPECT_TRUE(Convert(true, ValueKind::kBool).bool_value());
  EXPECT_THAT(ConvertCell("peut-être", CellRule(), TypeSpec{ValueKind::kBool}, "EUR"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("yes/no")));
  CellRule rule;
  rule.values = {{"F", "fr"}, {"A", "en"}};
  EXPECT_EQ(Convert("A", ValueKind::kString, rule).string_value(), "en");
  EXPECT_THAT(ConvertCell("X", rule, TypeSpec{ValueKind::kString}, "EUR"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("one of \"A\", \"F\"")));
}

TEST(CellConversionTest, TrimmingEmptyCellsNumbersAndLists) {
  EXPECT_EQ(Convert("  P0001 ", ValueKind::kString).string_value(), "P0001");
  absl::StatusOr<std::optional<v1::Value>> empty = ConvertCell("   ", CellRule(), TypeSpec{ValueKind::kInt}, "EUR");
  ASSERT_THAT(empty, IsOk());
  EXPECT_FALSE(empty->has_value());
  EXPECT_EQ(Convert("11", ValueKind::kInt).int_value(), 11);
  EXPECT_EQ(Convert(11.0, ValueKind::kInt).int_value(), 11);
  EXPECT_THAT(ConvertCell("onze", CellRule(), TypeSpec{ValueKind::kInt}, "EUR"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not an integer")));
  CellRule comma;
  comma.decimal_mark = ',';
  EXPECT_DOUBLE_EQ(Convert("1,5", ValueKind::kDouble, comma).double_value(), 1.5);
  TypeSpec list{ValueKind::kList, ValueKind::kString};
  absl::StatusOr<std::optional<v1::Value>> values = ConvertCell("fr, en,", CellRule(), list, "EUR");
  ASSERT_THAT(values, IsOk());
  ASSERT_EQ((*values)->list_value().values_size(), 2);
  EXPECT_EQ((*values)->list_value().values(1).string_value(), "en");
}

TEST(CellConversionTest, TimesInAZone) {
  absl::TimeZone paris;
  ASSERT_TRUE(absl::LoadTimeZone("Europe/Paris", &paris));
  absl::StatusOr<absl::Time> t = ParseTimeWithFormat("01/07/2026 08:30", "DD/MM/YYYY HH:mm", paris);
  ASSERT_THAT(t, IsOk());
  EXPECT_EQ(absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", *t, absl::UTCTimeZone()), "2026-07-01T06:30:00Z");
  t = ParseTimeWithFormat("2026-07-01", "", paris);
  ASSERT_THAT(t, IsOk());
  EXPECT_EQ(absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", *t, absl::UTCTimeZone()), "2026-06-30T22:00:00Z");
  EXPECT_THAT(ParseTimeWithFormat("2026-07-01T10:00:00+00:00", "", paris), IsOk());
  std::string error;
  EXPECT_FALSE(CheckDateFormat("DD/MM", false, &error));
  EXPECT_THAT(error, HasSubstr("needs YYYY, MM and DD"));
  EXPECT_FALSE(CheckDateFormat("DD/MM/YYYY HH:mm", false, &error));
  EXPECT_TRUE(CheckDateFormat("YYYYMMDD", false, &error));
}

TEST(CellConversionTest, TemplatesBuildAddressKeys) {
  json record = {{"c_ar", 11}, {"l_voie", "Rue de l'Évangile"}, {"n_voie", "112"}};
  EXPECT_THAT(ExpandTemplate("750{c_ar|pad2}:{l_voie|slug}:{n_voie}", record),
              IsOkAndHolds(std::string("75011:rue-de-l-evangile:112")));
  json partial = {{"c_ar", 11}};
  EXPECT_THAT(ExpandTemplate("{c_ar}:{n_voie}", partial), IsOkAndHolds(std::string()));
  EXPECT_THAT(ExpandTemplate("{c_ar|shout}", record),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown")));
  EXPECT_THAT(ExpandTemplate("{c_ar", record), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace proactive
