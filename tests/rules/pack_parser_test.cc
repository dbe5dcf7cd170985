#include "engine/rules/pack_parser.h"

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/rules/city_file.h"
#include "engine/rules/expression_source.h"
#include "engine/schema/yaml_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/daemon_process.h"

namespace proactive {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

TEST(PackParserTest, TheParisPacksParse) {
  int packs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(testing::SourceDir() + "/rules/paris")) {
    std::string path = entry.path().string();
    if (entry.path().extension() != ".yaml" || path.find(".tests.yaml") != std::string::npos) continue;
    std::vector<Diagnostic> diagnostics;
    std::optional<PackSpec> pack = ParsePackFile(*ReadTextFile(path), path, &diagnostics);
    EXPECT_TRUE(pack.has_value()) << FormatDiagnostics(diagnostics);
    EXPECT_THAT(diagnostics, IsEmpty());
    ++packs;
  }
  EXPECT_EQ(packs, 4);
}

TEST(PackParserTest, ReadsEveryPartOfARule) {
  std::vector<Diagnostic> diagnostics;
  std::string path = testing::SourceDir() + "/rules/paris/non-take-up.yaml";
  std::optional<PackSpec> pack = ParsePackFile(*ReadTextFile(path), path, &diagnostics);
  ASSERT_TRUE(pack.has_value()) << FormatDiagnostics(diagnostics);
  EXPECT_EQ(pack->pack, "paris.non-take-up");
  ASSERT_THAT(pack->parameters, SizeIs(2));
  const ParameterSpec& base = pack->parameters[0];
  EXPECT_EQ(base.name, "outreach_ceiling_base");
  EXPECT_EQ(base.type.kind, ValueKind::kMoney);
  ASSERT_THAT(base.values, SizeIs(2));
  EXPECT_EQ(base.values[1].since, absl::CivilDay(2026, 4, 1));
  EXPECT_EQ(base.values[1].text, "12300.00 EUR");
  ASSERT_THAT(pack->rules, SizeIs(1));
  const RuleSpec& rule = pack->rules[0];
  EXPECT_EQ(rule.id, "non-take-up.rsa-outreach");
  EXPECT_THAT(rule.trigger.events, ElementsAre("yearly_income", "receives_rsa"));
  EXPECT_EQ(rule.action.kind, ActionKind::kRefer);
  EXPECT_TRUE(rule.action.letter);
  ASSERT_THAT(rule.action.parameters, SizeIs(2));
  EXPECT_EQ(rule.action.parameters[0].first, "household_size");
  EXPECT_THAT(rule.legal_basis, SizeIs(2));
  EXPECT_THAT(rule.when.text, HasSubstr("!person.receives_rsa"));
  EXPECT_FALSE(rule.canonical.empty());
}

TEST(PackParserTest, ReportsEveryMistakeOfAFileWithItsPosition) {
  const char* yaml =
      "pack: test.broken\n"                                     // 1
      "version: \"1\"\n"                                        // 2
      "title: Broken\n"                                         // 3
      "rules:\n"                                                // 4
      "  - id: Bad Id\n"                                        // 5
      "    title: t\n"                                          // 6
      "    purpose: p\n"                                        // 7
      "    legal_basis: [\"x\"]\n"                              // 8
      "    trigger: {schedule: weekly}\n"                       // 9
      "    when: \"true\"\n"                                    // 10
      "    once_per: \"'k'\"\n"                                 // 11
      "    colour: blue\n"                                      // 12
      "    action:\n"                                           // 13
      "      kind: propose\n"                                   // 14
      "      service: s\n"                                      // 15
      "      message: {fr: \"Bonjour {name}\", en: \"Hi\"}\n";  // 16
  std::vector<Diagnostic> diagnostics;
  EXPECT_FALSE(ParsePackFile(yaml, "broken.yaml", &diagnostics).has_value());
  std::vector<std::string> lines;
  for (const Diagnostic& d : diagnostics) lines.push_back(absl::StrCat(d.line, ":", d.column, " ", d.message));
  EXPECT_THAT(
      lines, ElementsAre("12:5 unknown key \"colour\" in a rule; expected one of: id, title, purpose, legal_basis, "
                         "effective, trigger, when, once_per, action",
                         "5:9 rule id \"Bad Id\" must be lower-case letters, digits, '.', '-' or '_'",
                         "9:25 schedule \"weekly\" is not supported; use daily",
                         "14:7 a propose action needs \"reply\": {deadline_days: N, without_reply: lapse or accept}",
                         "16:21 message.fr uses {name}, which is not an action parameter; known: deadline, reference"));
  EXPECT_EQ(diagnostics[0].file, "broken.yaml");
  EXPECT_EQ(diagnostics[0].source_line, "    colour: blue");
}

