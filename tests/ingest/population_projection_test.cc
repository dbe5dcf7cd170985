// The population projection (population_projection.h) on its own: loaded
// in steps while persons are written, it holds what a load of the finished
// store holds; it reads stored states as the full decoder does; and the
// filter terms planned from the heatwave rules. That sweeps through it
// decide as the straightforward sweep: sweep_projection_test.cc.
#include "engine/ingest/population_projection.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/ingest/event_applier.h"
#include "engine/ingest/event_writer.h"
#include "engine/rules/sweep_filter.h"
#include "engine/store/codec.h"
#include "engine/store/records.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/ingest/paris_rules.h"
#include "tests/ingest/test_events.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::proactive::testing::IsOkAndHolds;

// A projection loaded in steps, with persons written, changed and removed
// between the steps (before and after where the loading stands), against one
// loaded in one go from the final store.
TEST(PopulationProjectionTest, FollowsEveryWriteWhileAndAfterLoading) {
  testing::TempDir dir;
  auto store = Store::Open({dir.path() + "/data"});
  ASSERT_THAT(store, IsOk());
  const auto put = [&](const std::string& id, std::optional<int64_t> income, bool phone) {
    storage::v1::PersonState state;
    state.set_person_id(id);
    if (income) {
      storage::v1::AttributeEntry* e = state.add_attributes();
      e->set_name("yearly_income");
      e->mutable_value()->set_int_value(*income);
    }
    if (phone) {
      storage::v1::AttributeEntry* e = state.add_attributes();
      e->set_name("phone");
      e->mutable_value()->set_string_value("+33600000000");
      storage::v1::AttributeEntry* removed = state.add_attributes();  // a removed entry hides nothing
      removed->set_name("phone");
      removed->set_removed(true);
    }
    WriteBatch batch(**store);
    PutPersonState(&batch, state);
    ASSERT_THAT((*store)->Write(&batch, false), IsOk());
  };
  const auto remove = [&](const std::string& id) {
    WriteBatch batch(**store);
    batch.Delete(Family::kPersons, id);
    ASSERT_THAT((*store)->Write(&batch, false), IsOk());
  };
  for (int i = 0; i < 100; ++i) put(absl::StrFormat("P%03d", i * 2), i % 7, i % 3 == 0);
  const std::vector<PopulationProjection::Column> columns = {{"phone", false}, {"yearly_income", true}};
  {
    PopulationProjection stepped(store->get(), columns);
    ASSERT_THAT(stepped.LoadStep(30), IsOk());  // P000..P058
    put("P010", 50, false);                     // loaded: followed
    put("P011", 51, true);                      // new, among the loaded
    put("P150", 52, true);                      // not loaded yet: the scan reads it as written
    remove("P020");
    remove("P160");
    absl::StatusOr<bool> done = false;
    while (done.ok() && !*done) done = stepped.LoadStep(30);
    ASSERT_THAT(done, IsOk());
    put("P012", 53, false);  // after loading
    put("P000", std::nullopt, false);
    remove("P100");

    PopulationProjection whole(store->get(), columns);
    ASSERT_THAT(whole.LoadStep(1000), IsOk());
    ASSERT_TRUE(whole.loaded());
    const auto content = [](const PopulationProjection& p) {
      std::map<std::string, std::string> by_id;
      for (uint32_t row = 0; row < p.rows(); ++row) {
        if (!p.live(row)) continue;
        const uint32_t income = p.codes(1)[row];
        by_id[std::string(p.person_id(row))] = absl::StrCat(
            "phone:", p.codes(0)[row],
            " income:", income < 2 ? absl::StrCat("code ", income) : absl::StrCat(p.dictionary(1)[income].int_value()));
      }
      return by_id;
    };
    EXPECT_EQ(content(stepped), content(whole));
    EXPECT_EQ(content(whole).size(), 98u);  // 100 + P011 - P020 - P160 - P100
    EXPECT_EQ(content(whole).at("P011"), "phone:1 income:51");
    EXPECT_EQ(content(whole).at("P000"), "phone:0 income:code 0");
    EXPECT_EQ(stepped.live_rows(), 98u);
    // Loaded rows keep the id order; P011 came later.
    for (uint32_t row = 1; row < stepped.sorted_rows(); ++row) {
      EXPECT_LE(stepped.person_id(row - 1), stepped.person_id(row));
    }
    EXPECT_LT(stepped.sorted_rows(), stepped.rows());
    // Destroying the whole projection first must leave no observer behind.
  }
  put("P300", 1, false);  // no projection observes the store any more
}

