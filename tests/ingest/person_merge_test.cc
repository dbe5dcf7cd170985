#include "engine/ingest/person_merge.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace proactive {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

storage::v1::PersonEventRecord Event(const std::string& id, int64_t at_seconds) {
  storage::v1::PersonEventRecord e;
  e.set_event_id(id);
  e.set_person_id("P1");
  e.set_source("paris-compte");
  e.mutable_occurred_at()->set_seconds(at_seconds);
  return e;
}

void SetPhone(storage::v1::PersonEventRecord* e, const std::string& phone) {
  storage::v1::NamedValue* v = e->add_set();
  v->set_name("phone");
  v->mutable_value()->set_string_value(phone);
}

std::string Phone(const storage::v1::PersonState& state) {
  const storage::v1::AttributeEntry* e = FindCurrentAttribute(state, "phone");
  return e == nullptr ? "<none>" : e->value().string_value();
}

TEST(PersonMergeTest, LatestOccurredAtWinsAndLateFactsAreCounted) {
  storage::v1::PersonState state;
  auto e1 = Event("e1", 200);
  SetPhone(&e1, "+33600000002");
  EXPECT_THAT(MergePersonEvent(e1, 1, &state).changed_attributes, ElementsAre("phone"));
  auto late = Event("e2", 100);  // happened before e1, arrives after
  SetPhone(&late, "+33600000001");
  PersonChanges changes = MergePersonEvent(late, 2, &state);
  EXPECT_THAT(changes.changed_attributes, IsEmpty());
  EXPECT_EQ(changes.late_facts, 1);
  EXPECT_EQ(Phone(state), "+33600000002");
  EXPECT_EQ(state.events_applied(), 2u);
}

TEST(PersonMergeTest, OnATieTheLaterEventInTheLogWins) {
  storage::v1::PersonState state;
  auto a = Event("a", 100);
  SetPhone(&a, "+33600000001");
  auto b = Event("b", 100);
  SetPhone(&b, "+33600000002");
  MergePersonEvent(a, 1, &state);
  MergePersonEvent(b, 2, &state);
  EXPECT_EQ(Phone(state), "+33600000002");
}

TEST(PersonMergeTest, ARemovalIsATombstoneThatOlderEventsCannotUndo) {
  storage::v1::PersonState state;
  auto set = Event("set", 100);
  SetPhone(&set, "+33600000001");
  MergePersonEvent(set, 1, &state);
  auto removal = Event("rm", 300);
  removal.add_removed("phone");
  EXPECT_THAT(MergePersonEvent(removal, 2, &state).changed_attributes, ElementsAre("phone"));
  EXPECT_EQ(Phone(state), "<none>");
  auto older = Event("old", 200);
  SetPhone(&older, "+33600000009");
  MergePersonEvent(older, 3, &state);
  EXPECT_EQ(Phone(state), "<none>");
  auto newer = Event("new", 400);
  SetPhone(&newer, "+33600000004");
  MergePersonEvent(newer, 4, &state);
  EXPECT_EQ(Phone(state), "+33600000004");
}

TEST(PersonMergeTest, SameValueAgainIsNotAChange) {
  storage::v1::PersonState state;
  auto a = Event("a", 100);
  SetPhone(&a, "+33600000001");
  MergePersonEvent(a, 1, &state);
  auto b = Event("b", 200);
  SetPhone(&b, "+33600000001");
  EXPECT_THAT(MergePersonEvent(b, 2, &state).changed_attributes, IsEmpty());
  EXPECT_EQ(FindCurrentAttribute(state, "phone")->event_id(), "b");  // provenance moves on
}

TEST(PersonMergeTest, AttributesStaySortedByName) {
  storage::v1::PersonState state;
  auto e = Event("e", 100);
  for (const char* name : {"phone", "arrondissement", "lives_alone"}) {
    auto* v = e.add_set();
    v->set_name(name);
    v->mutable_value()->set_bool_value(true);
  }
  MergePersonEvent(e, 1, &state);
  ASSERT_EQ(state.attributes_size(), 3);
  EXPECT_EQ(state.attributes(0).name(), "arrondissement");
  EXPECT_EQ(state.attributes(1).name(), "lives_alone");
  EXPECT_EQ(state.attributes(2).name(), "phone");
}

TEST(PersonMergeTest, HouseholdMovesReportThePreviousHousehold) {
  storage::v1::PersonState state;
  auto e1 = Event("e1", 100);
  e1.set_household_id("H1");
  PersonChanges c1 = MergePersonEvent(e1, 1, &state);
  EXPECT_TRUE(c1.household_changed);
  EXPECT_EQ(c1.previous_household, "");
  auto e2 = Event("e2", 200);
  e2.set_household_id("H2");
  PersonChanges c2 = MergePersonEvent(e2, 2, &state);
  EXPECT_TRUE(c2.household_changed);
  EXPECT_EQ(c2.previous_household, "H1");
  auto stale = Event("e3", 150);
  stale.set_household_id("H1");
  EXPECT_FALSE(MergePersonEvent(stale, 3, &state).household_changed);
  EXPECT_EQ(state.household_id(), "H2");
}

TEST(PersonMergeTest, LinksAreMirroredWithTheInverseRelation) {
  storage::v1::PersonState child;
  auto e = Event("birth", 100);
  auto* link = e.add_links_added();
  link->set_relation(storage::v1::RELATION_GUARDIAN);
  link->set_person_id("G1");
  PersonChanges changes = MergePersonEvent(e, 1, &child);
  ASSERT_EQ(changes.mirrors.size(), 1u);
  EXPECT_EQ(changes.mirrors[0].other_person_id, "G1");
  EXPECT_EQ(changes.mirrors[0].relation_on_other, storage::v1::RELATION_CHILD);
  storage::v1::PersonState guardian;
  EXPECT_TRUE(MergeLinkMirror(changes.mirrors[0], e, 1, &guardian));
  ASSERT_EQ(guardian.links_size(), 1);
  EXPECT_EQ(guardian.person_id(), "G1");
  EXPECT_EQ(guardian.links(0).person_id(), "P1");
  EXPECT_EQ(guardian.links(0).relation(), storage::v1::RELATION_CHILD);
  EXPECT_FALSE(guardian.links(0).removed());
}

}  // namespace
}  // namespace proactive