TEST(PackParserTest, YamlSyntaxErrorIsADiagnostic) {
  std::vector<Diagnostic> diagnostics;
  EXPECT_FALSE(ParsePackFile("pack: x\nrules: [\n  - id: a\n", "x.yaml", &diagnostics).has_value());
  ASSERT_THAT(diagnostics, SizeIs(1));
  EXPECT_THAT(diagnostics[0].message, HasSubstr("YAML syntax error"));
}

TEST(ExpressionSourceTest, MapsFoldedBlockCharactersToTheirFilePositions) {
  const std::string text =
      "rule:\n"
      "  when: >\n"
      "    person.age >= 65 &&\n"
      "      has(person.phone)\n"
      "  once_per: \"broadcast.episode_id\"\n";
  YamlFile file(text, "x.yaml");
  ASSERT_TRUE(file.Parse());
  ExpressionSource when = ExpressionSourceFromScalar(file.root()["rule"]["when"], text, "when");
  EXPECT_EQ(when.text, "person.age >= 65 &&\n  has(person.phone)\n");
  SourcePosition age = when.FilePosition(1, 8);  // "age"
  EXPECT_EQ(age.line, 3);
  EXPECT_EQ(age.column, 12);
  SourcePosition has = when.FilePosition(2, 3);  // "has" on the expression's second line
  EXPECT_EQ(has.line, 4);
  EXPECT_EQ(has.column, 7);
  ExpressionSource once = ExpressionSourceFromScalar(file.root()["rule"]["once_per"], text, "once_per");
  SourcePosition episode = once.FilePosition(1, 11);
  EXPECT_EQ(episode.line, 5);
  EXPECT_EQ(episode.column, 24);
}

TEST(CityFileTest, NeedsTheAlgorithmNotice) {
  std::vector<Diagnostic> diagnostics;
  EXPECT_FALSE(ParseCityFile("city: Paris\ntimezone: Europe/Nowhere\n", "city.yaml", &diagnostics));
  ASSERT_THAT(diagnostics, SizeIs(3));
  EXPECT_THAT(diagnostics[0].message, HasSubstr("unknown time zone \"Europe/Nowhere\""));
  EXPECT_THAT(diagnostics[1].message, HasSubstr("algorithm_notice"));
  EXPECT_THAT(diagnostics[2].message, HasSubstr("city.yaml needs messages"));
  diagnostics.clear();
  std::optional<CitySpec> city =
      ParseCityFile(*ReadTextFile(testing::SourceDir() + "/rules/city.yaml"), "city.yaml", &diagnostics);
  ASSERT_TRUE(city.has_value()) << FormatDiagnostics(diagnostics);
  EXPECT_EQ(city->recourse_window, TimeLimit::Months(2));
  EXPECT_EQ(city->review_within, TimeLimit::Months(2));
  EXPECT_THAT(city->algorithm_notice.at("fr"), HasSubstr("{reference}"));
  EXPECT_THAT(city->review_notice.at("fr"), HasSubstr("tribunal administratif"));
  EXPECT_THAT(city->messages.contest_received.at("fr"), HasSubstr("{deemed_rejected_on}"));
  EXPECT_THAT(city->messages.review_overturned.at("en"), HasSubstr("{reason}"));
  EXPECT_EQ(city->sms_max_parts, 6);
}

