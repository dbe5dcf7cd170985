#include "engine/service/long_reads.h"

#include <pthread.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace proactive {
namespace {

using ::testing::ElementsAre;

// What a gRPC handler needs: Run returns while the read it queued still
// runs, and the reads run one after another in the order they came.
TEST(LongReadsTest, RunReturnsAtOnceAndReadsRunInOrderOnAnotherThread) {
  absl::Notification release;
  absl::Notification first_started;
  absl::Mutex mu;
  std::vector<int> ran;
  std::thread::id ran_on;
  std::string ran_on_name;  // as top -H shows it
  absl::Notification all_done;
  {
    LongReads reads("test-reads");
    reads.Run([&] {
      first_started.Notify();
      // A scan of millions of records. Were it run on the caller's thread,
      // it would end here after a while and the test would fail below.
      release.WaitForNotificationWithTimeout(absl::Seconds(30));
      absl::MutexLock lock(&mu);
      ran.push_back(1);
      ran_on = std::this_thread::get_id();
      char name[16] = {};
      pthread_getname_np(pthread_self(), name, sizeof(name));
      ran_on_name = name;
    });
    first_started.WaitForNotification();
    // The caller is not held by the read in progress: it queues two more.
    reads.Run([&] {
      absl::MutexLock lock(&mu);
      ran.push_back(2);
    });
    reads.Run([&] {
      absl::MutexLock lock(&mu);
      ran.push_back(3);
      all_done.Notify();
    });
    {
      absl::MutexLock lock(&mu);
      EXPECT_TRUE(ran.empty());
    }
    release.Notify();
    all_done.WaitForNotification();
  }
  EXPECT_THAT(ran, ElementsAre(1, 2, 3));
  EXPECT_NE(ran_on, std::this_thread::get_id());
  EXPECT_EQ(ran_on_name, "test-reads");
}

// Stopping runs what was queued: each read finishes its call, which a
// server shutting down waits for.
TEST(LongReadsTest, WhatIsQueuedRunsBeforeTheThreadStops) {
  int ran = 0;
  absl::Notification release;
  std::thread releaser;
  {
    LongReads reads("test-reads");
    reads.Run([&] { release.WaitForNotification(); });
    for (int i = 0; i < 5; ++i) reads.Run([&] { ++ran; });
    // Released while the destructor already waits, most likely: a stop that
    // dropped the queue would then run none of the five.
    releaser = std::thread([&] {
      absl::SleepFor(absl::Milliseconds(50));
      release.Notify();
    });
  }  // the destructor waits for the five
  releaser.join();
  EXPECT_EQ(ran, 5);
}

}  // namespace
}  // namespace proactive