TEST(PopulationProjectionTest, AFullDictionaryListsFurtherValuesAsUnlisted) {
  testing::TempDir dir;
  auto store = Store::Open({dir.path() + "/data"});
  ASSERT_THAT(store, IsOk());
  WriteBatch batch(**store);
  const int n = static_cast<int>(PopulationProjection::kMaxDictionary) + 10;
  for (int i = 0; i < n; ++i) {
    storage::v1::PersonState state;
    state.set_person_id(absl::StrFormat("P%06d", i));
    storage::v1::AttributeEntry* e = state.add_attributes();
    e->set_name("yearly_income");
    e->mutable_value()->set_int_value(i);
    PutPersonState(&batch, state);
  }
  ASSERT_THAT((*store)->Write(&batch, false), IsOk());
  PopulationProjection projection(store->get(), {{"yearly_income", true}});
  ASSERT_THAT(projection.LoadStep(n + 1), IsOk());
  EXPECT_EQ(projection.dictionary(0).size(), PopulationProjection::kMaxDictionary);
  int unlisted = 0;
  for (uint32_t row = 0; row < projection.rows(); ++row) {
    const uint32_t code = projection.codes(0)[row];
    if (code == PopulationProjection::kUnlisted) {
      ++unlisted;
    } else {
      ASSERT_EQ(projection.dictionary(0)[code].int_value(), static_cast<int64_t>(row));
    }
  }
  EXPECT_EQ(unlisted, n - static_cast<int>(PopulationProjection::kMaxDictionary) + 2);
}