// The engine's own texts of a city.yaml, every one with both languages.
std::string CityMessagesYaml(const std::string& accepted_fr = "Acceptation enregistrée ({title}).") {
  std::string yaml = "messages:\n";
  for (const std::string key : {"accepted", "accepted_by_default", "declined", "contest_received", "review_upheld",
                                "review_amended", "review_overturned", "forwarded", "opted_out"}) {
    const std::string text = key == "accepted"                  ? accepted_fr
                             : key == "contest_received"        ? "Rejet implicite le {deemed_rejected_on}."
                             : absl::StartsWith(key, "review_") ? "Motif : {reason}"
                                                                : "Texte.";
    absl::StrAppend(&yaml, "  ", key, ": {fr: \"", text, "\", en: \"", key == "accepted" ? "Accepted ({title})." : text,
                    "\"}\n");
  }
  return yaml;
}

// The start of a city.yaml: name, zone and algorithm notice, no messages.
std::string CityHeadYaml() {
  return "city: Paris\ntimezone: Europe/Paris\nalgorithm_notice: {fr: \"Règles : {reference}\", en: \"Rules: "
         "{reference}\"}\n";
}

// A city.yaml with only what it must have.
std::string SmallestCityYaml() { return CityHeadYaml() + CityMessagesYaml(); }

TEST(CityFileTest, AReviewNoticeIsOptionalButWhole) {
  const std::string base = SmallestCityYaml();
  std::vector<Diagnostic> diagnostics;
  std::optional<CitySpec> without = ParseCityFile(base, "city.yaml", &diagnostics);
  ASSERT_TRUE(without.has_value()) << FormatDiagnostics(diagnostics);
  EXPECT_TRUE(without->review_notice.empty());
  EXPECT_FALSE(ParseCityFile(base + "review_notice: {fr: \"Tribunal administratif\"}\n", "city.yaml", &diagnostics));
  ASSERT_THAT(diagnostics, SizeIs(1));
  EXPECT_EQ(diagnostics[0].line, 14);
  EXPECT_THAT(diagnostics[0].message, HasSubstr("review_notice needs \"en\""));
}

TEST(CityFileTest, TheEngineMessagesAreTheCitysAndNameOnlyWhatTheyMay) {
  const std::string head = CityHeadYaml();
  std::vector<Diagnostic> diagnostics;
  // {reason} belongs to a review's outcome, not to an acceptance.
  EXPECT_FALSE(ParseCityFile(head + CityMessagesYaml("Acceptée : {reason}"), "city.yaml", &diagnostics));
  ASSERT_THAT(diagnostics, SizeIs(1));
  EXPECT_EQ(diagnostics[0].line, 5);
  EXPECT_THAT(diagnostics[0].message, HasSubstr("messages.accepted.fr uses {reason}; it may use {title}, {reference}"));
  diagnostics.clear();
  // A message left out is named, with what it is for.
  std::string without_stop = CityMessagesYaml();
  without_stop = without_stop.substr(0, without_stop.find("  opted_out"));
  EXPECT_FALSE(ParseCityFile(head + without_stop, "city.yaml", &diagnostics));
  ASSERT_THAT(diagnostics, SizeIs(1));
  EXPECT_THAT(diagnostics[0].message, HasSubstr("messages needs opted_out: {fr: ..., en: ...} (the reply to STOP)"));
  diagnostics.clear();
  EXPECT_FALSE(ParseCityFile(head + CityMessagesYaml() + "sms_max_parts: 0\n", "city.yaml", &diagnostics));
  ASSERT_THAT(diagnostics, SizeIs(1));
  EXPECT_EQ(diagnostics[0].line, 14);
  EXPECT_THAT(diagnostics[0].message, HasSubstr("sms_max_parts is"));
  diagnostics.clear();
  std::optional<CitySpec> city =
      ParseCityFile(head + CityMessagesYaml() + "sms_max_parts: 3\n", "city.yaml", &diagnostics);
  ASSERT_TRUE(city.has_value()) << FormatDiagnostics(diagnostics);
  EXPECT_EQ(city->sms_max_parts, 3);
  EXPECT_EQ(city->messages.accepted.at("fr"), "Acceptation enregistrée ({title}).");
  // Braces that do not pair would reach the citizen as they are.
  for (const std::string unpaired : {"Acceptée {title.", "Acceptée } ici.", "Acceptée {{title}}."}) {
    diagnostics.clear();
    EXPECT_FALSE(ParseCityFile(head + CityMessagesYaml(unpaired), "city.yaml", &diagnostics)) << unpaired;
    ASSERT_THAT(diagnostics, SizeIs(1)) << unpaired;
    EXPECT_THAT(diagnostics[0].message, HasSubstr("messages.accepted.fr has \"")) << unpaired;
  }
  // The outcome of a review carries the caseworker's reason.
  diagnostics.clear();
  std::string without_reason = CityMessagesYaml();
  without_reason.replace(without_reason.find("review_upheld: {fr: \"Motif : {reason}"),
                         std::string("review_upheld: {fr: \"Motif : {reason}").size(),
                         "review_upheld: {fr: \"Maintenue.");
  EXPECT_FALSE(ParseCityFile(head + without_reason, "city.yaml", &diagnostics));
  ASSERT_THAT(diagnostics, SizeIs(1));
  EXPECT_THAT(diagnostics[0].message, HasSubstr("messages.review_upheld.fr must name {reason}"));
  // A text where a map of languages is expected.
  diagnostics.clear();
  std::string scalar = CityMessagesYaml();
  scalar = scalar.substr(0, scalar.find("  opted_out")) + "  opted_out: \"Plus de messages.\"\n";
  EXPECT_FALSE(ParseCityFile(head + scalar, "city.yaml", &diagnostics));
  ASSERT_THAT(diagnostics, SizeIs(1));
  EXPECT_THAT(diagnostics[0].message, HasSubstr("messages.opted_out is {fr: ..., en: ...}"));
}

