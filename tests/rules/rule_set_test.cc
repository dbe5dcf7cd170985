#include "engine/rules/rule_set.h"

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/daemon_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::proactive::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

std::vector<RuleFile> ParisFiles() {
  absl::StatusOr<std::vector<RuleFile>> files = ReadRuleFiles(testing::SourceDir() + "/rules");
  EXPECT_THAT(files, IsOk());
  return *files;
}

RuleFile* FindFile(std::vector<RuleFile>* files, absl::string_view suffix) {
  for (RuleFile& f : *files) {
    if (absl::EndsWith(f.path, suffix)) return &f;
  }
  return nullptr;
}

TEST(RuleSetTest, TheParisRulesCompile) {
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<std::shared_ptr<const RuleSet>> set = CompileRuleSet(ParisFiles(), &diagnostics);
  ASSERT_THAT(set, IsOk()) << FormatDiagnostics(diagnostics);
  EXPECT_THAT(diagnostics, IsEmpty());
  EXPECT_THAT((*set)->rules(), SizeIs(5));
  EXPECT_THAT((*set)->BroadcastRules("weather.heatwave"), SizeIs(2));
  EXPECT_THAT((*set)->DailyRules(), SizeIs(2));
  const CompiledRule* maternelle = (*set)->FindRule("maternelle.first-enrolment-offer");
  ASSERT_NE(maternelle, nullptr);
  EXPECT_TRUE(maternelle->reads_links);
  EXPECT_FALSE(maternelle->reads_household);
  EXPECT_TRUE(maternelle->trigger_attributes.count("birth_date"));
  // It names the sector school (person.school_sector, a joined reference
  // table): a move (address_key) evaluates it again.
  EXPECT_TRUE(maternelle->reads_tables);
  EXPECT_TRUE(maternelle->trigger_attributes.count("address_key"));
  EXPECT_EQ(maternelle->version.size(), 64u);
  const CompiledRule* outreach = (*set)->FindRule("non-take-up.rsa-outreach");
  ASSERT_NE(outreach, nullptr);
  EXPECT_TRUE(outreach->reads_household);
  // It counts the members: a mate's income does not change it for the others.
  EXPECT_FALSE(outreach->household_reads.whole);
  EXPECT_THAT(outreach->household_reads.attributes, IsEmpty());
  EXPECT_FALSE(outreach->household_reads.AffectedBy({"yearly_income"}));
  // The offer goes to the guardians themselves (recipients: person.guardians).
  EXPECT_TRUE(maternelle->link_reads.whole);
  EXPECT_EQ((*set)->version().size(), 64u);
  // Packs have their own parameters, hence environments, but one person
  // type: a person's graph serves the rules of every pack.
  const CompiledRule* heatwave = (*set)->FindRule("heatwave.check-in.isolated-elderly");
  ASSERT_NE(heatwave, nullptr);
  EXPECT_NE(maternelle->env, outreach->env);
  EXPECT_TRUE(maternelle->env->SharesPersonTypesWith(*outreach->env));
  EXPECT_TRUE(heatwave->env->SharesPersonTypesWith(*maternelle->env));
  EXPECT_EQ(&heatwave->env->person_type(), &outreach->env->person_type());
  // A broadcast's sweep reads no reference table for two million persons.
  EXPECT_FALSE(heatwave->reads_tables);
}