// A daemon serves before its projection is loaded: the writer loads it
// between groups and its stats say when it is done (EngineStatus shows it).
TEST(PopulationProjectionTest, TheWriterLoadsItInStepsAndSaysWhenItIsDone) {
  testing::TempDir dir;
  auto store = Store::Open({dir.path() + "/data"});
  ASSERT_THAT(store, IsOk());
  WriteBatch batch(**store);
  for (int i = 0; i < 1000; ++i) {
    storage::v1::PersonState state;
    state.set_person_id(absl::StrFormat("P%04d", i));
    storage::v1::AttributeEntry* e = state.add_attributes();
    e->set_name("lives_alone");
    e->mutable_value()->set_bool_value(i % 2 == 0);
    PutPersonState(&batch, state);
  }
  ASSERT_THAT((*store)->Write(&batch, false), IsOk());
  Swappable<RuleSet> rules(testing::ParisRuleSet());
  testing::FakeClock clock(absl::FromCivil(absl::CivilSecond(2026, 9, 1, 12, 0, 0), absl::UTCTimeZone()));
  EventApplierOptions options;
  options.projection_load_step = 20;  // 50 steps
  auto applier = EventApplier::Create(store->get(), &rules, &clock, options);
  ASSERT_THAT(applier, IsOk());
  EventWriterOptions writer_options;
  writer_options.sync = false;
  EventWriter writer(applier->get(), store->get(), &clock, writer_options);
  bool loading = true;
  for (int i = 0; i < 1000 && loading; ++i) {
    loading = writer.stats().projection_loading;
    if (loading) absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_FALSE(loading) << "the projection did not finish loading";
  writer.Stop();  // the writer thread owns the projection: read it once stopped
  ASSERT_NE((*applier)->projection(), nullptr);
  EXPECT_TRUE((*applier)->projection()->loaded());
  EXPECT_EQ((*applier)->projection()->live_rows(), 1000u);
}

// The projection reads stored states without decoding them in full; what it
// finds must be what the full decoder and PersonRecord find, whatever shape
// the stored bytes have.
TEST(PopulationProjectionTest, ReadsStoredStatesAsTheFullDecoderDoes) {
  testing::TempDir dir;
  auto store = Store::Open({dir.path() + "/data"});
  ASSERT_THAT(store, IsOk());
  std::map<std::string, std::string> stored;  // person -> bytes
  const auto entry = [](storage::v1::PersonState* state, const std::string& name) {
    storage::v1::AttributeEntry* e = state->add_attributes();
    e->set_name(name);
    e->set_source("casvp");
    e->set_event_id("ev-1");
    e->set_sequence(7);
    return e;
  };
  const auto encode = [](storage::v1::PersonState state) {
    state.set_format_version(kStorageFormatVersion);
    return state.SerializeAsString();
  };
  {
    storage::v1::PersonState s;  // every kind of value, with other fields around
    s.set_person_id("P1");
    s.set_household_id("H1");
    entry(&s, "birth_date")->mutable_value()->set_date_days(-3000);
    entry(&s, "city")->mutable_value()->set_string_value("Paris");
    entry(&s, "lives_alone")->mutable_value()->set_bool_value(true);
    storage::v1::Value* list = entry(&s, "languages")->mutable_value();
    list->mutable_list_value()->add_values()->set_string_value("fr");
    list->mutable_list_value()->add_values()->set_string_value("en");
    entry(&s, "yearly_income")->mutable_value()->mutable_money_value()->set_cents(2100000);
    s.add_links()->set_person_id("P2");
    s.set_events_applied(12);
    stored["P1"] = encode(s);
  }
  {
    storage::v1::PersonState s;  // a removed entry beside a set one; an entry without value
    s.set_person_id("P2");
    entry(&s, "city")->mutable_value()->set_string_value("Lyon");
    entry(&s, "city")->set_removed(true);
    entry(&s, "lives_alone");
    stored["P2"] = encode(s);
  }
  {
    storage::v1::PersonState s;  // two entries of one name: the last counts
    s.set_person_id("P3");
    entry(&s, "yearly_income")->mutable_value()->set_int_value(1);
    entry(&s, "yearly_income")->mutable_value()->set_int_value(2);
    stored["P3"] = encode(s);
  }
  {
    // A field this engine does not know (a later version's), and a value
    // sent in two parts, which protobuf merges: the full decoder reads both.
    storage::v1::PersonState s;
    s.set_person_id("P4");
    std::string bytes = encode(s);
    bytes += std::string("\xC8\x06\x05", 3);  // field 100, varint 5
    storage::v1::AttributeEntry e;
    e.set_name("birth_date");
    std::string entry_bytes = e.SerializeAsString();
    storage::v1::Value part;
    part.set_date_days(100);
    const std::string part_bytes = part.SerializeAsString();
    for (int i = 0; i < 2; ++i) {
      entry_bytes += '\x12';  // field 2, length-delimited
      entry_bytes += static_cast<char>(part_bytes.size());
      entry_bytes += part_bytes;
    }
    bytes += '\x2A';  // field 5, length-delimited
    bytes += static_cast<char>(entry_bytes.size());
    bytes += entry_bytes;
    stored["P4"] = bytes;
  }
  WriteBatch batch(**store);
  for (const auto& [id, bytes] : stored) batch.Put(Family::kPersons, id, bytes);
  ASSERT_THAT((*store)->Write(&batch, false), IsOk());

  const std::vector<std::string> names = {"birth_date", "city", "languages", "lives_alone", "yearly_income"};
  std::vector<PopulationProjection::Column> columns;
  for (const std::string& name : names) columns.push_back({name, true});
  PopulationProjection projection(store->get(), columns);
  ASSERT_THAT(projection.LoadStep(100), IsOkAndHolds(true));
  ASSERT_EQ(projection.rows(), stored.size());
  for (uint32_t row = 0; row < projection.rows(); ++row) {
    const std::string id(projection.person_id(row));
    absl::StatusOr<storage::v1::PersonState> state = DecodeRecord<storage::v1::PersonState>(stored[id], id);
    ASSERT_THAT(state, IsOk());
    for (size_t c = 0; c < names.size(); ++c) {
      const storage::v1::Value* expected = nullptr;  // as PersonRecord reads it
      for (const storage::v1::AttributeEntry& e : state->attributes()) {
        if (!e.removed() && e.name() == names[c]) expected = &e.value();
      }
      const uint32_t code = projection.codes(static_cast<int>(c))[row];
      SCOPED_TRACE(absl::StrCat(id, " ", names[c]));
      if (expected == nullptr) {
        EXPECT_EQ(code, PopulationProjection::kAbsent);
      } else {
        ASSERT_GE(code, 2u);
        EXPECT_EQ(projection.dictionary(static_cast<int>(c))[code].SerializeAsString(), expected->SerializeAsString());
      }
    }
  }
  // Spot checks of what the comparison above covers.
  const auto code_of = [&](const std::string& id, int column) {
    for (uint32_t row = 0; row < projection.rows(); ++row) {
      if (projection.person_id(row) == id) return projection.codes(column)[row];
    }
    return uint32_t{9999};
  };
  // A removed entry hides no other (the merge keeps one entry per name).
  EXPECT_EQ(projection.dictionary(1)[code_of("P2", 1)].string_value(), "Lyon");
  EXPECT_EQ(projection.dictionary(3)[code_of("P2", 3)].kind_case(), storage::v1::Value::KIND_NOT_SET);
  EXPECT_EQ(projection.dictionary(4)[code_of("P3", 4)].int_value(), 2);
  EXPECT_EQ(projection.dictionary(0)[code_of("P4", 0)].date_days(), 100);
}

TEST(PopulationProjectionTest, AStateThatDoesNotDecodeIsDataLossNamingThePerson) {
  testing::TempDir dir;
  auto store = Store::Open({dir.path() + "/data"});
  ASSERT_THAT(store, IsOk());
  storage::v1::PersonState good;
  good.set_person_id("P1");
  good.add_attributes()->set_name("lives_alone");
  WriteBatch batch(**store);
  PutPersonState(&batch, good);
  batch.Put(Family::kPersons, "P2", std::string("\x2A\x7F truncated", 12));
  ASSERT_THAT((*store)->Write(&batch, false), IsOk());
  PopulationProjection projection(store->get(), {{"lives_alone", true}});
  EXPECT_THAT(projection.LoadStep(100),
              testing::StatusIs(absl::StatusCode::kDataLoss, ::testing::HasSubstr("person P2")));
  EXPECT_TRUE(projection.broken());
  EXPECT_EQ(projection.rows(), 1u);  // P1; nothing of P2
}

// The heatwave rules' filter terms, as planned, and what they rule out.
TEST(SweepFilterTest, PlansTheConjunctsOneAttributeDecides) {
  std::shared_ptr<const RuleSet> rules = testing::ParisRuleSet();
  ASSERT_NE(rules, nullptr);
  const CompiledRule* isolated = rules->FindRule("heatwave.check-in.isolated-elderly");
  ASSERT_NE(isolated, nullptr);
  std::vector<std::string> planned;
  for (const FilterTerm& term : isolated->filter_terms) {
    planned.push_back(absl::StrCat(term.attribute.empty() ? "-" : term.attribute, term.presence_only ? "?" : "", " ",
                                   term.program->source()));
  }
  EXPECT_THAT(planned,
              ::testing::ElementsAre("- broadcast.area == \"75\"", "- broadcast.level in [\"orange\", \"red\"]",
                                     "birth_date age(person.birth_date, today) >= 65",
                                     "lives_alone? has(person.lives_alone)", "lives_alone person.lives_alone",
                                     "registered_vulnerable !(has(person.registered_vulnerable) && "
                                     "person.registered_vulnerable)",
                                     "phone? has(person.phone)"));
  // The maternelle rule reads the guardians too: that conjunct is left out.
  const CompiledRule* maternelle = rules->FindRule("maternelle.first-enrolment-offer");
  ASSERT_NE(maternelle, nullptr);
  for (const FilterTerm& term : maternelle->filter_terms) EXPECT_NE(term.attribute, "guardians");
  // A joined table's row is not projected: a conjunct reading it is left out
  // (planned, it would rule out everyone, their projected row being empty).
  std::vector<FilterTerm> joined = PlanFilterTerms(
      "has(person.school_sector) && person.school_sector.arrondissement == 11 && has(person.birth_date)",
      *maternelle->env);
  ASSERT_THAT(joined, ::testing::SizeIs(1));
  EXPECT_EQ(joined[0].attribute, "birth_date");

  storage::v1::BroadcastEventRecord broadcast = testing::RedHeatwaveRecord();
  const EvaluationContext context{absl::CivilDay(2026, 9, 1), &broadcast};
  const FilterTerm& age = isolated->filter_terms[2];
  storage::v1::Value born_1961_09_01, born_1961_09_02, not_a_date;
  born_1961_09_01.set_date_days(static_cast<int32_t>((absl::CivilDay(1961, 9, 1) - absl::CivilDay(1970, 1, 1))));
  born_1961_09_02.set_date_days(static_cast<int32_t>((absl::CivilDay(1961, 9, 2) - absl::CivilDay(1970, 1, 1))));
  not_a_date.set_string_value("unknown");
  // 65 today; 65 tomorrow; no birth date (an error: nothing ruled out); a
  // value of the wrong type (an error too).
  EXPECT_THAT(TermFalseFor(*isolated, age, context, {&born_1961_09_01, &born_1961_09_02, nullptr, &not_a_date}),
              ::testing::ElementsAre(0, 1, 0, 0));
  const FilterTerm& area = isolated->filter_terms[0];
  EXPECT_THAT(TermFalseFor(*isolated, area, context, {nullptr}), ::testing::ElementsAre(0));
  broadcast.set_area("13");
  EXPECT_THAT(TermFalseFor(*isolated, area, context, {nullptr}), ::testing::ElementsAre(1));
}

}  // namespace
}  // namespace proactive
