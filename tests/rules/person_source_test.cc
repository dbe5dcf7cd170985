// StorePersonSource reads each person and household once per batch, and
// puts in front of the store what the batch writes but the store does not
// show yet.
#include "engine/rules/person_graph.h"
#include "engine/store/records.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::IsOk;
using ::proactive::testing::IsOkAndHolds;
using ::testing::ElementsAre;

TEST(StorePersonSourceTest, MembershipIsReadOnceAndMovesFollowTheBatch) {
  testing::TempDir dir;
  auto store = Store::Open({dir.path() + "/data"});
  ASSERT_THAT(store, IsOk());
  WriteBatch batch(**store);
  PutHouseholdMember(&batch, "H1", "A");
  PutHouseholdMember(&batch, "H1", "B");
  ASSERT_THAT((*store)->Write(&batch, false), IsOk());

  StorePersonSource source(store->get());
  EXPECT_THAT(source.HouseholdMembers("H1"), IsOkAndHolds(ElementsAre("A", "B")));
  // Written after the source read H1: this batch is not the source's, it
  // does not see it (a source serves one batch).
  WriteBatch later(**store);
  PutHouseholdMember(&later, "H1", "Z");
  ASSERT_THAT((*store)->Write(&later, false), IsOk());
  EXPECT_THAT(source.HouseholdMembers("H1"), IsOkAndHolds(ElementsAre("A", "B")));
  // The source's own batch moves C in and A out: shown over what was read.
  source.OverrideMembership("C", "", "H1");
  source.OverrideMembership("A", "H1", "H2");
  EXPECT_THAT(source.HouseholdMembers("H1"), IsOkAndHolds(ElementsAre("B", "C")));
  EXPECT_THAT(source.HouseholdMembers("H2"), IsOkAndHolds(ElementsAre("A")));
  // A new source reads the store as it is now.
  StorePersonSource fresh(store->get());
  EXPECT_THAT(fresh.HouseholdMembers("H1"), IsOkAndHolds(ElementsAre("A", "B", "Z")));
}

TEST(StorePersonSourceTest, AStateUpdatedInPlaceIsTheOneFoundAndTheFirstBlockIsReused) {
  testing::TempDir dir;
  auto store = Store::Open({dir.path() + "/data"});
  ASSERT_THAT(store, IsOk());
  storage::v1::PersonState stored;
  stored.set_person_id("P1");
  stored.set_household_id("H1");
  WriteBatch batch(**store);
  PutPersonState(&batch, stored);
  ASSERT_THAT((*store)->Write(&batch, false), IsOk());

  std::vector<char> block(4096);
  for (int round = 0; round < 3; ++round) {  // one source after another on one block
    StorePersonSource source(store->get(), absl::MakeSpan(block));
    absl::StatusOr<storage::v1::PersonState*> p1 = source.FindToUpdate("P1");
    ASSERT_THAT(p1, IsOk());
    EXPECT_EQ((*p1)->household_id(), "H1") << "read from the store";
    (*p1)->set_household_id("H2");
    EXPECT_THAT(source.Find("P1"), IsOkAndHolds(*p1)) << "the state changed in place is the one evaluated";
    EXPECT_EQ((*source.Find("P1"))->household_id(), "H2");
    // Not stored: an empty state to fill, found from now on; Find alone
    // still says unknown for others.
    absl::StatusOr<storage::v1::PersonState*> p2 = source.FindToUpdate("P2");
    ASSERT_THAT(p2, IsOk());
    ASSERT_NE(*p2, nullptr);
    EXPECT_EQ((*p2)->ByteSizeLong(), 0u);
    for (int i = 0; i < 200; ++i) (*p2)->add_links()->set_person_id(std::string(64, 'L'));  // past the first block
    EXPECT_THAT(source.Find("P2"), IsOkAndHolds(*p2));
    EXPECT_THAT(source.Find("P3"), IsOkAndHolds(nullptr));
  }
}

}  // namespace
}  // namespace proactive