TEST(RuleSetTest, WhatARuleReadsOfRelatedPersonsSaysWhoseChangeCounts) {
  std::vector<RuleFile> files = ParisFiles();
  const auto rule = [](const char* id, const char* when) {
    return absl::StrCat("  - id: ", id, "\n    title: t\n    purpose: p\n    legal_basis: [\"test\"]\n",
                        "    trigger: {events: [phone]}\n    when: '", when, "'\n    once_per: '\"x\"'\n",
                        "    action: {kind: notify, service: s, message: {fr: a, en: a}, letter: false}\n");
  };
  files.push_back(
      {"test/related.yaml", absl::StrCat("pack: test.related\nversion: \"1\"\ntitle: t\nowner: o\nrules:\n",
                                         rule("r.income", "household.members.exists(m, m.yearly_income < eur(5000))"),
                                         rule("r.mates-links", "household.members.exists(m, size(m.children) > 0)"),
                                         rule("r.household-id", "household.id == \"H1\" && size(person.children) > 1"),
                                         rule("r.child-phone", "person.children.exists(c, has(c.phone))"))});
  std::vector<Diagnostic> diagnostics;
  absl::StatusOr<std::shared_ptr<const RuleSet>> set = CompileRuleSet(files, &diagnostics);
  ASSERT_THAT(set, IsOk()) << FormatDiagnostics(diagnostics);
  const CompiledRule* income = (*set)->FindRule("r.income");
  EXPECT_FALSE(income->household_reads.whole);
  EXPECT_THAT(income->household_reads.attributes, ::testing::ElementsAre("yearly_income"));
  EXPECT_TRUE(income->household_reads.AffectedBy({"phone", "yearly_income"}));
  EXPECT_FALSE(income->household_reads.AffectedBy({"phone"}));
  // The mates' own links are not attributes: any change of theirs counts.
  EXPECT_TRUE((*set)->FindRule("r.mates-links")->household_reads.whole);
  const CompiledRule* household_id = (*set)->FindRule("r.household-id");
  EXPECT_TRUE(household_id->reads_household);
  EXPECT_FALSE(household_id->household_reads.AffectedBy({"phone"}));
  EXPECT_FALSE(household_id->link_reads.whole);
  EXPECT_THAT(household_id->link_reads.attributes, IsEmpty());
  EXPECT_THAT((*set)->FindRule("r.child-phone")->link_reads.attributes, ::testing::ElementsAre("phone"));
}

TEST(RuleSetTest, ChangingAParameterValueChangesOnlyTheRulesThatUseIt) {
  std::vector<Diagnostic> d1, d2;
  auto before = CompileRuleSet(ParisFiles(), &d1);
  std::vector<RuleFile> files = ParisFiles();
  RuleFile* pack = FindFile(&files, "non-take-up.yaml");
  ASSERT_NE(pack, nullptr);
  pack->text = absl::StrReplaceAll(pack->text, {{"12300.00 EUR", "12400.00 EUR"}});
  auto after = CompileRuleSet(files, &d2);
  ASSERT_THAT(before, IsOk());
  ASSERT_THAT(after, IsOk());
  EXPECT_NE((*before)->FindRule("non-take-up.rsa-outreach")->version,
            (*after)->FindRule("non-take-up.rsa-outreach")->version);
  EXPECT_EQ((*before)->FindRule("heatwave.check-in.registered")->version,
            (*after)->FindRule("heatwave.check-in.registered")->version);
  EXPECT_NE((*before)->version(), (*after)->version());
}

