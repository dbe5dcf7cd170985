// Retention of the raw event log: payloads of person events older than the
// period are erased in log order, chunk by chunk; the person's state, the
// event-id index (a resent event stays a duplicate) and younger events stay.
#include "engine/ingest/erasure.h"

#include "engine/ingest/event_applier.h"
#include "engine/store/records.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/ingest/engine_fixture.h"
#include "tests/ingest/test_events.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::BirthEvent;
using ::proactive::testing::IsOk;
using ::testing::ElementsAre;

class RetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = Store::Open({dir_.path() + "/data"});
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
    auto applier = EventApplier::Create(store_.get(), nullptr, &clock_);
    ASSERT_THAT(applier, IsOk());
    applier_ = *std::move(applier);
  }

  // Receives the event now, then lets `days` pass.
  void Receive(const v1::PublishRequest& request, int days) {
    absl::StatusOr<ValidatedEvent> event = ValidatePublishRequest(request, schema_, {}, clock_.Now());
    ASSERT_THAT(event, IsOk());
    ASSERT_THAT(applier_->Apply(*event, clock_.Now()), IsOk());
    clock_.Advance(absl::Hours(24) * days);
  }

  storage::v1::EventLogEntry Logged(uint64_t sequence) {
    auto entry = ReadEventLogEntry(*store_, sequence);
    EXPECT_THAT(entry, IsOk());
    return entry->value_or(storage::v1::EventLogEntry());
  }

  testing::TempDir dir_;
  testing::FakeClock clock_{absl::FromCivil(absl::CivilSecond(2025, 1, 10, 12, 0, 0), absl::UTCTimeZone())};
  AttributeSchema schema_ = testing::ProjectSchema();
  std::unique_ptr<Store> store_;
  std::unique_ptr<EventApplier> applier_;
};

TEST_F(RetentionTest, ErasesPayloadsPastThePeriodInChunksAndKeepsTheRest) {
  Receive(BirthEvent("civ-1", "P1"), 10);
  Receive(BirthEvent("civ-2", "P2"), 10);
  Receive(BirthEvent("civ-3", "P3"),
          400);  // civ-1 and civ-2 are now 420 and 410 days old
  Receive(BirthEvent("civ-4", "P4"), 0);
  PersonEraser& eraser = applier_->eraser();
  const absl::Duration year = absl::Hours(24) * 365;

  // One log entry per call: the first call erases civ-1 and is not done.
  absl::StatusOr<RetentionProgress> first = eraser.EraseExpiredEvents(clock_.Now(), year, 1);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->erased, 1);
  EXPECT_FALSE(first->caught_up);
  EXPECT_TRUE(Logged(1).has_erased());
  EXPECT_TRUE(Logged(2).has_person());
  absl::StatusOr<RetentionProgress> second = eraser.EraseExpiredEvents(clock_.Now(), year, 1);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->erased, 1);
  // civ-3 is 400 days old: past the period too; civ-4 is not.
  absl::StatusOr<RetentionProgress> third = eraser.EraseExpiredEvents(clock_.Now(), year, 10);
  ASSERT_THAT(third, IsOk());
  EXPECT_EQ(third->erased, 1);
  EXPECT_TRUE(third->caught_up);
  absl::StatusOr<RetentionProgress> idle = eraser.EraseExpiredEvents(clock_.Now(), year, 10);
  ASSERT_THAT(idle, IsOk());
  EXPECT_EQ(idle->examined, 0);

  const storage::v1::EventLogEntry erased = Logged(1);
  ASSERT_TRUE(erased.has_erased());
  EXPECT_EQ(erased.erased().event_id(), "civ-1");
  EXPECT_EQ(erased.erased().source(), "etat-civil");
  EXPECT_EQ(erased.erased().reason(), "retention");
  EXPECT_EQ(erased.sequence(), 1u);
  EXPECT_TRUE(Logged(4).has_person());
  EXPECT_EQ(Logged(4).person().person_id(), "P4");

  // The person's state keeps what rules read; the event's index entry went.
  auto p1 = ReadPersonState(*store_, "P1");
  ASSERT_THAT(p1, IsOk());
  ASSERT_TRUE(p1->has_value());
  EXPECT_EQ((*p1)->attributes(0).name(), "birth_date");
  EXPECT_THAT(ReadPersonEventSequences(*store_, "P1"), ::proactive::testing::IsOkAndHolds(ElementsAre()));
  EXPECT_THAT(ReadPersonEventSequences(*store_, "P4"), ::proactive::testing::IsOkAndHolds(ElementsAre(4u)));

  // A source resending the old event gets a duplicate: nothing comes back.
  absl::StatusOr<ValidatedEvent> resent = ValidatePublishRequest(BirthEvent("civ-1", "P1"), schema_, {}, clock_.Now());
  ASSERT_THAT(resent, IsOk());
  absl::StatusOr<IngestResult> result = applier_->Apply(*resent, clock_.Now());
  ASSERT_THAT(result, IsOk());
  EXPECT_TRUE(result->duplicate);
  EXPECT_TRUE(Logged(1).has_erased());
}

TEST_F(RetentionTest, ThePersonEventIndexNamesTheSubjectAndLinkedPersons) {
  v1::PublishRequest child = BirthEvent("civ-10", "C1");
  v1::Link* link = child.mutable_person()->add_links_added();
  link->set_relation(v1::RELATION_GUARDIAN);
  link->set_person_id("G1");
  Receive(child, 0);
  Receive(BirthEvent("civ-11", "G1", 1990), 0);
  EXPECT_THAT(ReadPersonEventSequences(*store_, "C1"), ::proactive::testing::IsOkAndHolds(ElementsAre(1u)));
  EXPECT_THAT(ReadPersonEventSequences(*store_, "G1"), ::proactive::testing::IsOkAndHolds(ElementsAre(1u, 2u)));
}

// The writer applies the city's period (rules/city.yaml: 365 days) by itself.
TEST(RetentionInTheWriterTest, FollowsTheCityPeriodWithoutBeingAsked) {
  testing::EngineFixture engine(absl::FromCivil(absl::CivilSecond(2025, 3, 1, 8, 0, 0), absl::UTCTimeZone()));
  ASSERT_EQ(engine.rules().city().event_retention_days, 365);
  ASSERT_THAT(engine.Publish(BirthEvent("civ-1", "P1")), IsOk());
  engine.clock().Advance(absl::Hours(24) * 300);
  ASSERT_THAT(engine.Publish(BirthEvent("civ-2", "P2")), IsOk());
  engine.Settle();
  EXPECT_EQ(engine.writer().stats().events_expired, 0u);  // 300 days: kept
  engine.clock().Advance(absl::Hours(24) * 100);
  engine.Settle();
  EXPECT_EQ(engine.writer().stats().events_expired,
            1u);  // civ-1 is 400 days old, civ-2 100
  auto first = ReadEventLogEntry(engine.store(), 1);
  ASSERT_THAT(first, IsOk());
  EXPECT_TRUE((*first)->has_erased());
  auto second = ReadEventLogEntry(engine.store(), 2);
  ASSERT_THAT(second, IsOk());
  EXPECT_TRUE((*second)->has_person());
}

}  // namespace
}  // namespace proactive
