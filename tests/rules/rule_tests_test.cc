#include "engine/rules/rule_tests.h"

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::testing::HasSubstr;

class RuleTestsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::vector<RuleFile>> files = ReadRuleFiles(testing::SourceDir() + "/rules");
    ASSERT_THAT(files, IsOk());
    for (RuleFile& f : *files) {
      if (!absl::EndsWith(f.path, ".tests.yaml")) files_.push_back(f);
    }
    std::vector<Diagnostic> diagnostics;
    auto rules = CompileRuleSet(files_, &diagnostics);
    ASSERT_THAT(rules, IsOk());
    rules_ = *rules;
  }

  std::vector<RuleFile> files_;
  std::shared_ptr<const RuleSet> rules_;
};

TEST_F(RuleTestsTest, AWrongExpectationFailsWithWhatHappened) {
  std::vector<RuleFile> files = {{"x.tests.yaml", R"(
pack: paris.identity-card
tests:
  - name: wrong on purpose
    rule: identity-card.renewal-reminder
    today: 2026-11-21
    person: {id: P30, id_card_expiry: 2027-01-19}
    expect: {fires: true, once_per: "2027-01-20", parameters: {expiry: 2027-01-18}}
  - name: expects a firing that cannot be decided
    rule: maternelle.first-enrolment-offer
    today: 2026-01-12
    person: {id: C1, birth_date: 2023-05-02}
    guardians: [{id: G1}]
    expect: {fires: true}
)"}};
  RuleTestReport report = RunRuleTests(*rules_, files);
  EXPECT_EQ(report.passed, 0);
  EXPECT_THAT(report.text, HasSubstr("FAIL wrong on purpose (x.tests.yaml:4)"));
  EXPECT_THAT(report.text, HasSubstr("once_per: expected \"2027-01-20\", got \"2027-01-19\"; parameter expiry: "
                                     "expected 2027-01-18, got 2027-01-19"));
  EXPECT_THAT(report.text, HasSubstr("expected the rule to fire, but it could not decide: "));
  EXPECT_THAT(report.text, HasSubstr("arrondissement"));
  // Every rule lacks a passing case both ways here.
  EXPECT_THAT(report.text,
              HasSubstr("FAIL coverage: rule heatwave.check-in.registered has no passing case where it fires"));
  EXPECT_THAT(report.text, HasSubstr(" passed, "));
  EXPECT_GE(report.failed, 2 + 2 * 5);
}

TEST_F(RuleTestsTest, MistakesInATestsFileAreDiagnostics) {
  std::vector<Diagnostic> diagnostics;
  auto cases = ParseRuleTests(R"(
pack: paris.identity-card
tests:
  - name: typo
    rule: identity-card.renewal-reminder
    today: 2026-13-01
    person: {id: P30, id_card_expiy: 2027-01-19}
    tables:
      school_sectors: []
      school_sectors_maternelle:
        - {address_key: "75011:a:1", school: X}
        - {school_name: Y}
        - {address_key: "75011:a:2"}
        - {address_key: "75011:a:2"}
    expect: {fires: true}
)",
                              "typo.tests.yaml", *rules_, &diagnostics);
  EXPECT_FALSE(cases.has_value());
  std::string text = FormatDiagnostics(diagnostics);
  EXPECT_THAT(text, HasSubstr("typo.tests.yaml:6:12: today: month 13 is not in 1..12"));
  EXPECT_THAT(
      text, HasSubstr("typo.tests.yaml:7:23: unknown attribute \"id_card_expiy\" (did you mean \"id_card_expiry\"?)"));
  EXPECT_THAT(text, HasSubstr("typo.tests.yaml:9:7: unknown reference table \"school_sectors\""));
  EXPECT_THAT(text, HasSubstr("typo.tests.yaml:11:38: reference table \"school_sectors_maternelle\" has no column "
                              "\"school\""));
  EXPECT_THAT(text, HasSubstr("typo.tests.yaml:12:11: a row of \"school_sectors_maternelle\" is a map with its key "
                              "\"address_key\""));
  EXPECT_THAT(text,
              HasSubstr("typo.tests.yaml:14:11: key \"75011:a:2\" is given twice in \"school_sectors_maternelle\""));
}

}  // namespace
}  // namespace proactive