TEST(RuleSetTest, ABrokenPackGivesEveryDiagnosticAtItsPlaceInTheFile) {
  std::vector<RuleFile> files = ParisFiles();
  RuleFile* heatwave = FindFile(&files, "heatwave.yaml");
  ASSERT_NE(heatwave, nullptr);
  // A type error and an unknown attribute, inside a folded `when: >` block.
  heatwave->text = absl::StrReplaceAll(
      heatwave->text, {{"age(person.birth_date, today) >= 65", "age(person.birth_date, today) >= \"65\""},
                       {"has(person.lives_alone) && person.lives_alone", "person.lives_alon"}});
  std::vector<Diagnostic> diagnostics;
  EXPECT_THAT(CompileRuleSet(files, &diagnostics),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mistakes in the rule packs")));
  ASSERT_THAT(diagnostics, SizeIs(2)) << FormatDiagnostics(diagnostics);
  std::string text = FormatDiagnostics(diagnostics);
  EXPECT_THAT(text, HasSubstr("heatwave.yaml:45:37: when: no matching overload for '>=' applied to (int, string)"));
  EXPECT_THAT(text,
              HasSubstr("heatwave.yaml:46:14: when: person has no field 'lives_alon' (did you mean 'lives_alone'?)"));
  EXPECT_THAT(diagnostics[0].source_line, HasSubstr("age(person.birth_date, today) >= \"65\""));
}

// The district the decisions keep must be a person attribute the schema
// declares, as an int or a string: the message names the line.
TEST(RuleSetTest, TheDistrictAttributeIsADeclaredIntOrString) {
  for (const auto& [attribute, problem] : std::vector<std::pair<std::string, std::string>>{
           {"arondissement", "is no attribute of schema.yaml"}, {"birth_date", "is a date, not an int or a string"}}) {
    std::vector<RuleFile> files = ParisFiles();
    RuleFile* city = FindFile(&files, "city.yaml");
    ASSERT_NE(city, nullptr);
    ASSERT_THAT(city->text, HasSubstr("district_attribute: arrondissement\n"));
    // A comment naming the key comes first: the message still names the key's line.
    city->text = "# district_attribute: see below\n" + city->text;
    const int line =
        1 + static_cast<int>(std::count(city->text.begin(),
                                        city->text.begin() + city->text.find("\ndistrict_attribute:") + 1, '\n'));
    city->text = absl::StrReplaceAll(
        city->text, {{"district_attribute: arrondissement", absl::StrCat("district_attribute: ", attribute)}});
    std::vector<Diagnostic> diagnostics;
    EXPECT_THAT(CompileRuleSet(files, &diagnostics), Not(IsOk()));
    EXPECT_THAT(FormatDiagnostics(diagnostics),
                HasSubstr(absl::StrCat("city.yaml:", line, ":1: district_attribute: \"", attribute, "\" ", problem)));
  }
}

TEST(RuleSetTest, AYamlErrorAndAnUnknownTopicAreReportedToo) {
  std::vector<RuleFile> files = ParisFiles();
  FindFile(&files, "identity-card.yaml")->text += "\n  - id: [broken\n";
  RuleFile* heatwave = FindFile(&files, "heatwave.yaml");
  heatwave->text =
      absl::StrReplaceAll(heatwave->text, {{"broadcast: weather.heatwave}", "broadcast: weather.heatwav}"}});
  std::vector<Diagnostic> diagnostics;
  EXPECT_FALSE(CompileRuleSet(files, &diagnostics).ok());
  std::string text = FormatDiagnostics(diagnostics);
  EXPECT_THAT(text, HasSubstr("identity-card.yaml"));
  EXPECT_THAT(text, HasSubstr("YAML syntax error"));
  EXPECT_THAT(text, HasSubstr("topic \"weather.heatwav\", which the schema does not declare"));
}

// A pack's texts reach decisions, letters and SMS as they are written: a
// file saved in Latin-1 rather than UTF-8 is refused where its first bad
// byte is, and nothing of it is loaded.
TEST(RuleSetTest, APackThatIsNotUtf8IsRefusedAtItsFirstBadByte) {
  std::vector<RuleFile> files = ParisFiles();
  RuleFile* heatwave = FindFile(&files, "heatwave.yaml");
  const size_t at = heatwave->text.find("title:");
  ASSERT_NE(at, std::string::npos);
  const int line = 1 + static_cast<int>(std::count(heatwave->text.begin(), heatwave->text.begin() + at, '\n'));
  heatwave->text.insert(at + std::string("title: ").size(), "Canicule \xe9t\xe9 ");
  std::vector<Diagnostic> diagnostics;
  EXPECT_FALSE(CompileRuleSet(files, &diagnostics).ok());
  EXPECT_THAT(FormatDiagnostics(diagnostics),
              HasSubstr(absl::StrCat("heatwave.yaml:", line, ":17: the file is not UTF-8 text (invalid byte at offset ",
                                     at + 16, ")")));
}

// A file path goes into diagnostics, gRPC answers and the stored snapshot:
// one that is not UTF-8 is refused, shown escaped.
TEST(RuleSetTest, ARuleFileNamedOutsideUtf8IsRefused) {
  testing::TempDir dir;
  std::filesystem::copy(testing::SourceDir() + "/rules", dir.path() + "/rules",
                        std::filesystem::copy_options::recursive);
  ASSERT_THAT(ReadRuleFiles(dir.path() + "/rules"), IsOk());
  std::filesystem::copy_file(dir.path() + "/rules/paris/heatwave.yaml",
                             dir.path() + "/rules/paris/canicule-\xe9t\xe9.yaml");
  EXPECT_THAT(
      ReadRuleFiles(dir.path() + "/rules"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("paris/canicule-\\xe9t\\xe9.yaml\" is not UTF-8")));
}

// A message the gateway could not send is found when the packs load, not
// when a citizen should have received it: the rule's own (its parameters
// empty) and the city's messages with the rule's title. A stored snapshot
// compiles as it was accepted.
TEST(RuleSetTest, MessagesThatCouldNotBeSentAsAnSmsAreRefusedAtLoad) {
  std::vector<RuleFile> files = ParisFiles();
  RuleFile* maternelle = FindFile(&files, "maternelle.yaml");
  ASSERT_NE(maternelle, nullptr);
  const std::string long_title(1000, 'a');  // more than 6 parts hold
  maternelle->text = absl::StrReplaceAll(
      maternelle->text,
      {{"title: Proposition d'inscription à l'école maternelle de secteur", absl::StrCat("title: ", long_title)}});
  std::vector<Diagnostic> diagnostics;
  EXPECT_FALSE(CompileRuleSet(files, &diagnostics).ok());
  ASSERT_THAT(diagnostics, SizeIs(1)) << FormatDiagnostics(diagnostics);  // the other rules fit
  const std::string text = FormatDiagnostic(diagnostics[0]);
  EXPECT_THAT(text, HasSubstr("maternelle.yaml:10:9: rule \"maternelle.first-enrolment-offer\": with this rule's "
                              "title, messages to citizens would be longer than the 6 SMS parts the gateway sends"));
  EXPECT_THAT(text, HasSubstr("contest_received in fr: 19 parts, 841 characters too many"));
  EXPECT_THAT(text, HasSubstr("; accepted in en: 8 parts"));
  EXPECT_THAT(text, HasSubstr("review_upheld (reason empty) in fr"));
  EXPECT_THAT(text, Not(HasSubstr("its message")));  // the rule's own fits: it has no {title}

  std::vector<RuleFile> one_part = ParisFiles();
  RuleFile* city = FindFile(&one_part, "city.yaml");
  city->text = absl::StrReplaceAll(city->text, {{"sms_max_parts: 6", "sms_max_parts: 1"}});
  diagnostics.clear();
  EXPECT_FALSE(CompileRuleSet(one_part, &diagnostics).ok());
  EXPECT_THAT(FormatDiagnostics(diagnostics),
              HasSubstr("rule \"heatwave.check-in.registered\": with this rule's title, messages to citizens would be "
                        "longer than the 1 SMS parts"));
  EXPECT_THAT(FormatDiagnostics(diagnostics), HasSubstr("its message (parameters empty) in fr: "));
  diagnostics.clear();
  EXPECT_THAT(CompileRuleSet(one_part, &diagnostics, CityFileOrigin::kStoredSnapshot), IsOk())
      << FormatDiagnostics(diagnostics);
}

// An offer accepted when no answer comes tells the citizen in the city's
// accepted_by_default words: a rule that says so needs them, and they must
// fit the SMS parts with the rule's title. A city without such a rule may
// leave them out (a city.yaml written before 2026-12-06).
TEST(RuleSetTest, AnOfferAcceptedWithoutReplyNeedsTheCitysWordsForIt) {
  const auto accepting = [](std::vector<RuleFile> files) {
    RuleFile* maternelle = FindFile(&files, "maternelle.yaml");
    EXPECT_NE(maternelle, nullptr);
    if (maternelle != nullptr) {
      maternelle->text = absl::StrReplaceAll(maternelle->text, {{"without_reply: lapse", "without_reply: accept"}});
    }
    return files;
  };
  const auto without_the_words = [](std::vector<RuleFile> files) {
    RuleFile* city = FindFile(&files, "city.yaml");
    const size_t from = city->text.find("  accepted_by_default:");
    const size_t to = city->text.find("  declined:");
    EXPECT_TRUE(from != std::string::npos && to != std::string::npos && from < to);
    if (from != std::string::npos && to != std::string::npos) city->text.erase(from, to - from);
    return files;
  };
  std::vector<Diagnostic> diagnostics;
  EXPECT_THAT(CompileRuleSet(without_the_words(ParisFiles()), &diagnostics), IsOk()) << FormatDiagnostics(diagnostics);
  EXPECT_THAT(CompileRuleSet(accepting(ParisFiles()), &diagnostics), IsOk()) << FormatDiagnostics(diagnostics);
  EXPECT_FALSE(CompileRuleSet(accepting(without_the_words(ParisFiles())), &diagnostics).ok());
  ASSERT_THAT(diagnostics, SizeIs(1)) << FormatDiagnostics(diagnostics);
  EXPECT_THAT(FormatDiagnostic(diagnostics[0]),
              HasSubstr("maternelle.yaml:10:9: rule \"maternelle.first-enrolment-offer\": reply.without_reply: "
                        "accept needs city.yaml messages.accepted_by_default"));
  // Too long with a long title: named with the others.
  std::vector<RuleFile> long_title = accepting(ParisFiles());
  RuleFile* maternelle = FindFile(&long_title, "maternelle.yaml");
  maternelle->text =
      absl::StrReplaceAll(maternelle->text, {{"title: Proposition d'inscription à l'école maternelle de secteur",
                                              absl::StrCat("title: ", std::string(1000, 'a'))}});
  diagnostics.clear();
  EXPECT_FALSE(CompileRuleSet(long_title, &diagnostics).ok());
  EXPECT_THAT(FormatDiagnostics(diagnostics), HasSubstr("; accepted_by_default in fr: "));
}

// A rule may test that a phone number is known, not read it: the number
// would be copied into every decision it makes.
TEST(RuleSetTest, ARuleMayTestThatAContactIsKnownButNotReadIt) {
  const auto reading = [](const std::string& when_phone) {
    std::vector<RuleFile> files = ParisFiles();
    RuleFile* heatwave = FindFile(&files, "heatwave.yaml");
    EXPECT_NE(heatwave, nullptr);
    if (heatwave != nullptr) heatwave->text = absl::StrReplaceAll(heatwave->text, {{"has(person.phone)", when_phone}});
    return files;
  };
  std::vector<Diagnostic> diagnostics;
  for (const char* tested : {"has(person.phone)", "person.guardians.all(g, has(g.phone))",
                             "has(person.phone) && person.preferred_language == \"fr\""}) {
    EXPECT_THAT(CompileRuleSet(reading(tested), &diagnostics), IsOk()) << tested << FormatDiagnostics(diagnostics);
  }
  EXPECT_FALSE(CompileRuleSet(reading("has(person.phone) && person.phone.startsWith(\"+336\")"), &diagnostics).ok());
  ASSERT_THAT(diagnostics, SizeIs(1)) << FormatDiagnostics(diagnostics);
  EXPECT_THAT(FormatDiagnostic(diagnostics[0]),
              HasSubstr("paris/heatwave.yaml:34:9: rule \"heatwave.check-in.isolated-elderly\": reads the value of a "
                        "person's phone, contact data (schema category contact): a rule may only test that it is "
                        "known, has(person.phone) or has(g.phone); the engine finds it itself to send a message, and "
                        "a decision must not record it"));
  // Through a related person, an element by index, filter()'s results or a
  // dynamic value: refused the same way.
  for (const char* read : {"person.guardians.all(g, g.phone != \"\")", "person.guardians[0].phone != \"\"",
                           "person.guardians.filter(g, true)[0].phone != \"\"", "dyn(person).phone != \"\"",
                           "[person][0].phone != \"\""}) {
    diagnostics.clear();
    EXPECT_FALSE(CompileRuleSet(reading(absl::StrCat("has(person.phone) && ", read)), &diagnostics).ok()) << read;
    ASSERT_THAT(diagnostics, SizeIs(1)) << read << FormatDiagnostics(diagnostics);
    EXPECT_THAT(FormatDiagnostic(diagnostics[0]), HasSubstr("reads the value of a person's phone")) << read;
  }
}

}  // namespace
}  // namespace proactive
