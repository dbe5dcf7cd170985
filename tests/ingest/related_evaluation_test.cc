// An event evaluates the rules of the persons around its person (household
// mates, linked persons) only when what those rules read of them changed,
// and no rule whose necessary conditions on its subject alone fail. Proven
// here against the straightforward path, which evaluates every such rule for
// every related person on any change: on random event streams, both engines
// write exactly the same decisions, audit entries and outbox.
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/decision/decision_store.h"
#include "engine/decision/replay.h"
#include "engine/store/reference_records.h"
#include "engine/store/store.h"
#include "tests/ingest/engine_fixture.h"

namespace proactive {
namespace {

using testing::EngineFixture;
using ::testing::IsEmpty;
using ::testing::Not;

// Rules reading the persons around the subject in every way the checker
// tells apart: counted, an attribute of each, one by index, through filter()
// and map(), and the same for family links.
constexpr char kRelatedPack[] = R"(pack: test.related
version: "1"
title: Rules reading the persons around the subject
owner: Tests

rules:
  - id: related.counted
    title: Households of three or more
    purpose: Counts the members only.
    legal_basis: ["test"]
    trigger: {events: [phone]}
    when: has(person.phone) && size(household.members) >= 3
    once_per: string(size(household.members))
    action: {kind: notify, service: test.counted, message: {fr: "a", en: "a"}, letter: false}

  - id: related.member-income
    title: A member with a low income
    purpose: Reads one attribute of every member.
    legal_basis: ["test"]
    trigger: {events: [phone]}
    when: >
      has(person.phone) &&
      household.members.exists(m, has(m.yearly_income) && m.yearly_income < eur(5000))
    once_per: '"once"'
    action: {kind: notify, service: test.member-income, message: {fr: "a", en: "a"}, letter: false}

  - id: related.second-member
    title: The second member lives alone
    purpose: Reads a member by index, which no path records.
    legal_basis: ["test"]
    trigger: {events: [phone]}
    when: >
      has(person.phone) && size(household.members) >= 2 &&
      has(household.members[1].lives_alone) && household.members[1].lives_alone
    once_per: '"once"'
    action: {kind: notify, service: test.second-member, message: {fr: "a", en: "a"}, letter: false}

  - id: related.filtered
    title: Two members on the RSA
    purpose: Uses the elements filter() yields.
    legal_basis: ["test"]
    trigger: {events: [phone]}
    when: >
      has(person.phone) &&
      size(household.members.filter(m, has(m.receives_rsa) && m.receives_rsa)) >= 2
    once_per: '"once"'
    action: {kind: notify, service: test.filtered, message: {fr: "a", en: "a"}, letter: false}

  - id: related.mapped
    title: A vulnerable member
    purpose: Reads an attribute through map().
    legal_basis: ["test"]
    trigger: {events: [phone]}
    when: >
      has(person.phone) &&
      household.members.map(m, has(m.registered_vulnerable) && m.registered_vulnerable).exists(v, v)
    once_per: '"once"'
    action: {kind: notify, service: test.mapped, message: {fr: "a", en: "a"}, letter: false}

  - id: related.child-income
    title: A child with an income
    purpose: Reads an attribute of linked persons.
    legal_basis: ["test"]
    trigger: {events: [phone]}
    when: has(person.phone) && person.children.exists(c, has(c.yearly_income))
    once_per: '"once"'
    action: {kind: notify, service: test.child-income, message: {fr: "a", en: "a"}, letter: false}

  - id: related.guardian-sector
    title: A guardian in the sector of a given school
    purpose: Reads a linked person's row of a reference table, which a move changes.
    legal_basis: ["test"]
    trigger: {events: [phone]}
    when: >
      has(person.phone) &&
      person.guardians.exists(g, has(g.school_sector) && g.school_sector.school_name == "École A0")
    once_per: '"once"'
    action: {kind: notify, service: test.guardian-sector, message: {fr: "a", en: "a"}, letter: false}