// A rule set snapshot stored before the city's messages existed still
// compiles: a decision's rule texts are read from it.
TEST(CityFileTest, AStoredSnapshotMayPredateTheMessages) {
  const std::string old_city = CityHeadYaml();
  std::vector<Diagnostic> diagnostics;
  EXPECT_FALSE(ParseCityFile(old_city, "city.yaml", &diagnostics));
  diagnostics.clear();
  std::optional<CitySpec> stored = ParseCityFile(old_city, "city.yaml", &diagnostics, CityFileOrigin::kStoredSnapshot);
  ASSERT_TRUE(stored.has_value()) << FormatDiagnostics(diagnostics);
  EXPECT_TRUE(stored->messages.accepted.empty());
  // One without a message added since (accepted_by_default, 2026-12-06)
  // loads, stored or running: only a rule that accepts without reply needs
  // it (RuleSetTest).
  std::string before_default = CityMessagesYaml();
  const size_t line = before_default.find("  accepted_by_default");
  before_default.erase(line, before_default.find('\n', line) + 1 - line);
  diagnostics.clear();
  stored = ParseCityFile(old_city + before_default, "city.yaml", &diagnostics, CityFileOrigin::kStoredSnapshot);
  ASSERT_TRUE(stored.has_value()) << FormatDiagnostics(diagnostics);
  EXPECT_TRUE(stored->messages.accepted_by_default.empty());
  EXPECT_FALSE(stored->messages.accepted.empty());
  diagnostics.clear();
  std::optional<CitySpec> running = ParseCityFile(old_city + before_default, "city.yaml", &diagnostics);
  ASSERT_TRUE(running.has_value()) << FormatDiagnostics(diagnostics);
  EXPECT_TRUE(running->messages.accepted_by_default.empty());
}

// The country national numbers are in: a calling code, digits only.
TEST(CityFileTest, ThePhoneCountryCodeIsACallingCode) {
  const std::string base = SmallestCityYaml();
  std::vector<Diagnostic> diagnostics;
  std::optional<CitySpec> city = ParseCityFile(base + "phone_country_code: \"33\"\n", "city.yaml", &diagnostics);
  ASSERT_TRUE(city.has_value()) << FormatDiagnostics(diagnostics);
  EXPECT_EQ(city->phone_country_code, "33");
  EXPECT_FALSE(ParseCityFile(base + "phone_country_code: \"+33\"\n", "city.yaml", &diagnostics));
  ASSERT_THAT(diagnostics, SizeIs(1)) << FormatDiagnostics(diagnostics);
  EXPECT_EQ(diagnostics[0].line, 14);
  EXPECT_THAT(diagnostics[0].message, HasSubstr("phone_country_code is the country's calling code, 1 to 3 digits"));
}

