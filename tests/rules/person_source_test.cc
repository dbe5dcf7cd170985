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

}  // namespace
}  // namespace proactive