  - id: related.two-guardians
    title: Two guardians
    purpose: Counts linked persons.
    legal_basis: ["test"]
    trigger: {events: [phone]}
    when: has(person.phone) && size(person.guardians) >= 2
    once_per: '"once"'
    action: {kind: notify, service: test.two-guardians, message: {fr: "a", en: "a"}, letter: false}
)";

constexpr int kPersons = 36;
constexpr int kHouseholds = 9;
constexpr int kAddresses = 6;  // A0 .. A5; the even ones have a sector school

std::string AddressKey(int i) { return absl::StrFormat("75011:rue-test:%d", i); }

// The sector school of every even address: a move between addresses changes
// a person's row (person.school_sector).
void LoadSectors(Store* store) {
  std::vector<storage::v1::ReferenceRowRecord> rows;
  for (int i = 0; i < kAddresses; i += 2) {
    storage::v1::ReferenceRowRecord& row = rows.emplace_back();
    row.set_key(AddressKey(i));
    storage::v1::NamedValue* school = row.add_columns();
    school->set_name("school_name");
    school->mutable_value()->set_string_value(absl::StrCat("École A", i));
  }
  storage::v1::ReferenceTableRecord table;
  table.set_table("school_sectors_maternelle");
  table.set_version(1);
  table.set_source("paris-opendata");
  ASSERT_TRUE(ReplaceReferenceTable(store, table, std::move(rows)).ok());
}

std::string PersonId(int i) { return absl::StrFormat("P%02d", i); }

// A random stream: persons joining households, then changes of every kind,
// including attributes no rule reads.
std::vector<std::string> RandomEvents(uint64_t seed, int count) {
  std::mt19937_64 random(seed);
  const auto pick = [&](int n) { return static_cast<int>(random() % static_cast<uint64_t>(n)); };
  std::vector<std::string> events;
  int minute = 0;
  const auto event = [&](const std::string& person, const std::string& source, const std::string& body) {
    const int m = minute++;
    events.push_back(absl::StrFormat(
        R"({"event_id":"e%d","person_id":"%s","source":"%s","occurred_at":"2026-08-%02dT%02d:%02d:00Z"%s})",
        static_cast<int>(events.size()), person, source, 1 + m / 1440, (m / 60) % 24, m % 60, body));
  };
  const auto household = [&] { return absl::StrFormat(R"(,"household_id":"H%d")", pick(kHouseholds)); };
  for (int i = 0; i < kPersons; ++i) {
    event(PersonId(i), "etat-civil", absl::StrCat(household(), R"(,"set":{"birth_date":"1980-01-01"})"));
  }
  for (int i = 0; i < count; ++i) {
    const std::string person = PersonId(pick(kPersons));
    const std::string other = PersonId(pick(kPersons));
    const char* yes_no = pick(2) == 0 ? "true" : "false";
    switch (pick(11)) {
      case 0:
      case 1:
        event(person, "caf",
              absl::StrFormat(R"(,"set":{"yearly_income":"%s EUR"})", pick(3) == 0 ? "4000.00" : "20000.00"));
        break;
      case 2:
        event(person, "caf", absl::StrFormat(R"(,"set":{"receives_rsa":%s})", yes_no));
        break;
      case 3:
        event(person, "casvp", absl::StrFormat(R"(,"set":{"lives_alone":%s})", yes_no));
        break;
      case 4:
        event(person, "casvp", absl::StrFormat(R"(,"set":{"registered_vulnerable":%s})", yes_no));
        break;
      case 5:
        event(person, "etat-civil", household());
        break;
      case 6:
        if (other != person) {
          event(person, "etat-civil",
                absl::StrFormat(R"(,"links_added":[{"relation":"guardian","person_id":"%s"}])", other));
        }
        break;
      case 7:
        event(person, "paris-compte",
              pick(3) == 0 ? std::string(R"(,"remove":["phone"])")
                           : absl::StrFormat(R"(,"set":{"phone":"+336399%05d"})", pick(kPersons)));
        break;
      case 8:  // a move: another row of the sector table, or none
        event(person, "etat-civil", absl::StrFormat(R"(,"set":{"address_key":"%s"})", AddressKey(pick(kAddresses))));
        break;
      default:  // read by no rule of the pack
        event(person, "caf", absl::StrFormat(R"(,"set":{"arrondissement":%d})", 1 + pick(20)));
    }
  }
  return events;
}

std::vector<std::pair<std::string, std::string>> Rows(const Store& store, Family family) {
  std::vector<std::pair<std::string, std::string>> rows;
  EXPECT_TRUE(store
                  .Scan(family, "",
                        [&](absl::string_view key, absl::string_view value) {
                          rows.emplace_back(std::string(key), std::string(value));
                          return true;
                        })
                  .ok());
  return rows;
}

// "rule person" of every decision only `a` made.
std::string DecisionsOnlyIn(const Store& a, const Store& b) {
  std::set<std::string> in_a, in_b;
  const auto collect = [](const Store& store, std::set<std::string>* out) {
    EXPECT_TRUE(ScanDecisions(store, [&](const storage::v1::DecisionRecord& d) {
                  out->insert(absl::StrCat(d.rule_id(), " ", d.person_id()));
                  return true;
                }).ok());
  };
  collect(a, &in_a);
  collect(b, &in_b);
  std::string only;
  for (const std::string& d : in_a) {
    if (in_b.count(d) == 0) absl::StrAppend(&only, d, "; ");
  }
  return only;
}

class RelatedEvaluationTest : public ::testing::TestWithParam<uint64_t> {
 protected:
  static std::vector<RuleFile> Files() {
    std::vector<RuleFile> files = EngineFixture::ParisRuleFiles();
    files.push_back({"test/related.yaml", kRelatedPack});
    return files;
  }
  static EventApplierOptions Options(bool any_change) {
    EventApplierOptions options;
    options.evaluate_related_on_any_change = any_change;
    options.skip_rules_failing_on_subject = !any_change;
    return options;
  }
  const absl::Time now_ = absl::FromCivil(absl::CivilSecond(2026, 9, 1, 12, 0, 0), absl::UTCTimeZone());
  void SetUp() override {
    LoadSectors(&targeted_.store());
    LoadSectors(&straightforward_.store());
  }
  EngineFixture targeted_{now_, Files(), Options(false)};
  EngineFixture straightforward_{now_, Files(), Options(true)};
};

TEST_P(RelatedEvaluationTest, DecidesExactlyAsEvaluatingEveryRelatedPersonOnEveryChange) {
  std::map<std::string, int> fired;  // decisions per rule
  for (const std::string& line : RandomEvents(GetParam(), 700)) {
    absl::StatusOr<IngestResult> expected = straightforward_.Publish(line);
    absl::StatusOr<IngestResult> got = targeted_.Publish(line);
    ASSERT_EQ(got.status(), expected.status()) << line;
    if (!expected.ok()) continue;
    ASSERT_EQ(got->decisions, expected->decisions)
        << line << "\nonly the straightforward path: " << DecisionsOnlyIn(straightforward_.store(), targeted_.store())
        << "\nonly the targeted path: " << DecisionsOnlyIn(targeted_.store(), straightforward_.store());
  }
  ASSERT_TRUE(ScanDecisions(straightforward_.store(), [&](const storage::v1::DecisionRecord& d) {
                ++fired[d.rule_id()];
                return true;
              }).ok());
  // Every way of reading related persons made decisions, so a missed
  // evaluation would show.
  for (const char* rule :
       {"related.counted", "related.member-income", "related.second-member", "related.filtered", "related.mapped",
        "related.child-income", "related.guardian-sector", "related.two-guardians"}) {
    EXPECT_GT(fired[rule], 0) << rule;
  }
  for (Family family : {Family::kDecisions, Family::kAudit, Family::kOutbox}) {
    const auto expected = Rows(straightforward_.store(), family);
    EXPECT_THAT(expected, Not(IsEmpty()));
    EXPECT_TRUE(Rows(targeted_.store(), family) == expected) << "family " << static_cast<int>(family);
  }
}

// A decision that read a guardian's row records it among its inputs, with
// the table and its version as the source, and replays from them.
TEST_P(RelatedEvaluationTest, ADecisionRecordsTheRowsItReadOfLinkedPersonsAndReplaysFromThem) {
  for (const std::string& line : RandomEvents(GetParam(), 700)) {
    ASSERT_TRUE(targeted_.Publish(line).ok()) << line;
  }
  int checked = 0;
  ASSERT_TRUE(ScanDecisions(targeted_.store(), [&](const storage::v1::DecisionRecord& d) {
                if (d.rule_id() != "related.guardian-sector") return true;
                ++checked;
                std::set<std::string> guardians;
                int rows = 0;
                for (const storage::v1::DecisionInput& in : d.inputs()) {
                  if (absl::StartsWith(in.path(), "person.guardians[") && !absl::StrContains(in.path(), "].")) {
                    guardians.insert(in.person_id());
                  }
                  if (!absl::EndsWith(in.path(), "].school_sector.school_name")) continue;
                  EXPECT_TRUE(absl::StartsWith(in.path(), "person.guardians[")) << in.path();
                  EXPECT_NE(in.person_id(), d.person_id()) << in.path();  // the guardian's row
                  if (!in.present()) continue;
                  ++rows;
                  EXPECT_EQ(in.source(), "table school_sectors_maternelle, version 1");
                  EXPECT_TRUE(absl::StartsWith(in.value().string_value(), "École A")) << in.path();
                }
                EXPECT_GE(rows, 1) << d.decision_id();  // a guardian in the sector of École A0
                for (const storage::v1::DecisionInput& in : d.inputs()) {
                  if (absl::EndsWith(in.path(), "].school_sector.school_name")) {
                    EXPECT_EQ(guardians.count(in.person_id()), 1u) << in.path();
                  }
                }
                absl::StatusOr<std::shared_ptr<const RuleSet>> rules =
                    LoadRuleSetSnapshot(targeted_.store(), d.rule_set_version());
                EXPECT_TRUE(rules.ok()) << rules.status();
                if (!rules.ok()) return true;
                absl::StatusOr<RuleOutcome> replayed = ReplayDecision(d, **rules);
                EXPECT_TRUE(replayed.ok()) << replayed.status();
                if (replayed.ok()) {
                  EXPECT_TRUE(replayed->fires()) << d.decision_id() << ": " << replayed->reason;
                }
                return true;
              }).ok());
  EXPECT_GT(checked, 0);
}

INSTANTIATE_TEST_SUITE_P(Seeds, RelatedEvaluationTest, ::testing::Values(1, 2, 3));

// The event path tests a rule's conditions on the subject before building a
// graph (skip_rules_failing_on_subject), with testers made once per day: a
// term reading `today` must see the day of the event, not of an earlier one.
TEST(SubjectFilterTest, TestsTheRulesConditionsOnTheDayOfTheEvent) {
  EngineFixture engine(absl::FromCivil(absl::CivilSecond(2026, 11, 19, 9, 0, 0), absl::UTCTimeZone()));
  const auto expiry_event = [](const std::string& event_id, const std::string& person_id) {
    return testing::AttributeEvent(event_id, person_id, "ants", testing::At(2026, 11, 19, 8), "id_card_expiry",
                                   testing::DateValue(2027, 1, 19));
  };
  // identity-card.renewal-reminder: 61 days before the expiry is too early...
  absl::StatusOr<IngestResult> early = engine.Publish(expiry_event("ants-1", "P1"));
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_EQ(early->decisions, 0);
  // ...60 days before is the reminder.
  engine.clock().Advance(absl::Hours(24));
  absl::StatusOr<IngestResult> on_time = engine.Publish(expiry_event("ants-2", "P2"));
  ASSERT_TRUE(on_time.ok()) << on_time.status();
  EXPECT_EQ(on_time->decisions, 1);
}

}  // namespace
}  // namespace proactive