// Time limits are days or calendar months; rule sets written before say a
// number of days, under the keys they had.
TEST(CityFileTest, TimeLimitsAreDaysOrCalendarMonths) {
  const std::string base = SmallestCityYaml();
  std::vector<Diagnostic> diagnostics;
  std::optional<CitySpec> city =
      ParseCityFile(base + "recourse_window: 3 months\nreview_within: 30 days\n", "city.yaml", &diagnostics);
  ASSERT_TRUE(city.has_value()) << FormatDiagnostics(diagnostics);
  EXPECT_EQ(city->recourse_window, TimeLimit::Months(3));
  EXPECT_EQ(city->review_within, TimeLimit::Days(30));
  EXPECT_EQ(city->letter_delivery_days, 3);  // unsaid: La Poste's J+3
  city = ParseCityFile(base + "letter_delivery_days: 0\n", "city.yaml", &diagnostics);
  ASSERT_TRUE(city.has_value()) << FormatDiagnostics(diagnostics);
  EXPECT_EQ(city->letter_delivery_days, 0);
  EXPECT_FALSE(ParseCityFile(base + "letter_delivery_days: 31\n", "city.yaml", &diagnostics));
  ASSERT_THAT(diagnostics, SizeIs(1)) << FormatDiagnostics(diagnostics);
  EXPECT_EQ(diagnostics[0].line, 14);  // the line after the smallest city file's
  EXPECT_THAT(diagnostics[0].message,
              HasSubstr("letter_delivery_days is the working days a posted letter takes to arrive, 0 to 30"));
  diagnostics.clear();
  std::optional<CitySpec> older =
      ParseCityFile(base + "recourse_window_days: 61\nreview_sla_days: 45\n", "city.yaml", &diagnostics);
  ASSERT_TRUE(older.has_value()) << FormatDiagnostics(diagnostics);
  EXPECT_EQ(older->recourse_window, TimeLimit::Days(61));
  EXPECT_EQ(older->review_within, TimeLimit::Days(45));

  EXPECT_FALSE(ParseCityFile(base + "recourse_window: 2 months\nrecourse_window_days: 61\nreview_within: two months\n",
                             "city.yaml", &diagnostics));
  ASSERT_THAT(diagnostics, SizeIs(2)) << FormatDiagnostics(diagnostics);
  EXPECT_EQ(diagnostics[0].line, 15);
  EXPECT_THAT(diagnostics[0].message, HasSubstr("recourse_window_days and recourse_window say the same"));
  EXPECT_EQ(diagnostics[1].line, 16);
  EXPECT_THAT(diagnostics[1].message, HasSubstr("review_within: \"two months\" is not a time limit"));
}

TEST(PackParserTest, ARuleMayHaveItsOwnTimeLimits) {
  const std::string pack = R"(pack: p
version: "1"
title: T
owner: O
rules:
  - id: r
    title: T
    purpose: P
    legal_basis: [L]
    trigger: {events: [age]}
    when: person.age > 3
    once_per: person.age
    action:
      kind: notify
      service: s
      message: {fr: "Bonjour", en: "Hello"}
      recourse_window: 4 months
      review_within: 13 months
)";
  std::vector<Diagnostic> diagnostics;
  EXPECT_FALSE(ParsePackFile(pack, "p.yaml", &diagnostics).has_value());
  ASSERT_THAT(diagnostics, SizeIs(1)) << FormatDiagnostics(diagnostics);
  EXPECT_EQ(diagnostics[0].line, 18);
  EXPECT_THAT(diagnostics[0].message,
              HasSubstr("review_within: \"13 months\" is out of range: from 1 day to 365 days"));
  std::string fixed = pack;
  fixed.replace(fixed.find("13 months"), 9, "1 month");
  diagnostics.clear();
  std::optional<PackSpec> parsed = ParsePackFile(fixed, "p.yaml", &diagnostics);
  ASSERT_TRUE(parsed.has_value()) << FormatDiagnostics(diagnostics);
  EXPECT_EQ(parsed->rules[0].action.recourse_window, TimeLimit::Months(4));
  EXPECT_EQ(parsed->rules[0].action.review_within, TimeLimit::Months(1));
}

}  // namespace
}  // namespace proactive
