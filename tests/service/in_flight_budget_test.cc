#include "engine/service/in_flight_budget.h"

#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace proactive {
namespace {

TEST(InFlightBudgetTest, RoomUntilTheCapacityIsCharged) {
  InFlightBudget budget(100);
  auto waiter = std::make_shared<BudgetWaiter>([] {});
  EXPECT_TRUE(budget.HasRoomOrWait(waiter));
  budget.Charge(60);
  EXPECT_TRUE(budget.HasRoomOrWait(waiter));
  budget.Charge(60);  // past the capacity: the event was already read
  EXPECT_EQ(budget.used(), 120);
  EXPECT_FALSE(budget.HasRoomOrWait(waiter));
}

TEST(InFlightBudgetTest, AWaiterIsResumedOnceWhenReleasesBringItUnderTheCapacity) {
  InFlightBudget budget(100);
  int resumed = 0;
  auto waiter = std::make_shared<BudgetWaiter>([&] { ++resumed; });
  budget.Charge(150);
  EXPECT_FALSE(budget.HasRoomOrWait(waiter));
  EXPECT_FALSE(budget.HasRoomOrWait(waiter));  // queued once, however often it asks
  budget.Release(40);                          // 110: still spent
  EXPECT_EQ(resumed, 0);
  budget.Release(40);  // 70
  EXPECT_EQ(resumed, 1);
  budget.Release(70);  // nobody waits any more
  EXPECT_EQ(resumed, 1);
  EXPECT_EQ(budget.used(), 0);
}

TEST(InFlightBudgetTest, EveryWaiterIsResumed) {
  InFlightBudget budget(10);
  int resumed = 0;
  std::vector<std::shared_ptr<BudgetWaiter>> waiters;
  budget.Charge(10);
  for (int i = 0; i < 3; ++i) {
    waiters.push_back(std::make_shared<BudgetWaiter>([&] { ++resumed; }));
    EXPECT_FALSE(budget.HasRoomOrWait(waiters.back()));
  }
  budget.Release(1);
  EXPECT_EQ(resumed, 3);
}

TEST(InFlightBudgetTest, AClosedWaiterIsNeverResumed) {
  InFlightBudget budget(10);
  int resumed = 0;
  auto waiter = std::make_shared<BudgetWaiter>([&] { ++resumed; });
  budget.Charge(10);
  EXPECT_FALSE(budget.HasRoomOrWait(waiter));
  waiter->Close();  // the stream went away while paused
  budget.Release(10);
  EXPECT_EQ(resumed, 0);
}

TEST(InFlightBudgetTest, AResumedWaiterMayAskAgainFromItsResume) {
  InFlightBudget budget(10);
  int resumed = 0;
  std::shared_ptr<BudgetWaiter> waiter;
  waiter = std::make_shared<BudgetWaiter>([&] {
    ++resumed;
    budget.Charge(10);                           // reads one more event
    EXPECT_FALSE(budget.HasRoomOrWait(waiter));  // and waits again
  });
  budget.Charge(10);
  EXPECT_FALSE(budget.HasRoomOrWait(waiter));
  budget.Release(10);
  EXPECT_EQ(resumed, 1);
  budget.Release(10);
  EXPECT_EQ(resumed, 2);
}

}  // namespace
}  // namespace proactive
