#include "engine/ingest/event_applier.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "engine/ingest/event_writer.h"
#include "engine/store/records.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "tests/ingest/test_events.h"
#include "tests/testing/fake_clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace proactive {
namespace {

using ::proactive::testing::BirthEvent;
using ::proactive::testing::IsOk;
using ::proactive::testing::IsOkAndHolds;
using ::proactive::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

// A file system whose write-ahead log syncs wait while the gate is closed:
// a test holds the committer in its fsync for as long as it needs.
class GatedLogSyncFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  explicit GatedLogSyncFileSystem(const std::shared_ptr<rocksdb::FileSystem>& base) : FileSystemWrapper(base) {}
  const char* Name() const override { return "GatedLogSyncFileSystem"; }

  void Close() {
    absl::MutexLock lock(&mu_);
    closed_ = true;
  }
  void Open() {
    absl::MutexLock lock(&mu_);
    closed_ = false;
  }
  // Returns once a log sync waits at the closed gate.
  void AwaitSyncWaiting() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&waiting_));
  }

  rocksdb::IOStatus NewWritableFile(const std::string& fname, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewWritableFile(fname, options, result, dbg);
    if (s.ok() && absl::EndsWith(fname, ".log")) *result = std::make_unique<GatedFile>(std::move(*result), this);
    return s;
  }

 private:
  class GatedFile final : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    GatedFile(std::unique_ptr<rocksdb::FSWritableFile> file, GatedLogSyncFileSystem* fs)
        : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs) {}
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
      fs_->PassGate();
      return FSWritableFileOwnerWrapper::Sync(options, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
      fs_->PassGate();
      return FSWritableFileOwnerWrapper::Fsync(options, dbg);
    }

   private:
    GatedLogSyncFileSystem* fs_;
  };

  void PassGate() {
    absl::MutexLock lock(&mu_);
    waiting_ = closed_;
    mu_.Await(absl::Condition(
        +[](bool* closed) { return !*closed; }, &closed_));
    waiting_ = false;
  }

  absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool waiting_ ABSL_GUARDED_BY(mu_) = false;
};

class EventApplierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = Store::Open({dir_.path() + "/data", 8 << 20, env_.get()});
    ASSERT_THAT(store, IsOk());
    store_ = *std::move(store);
    auto applier = EventApplier::Create(store_.get(), nullptr, &clock_);
    ASSERT_THAT(applier, IsOk());
    applier_ = *std::move(applier);
  }

  ValidatedEvent Validated(const v1::PublishRequest& request) {
    absl::StatusOr<ValidatedEvent> event = ValidatePublishRequest(request, schema_, {}, clock_.Now());
    EXPECT_THAT(event, IsOk());
    return *event;
  }

  absl::StatusOr<IngestResult> Apply(const v1::PublishRequest& request) {
    return applier_->Apply(Validated(request), clock_.Now());
  }

  storage::v1::PersonState Person(const std::string& id) {
    auto state = ReadPersonState(*store_, id);
    EXPECT_THAT(state, IsOk());
    EXPECT_TRUE(state->has_value()) << id;
    return state->value_or(storage::v1::PersonState());
  }

  std::shared_ptr<GatedLogSyncFileSystem> file_system_ =
      std::make_shared<GatedLogSyncFileSystem>(rocksdb::FileSystem::Default());
  std::unique_ptr<rocksdb::Env> env_ = rocksdb::NewCompositeEnv(file_system_);
  testing::TempDir dir_;
  testing::FakeClock clock_{absl::FromCivil(absl::CivilSecond(2026, 11, 21, 12, 0, 0), absl::UTCTimeZone())};
  AttributeSchema schema_ = testing::ProjectSchema();
  std::unique_ptr<Store> store_;
  std::unique_ptr<EventApplier> applier_;
};

TEST_F(EventApplierTest, LogsTheEventAndUpdatesTheState) {
  ASSERT_THAT(Apply(BirthEvent("civ-1", "P1")), IsOkAndHolds(Field(&IngestResult::sequence, 1u)));
  storage::v1::PersonState p1 = Person("P1");
  EXPECT_EQ(p1.events_applied(), 1u);
  EXPECT_EQ(p1.attributes(0).event_id(), "civ-1");
  auto logged = ReadEventLogEntry(*store_, 1);
  ASSERT_THAT(logged, IsOk());
  ASSERT_TRUE(logged->has_value());
  EXPECT_EQ((*logged)->person().event_id(), "civ-1");
  EXPECT_EQ((*logged)->received_at().seconds(), absl::ToUnixSeconds(clock_.Now()));
}

TEST_F(EventApplierTest, SameEventAgainIsADuplicateAndChangesNothing) {
  ASSERT_THAT(Apply(BirthEvent("civ-1", "P1")), IsOk());
  absl::StatusOr<IngestResult> again = Apply(BirthEvent("civ-1", "P1"));
  ASSERT_THAT(again, IsOk());
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->sequence, 1u);
  EXPECT_EQ(applier_->last_sequence(), 1u);
  EXPECT_EQ(Person("P1").events_applied(), 1u);
}

TEST_F(EventApplierTest, SameIdWithAnotherPayloadIsAlreadyExists) {
  ASSERT_THAT(Apply(BirthEvent("civ-1", "P1")), IsOk());
  EXPECT_THAT(Apply(BirthEvent("civ-1", "P1", 2023, 2, 15)),
              StatusIs(absl::StatusCode::kAlreadyExists,
                       "event_id: \"civ-1\" was already used for a different event (log sequence 1); "
                       "a corrected fact needs a new event_id"));
  EXPECT_EQ(Person("P1").attributes(0).value().date_days(), 19402);  // unchanged
  EXPECT_EQ(applier_->last_sequence(), 1u);
}

TEST_F(EventApplierTest, GuardianLinkIsStoredOnBothPersonsAndHouseholdIsIndexed) {
  v1::PublishRequest birth = BirthEvent("civ-1", "C1");
  birth.mutable_person()->set_household_id("H1");
  v1::Link* link = birth.mutable_person()->add_links_added();
  link->set_relation(v1::RELATION_GUARDIAN);
  link->set_person_id("G1");
  ASSERT_THAT(Apply(birth), IsOk());
  storage::v1::PersonState guardian = Person("G1");
  ASSERT_EQ(guardian.links_size(), 1);
  EXPECT_EQ(guardian.links(0).relation(), storage::v1::RELATION_CHILD);
  EXPECT_EQ(guardian.links(0).person_id(), "C1");
  EXPECT_EQ(guardian.events_applied(), 0u);  // the event was about C1
  EXPECT_THAT(ReadHouseholdMembers(*store_, "H1"), IsOkAndHolds(ElementsAre("C1")));

  v1::PublishRequest move = BirthEvent("civ-2", "C1");
  move.mutable_person()->clear_set();
  move.mutable_person()->set_household_id("H2");
  *move.mutable_person()->mutable_occurred_at() = testing::At(2024, 1, 1);
  ASSERT_THAT(Apply(move), IsOk());
  EXPECT_THAT(ReadHouseholdMembers(*store_, "H1"), IsOkAndHolds(ElementsAre()));
  EXPECT_THAT(ReadHouseholdMembers(*store_, "H2"), IsOkAndHolds(ElementsAre("C1")));
}

TEST_F(EventApplierTest, TwoLinkChangesToOnePersonInOneEventAreBothMirrored) {
  v1::PublishRequest first = BirthEvent("civ-1", "P1");
  v1::Link* child = first.mutable_person()->add_links_added();
  child->set_relation(v1::RELATION_CHILD);
  child->set_person_id("Q1");
  ASSERT_THAT(Apply(first), IsOk());
  // The relation was recorded the wrong way round: Q1 is P1's guardian.
  v1::PublishRequest corrected = BirthEvent("civ-2", "P1");
  corrected.mutable_person()->clear_set();
  v1::Link* guardian = corrected.mutable_person()->add_links_added();
  guardian->set_relation(v1::RELATION_GUARDIAN);
  guardian->set_person_id("Q1");
  v1::Link* not_child = corrected.mutable_person()->add_links_removed();
  not_child->set_relation(v1::RELATION_CHILD);
  not_child->set_person_id("Q1");
  ASSERT_THAT(Apply(corrected), IsOk());
  std::vector<std::string> active;
  const storage::v1::PersonState q1 = Person("Q1");
  for (const storage::v1::LinkEntry& link : q1.links()) {
    if (!link.removed())
      active.push_back(absl::StrCat(storage::v1::Relation_Name(link.relation()), " ", link.person_id()));
  }
  EXPECT_THAT(active, ElementsAre("RELATION_CHILD P1")) << "Q1 is P1's guardian, no longer their child";
}

TEST_F(EventApplierTest, RestartContinuesTheLogSequence) {
  ASSERT_THAT(Apply(BirthEvent("civ-1", "P1")), IsOk());
  ASSERT_THAT(Apply(BirthEvent("civ-2", "P2")), IsOk());
  ASSERT_THAT(store_->SyncWal(), IsOk());
  applier_.reset();
  ASSERT_THAT(store_->Close(), IsOk());
  store_.reset();
  SetUp();
  EXPECT_EQ(applier_->last_sequence(), 2u);
  EXPECT_THAT(Apply(BirthEvent("civ-3", "P3")), IsOkAndHolds(Field(&IngestResult::sequence, 3u)));
  EXPECT_THAT(Apply(BirthEvent("civ-1", "P1")), IsOkAndHolds(Field(&IngestResult::duplicate, true)));
}

TEST_F(EventApplierTest, WriterGroupCommitsConcurrentSubmissionsInOrder) {
  EventWriter writer(applier_.get(), store_.get(), &clock_, {});
  constexpr int kEvents = 500;
  absl::Mutex mu;
  std::vector<uint64_t> sequences;
  int done = 0;
  for (int i = 0; i < kEvents; ++i) {
    writer.Submit(Validated(BirthEvent("e" + std::to_string(i), "P" + std::to_string(i % 50))),
                  [&](absl::StatusOr<IngestResult> r) {
                    absl::MutexLock lock(&mu);
                    EXPECT_THAT(r, IsOk());
                    if (r.ok()) sequences.push_back(r->sequence);
                    ++done;
                  });
  }
  writer.Stop();  // applies everything queued before returning
  absl::MutexLock lock(&mu);
  EXPECT_EQ(done, kEvents);
  ASSERT_EQ(sequences.size(), static_cast<size_t>(kEvents));
  for (int i = 0; i < kEvents; ++i) EXPECT_EQ(sequences[i], static_cast<uint64_t>(i + 1));
  EventWriterStats stats = writer.stats();
  EXPECT_EQ(stats.events, static_cast<uint64_t>(kEvents));
  EXPECT_LE(stats.groups, static_cast<uint64_t>(kEvents));
  EXPECT_EQ(Person("P7").events_applied(), 10u);
}

TEST_F(EventApplierTest, WritingBehindAnswersEachEventOnceItIsInTheStoreAndInOrder) {
  EventWriterOptions options;
  options.max_group = 4;  // many groups, each applied over the records of the last
  ASSERT_TRUE(options.write_behind);
  EventWriter writer(applier_.get(), store_.get(), &clock_, options);
  constexpr int kEvents = 400;
  absl::Mutex mu;
  std::vector<std::string> answered;
  std::vector<uint64_t> sequences;
  std::vector<std::string> problems;
  std::vector<std::pair<uint64_t, uint64_t>> p0_seen_by_commands;  // (P0 events before, P0 events read)
  uint64_t p0_events = 0;
  for (int i = 0; i < kEvents; ++i) {
    // Every 40th event repeats one a few events back: it may be in the group
    // being written, and is a duplicate all the same.
    const bool repeat = i % 40 == 39;
    const std::string id = "e" + std::to_string(repeat ? i - 3 : i);
    const std::string person = "P" + std::to_string((repeat ? i - 3 : i) % 10);
    if (!repeat && person == "P0") ++p0_events;
    writer.Submit(Validated(BirthEvent(id, person)), [&, id, repeat](absl::StatusOr<IngestResult> r) {
      // Read on the answering thread, which sees the database only.
      absl::StatusOr<std::optional<storage::v1::EventIdEntry>> entry = ReadEventIdEntry(*store_, id);
      absl::MutexLock lock(&mu);
      answered.push_back(id);
      if (!r.ok()) {
        problems.push_back(id + ": " + r.status().ToString());
        return;
      }
      if (r->duplicate != repeat) problems.push_back(id + ": duplicate is " + (r->duplicate ? "true" : "false"));
      if (!repeat) sequences.push_back(r->sequence);
      if (!entry.ok() || !entry->has_value()) problems.push_back(id + ": answered before it is in the store");
    });
    if (i % 100 == 99) {
      // A command waits for the groups before it to be written: it reads them.
      writer.Execute(
          [&, before = p0_events](EventApplier&) {
            absl::StatusOr<std::optional<storage::v1::PersonState>> p0 = ReadPersonState(*store_, "P0");
            absl::MutexLock lock(&mu);
            p0_seen_by_commands.emplace_back(before, p0.ok() && p0->has_value() ? (*p0)->events_applied() : 0);
            return absl::OkStatus();
          },
          [](absl::Status) {});
    }
  }
  writer.Stop();
  absl::MutexLock lock(&mu);
  EXPECT_THAT(problems, ElementsAre());
  ASSERT_EQ(answered.size(), static_cast<size_t>(kEvents));
  for (int i = 0; i < kEvents; ++i) {
    if (i % 40 != 39) {
      EXPECT_EQ(answered[i], "e" + std::to_string(i)) << "answered out of order";
    }
  }
  for (size_t i = 0; i < sequences.size(); ++i) EXPECT_EQ(sequences[i], i + 1);
  EXPECT_EQ(sequences.size(), static_cast<size_t>(kEvents - kEvents / 40));
  ASSERT_EQ(p0_seen_by_commands.size(), 4u);
  for (const auto& [before, read] : p0_seen_by_commands) EXPECT_EQ(read, before);
  EXPECT_EQ(Person("P0").events_applied(), p0_events);
  EXPECT_GT(writer.stats().groups, static_cast<uint64_t>(kEvents / 4 - 1));
}

TEST_F(EventApplierTest, EventsArrivingDuringAnFsyncShareTheNextOne) {
  absl::Mutex mu;  // before the writer: its answers use them until it stops
  std::vector<uint64_t> sequences;
  EventWriter writer(applier_.get(), store_.get(), &clock_, {});
  const auto submit = [&](int i) {
    writer.Submit(Validated(BirthEvent("e" + std::to_string(i), "P" + std::to_string(i))),
                  [&](absl::StatusOr<IngestResult> r) {
                    absl::MutexLock lock(&mu);
                    ASSERT_THAT(r, IsOk());
                    sequences.push_back(r->sequence);
                  });
  };
  // The first event's group is synced alone; its fsync holds.
  file_system_->Close();
  struct OpenAtExit {
    GatedLogSyncFileSystem* fs;
    ~OpenAtExit() { fs->Open(); }
  } open_at_exit{file_system_.get()};
  submit(0);
  file_system_->AwaitSyncWaiting();
  // Events keep coming while it holds: the writer applies each wave as it
  // comes, and keeps it for the next group instead of waiting.
  constexpr int kWaves = 5, kPerWave = 10;
  for (int wave = 0; wave < kWaves; ++wave) {
    for (int i = 0; i < kPerWave; ++i) submit(1 + wave * kPerWave + i);
    // A liveness bound, not a measure: a writer waiting for the committer
    // would leave the wave queued for as long as the fsync holds.
    const absl::Time give_up = absl::Now() + absl::Seconds(30);
    while (writer.stats().queued > 0 && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
    ASSERT_EQ(writer.stats().queued, 0u) << "wave " << wave << " not taken while an fsync held";
  }
  EXPECT_EQ(writer.stats().groups, 0u) << "answered before its fsync";
  file_system_->Open();
  writer.Stop();
  absl::MutexLock lock(&mu);
  ASSERT_EQ(sequences.size(), static_cast<size_t>(1 + kWaves * kPerWave));
  for (size_t i = 0; i < sequences.size(); ++i) EXPECT_EQ(sequences[i], i + 1);
  EXPECT_EQ(writer.stats().groups, 2u) << "one fsync for the first event, one for every wave that came during it";
  EXPECT_EQ(Person("P50").events_applied(), 1u);
}

TEST_F(EventApplierTest, SubmitAllQueuesEveryEventOrNone) {
  EventWriterOptions options;
  options.max_queued = 4;
  EventWriter writer(applier_.get(), store_.get(), &clock_, options);
  // A command holds the writer while the queue fills.
  absl::Notification holding, release;
  writer.Execute(
      [&](EventApplier&) {
        holding.Notify();
        release.WaitForNotification();
        return absl::OkStatus();
      },
      [](absl::Status) {});
  holding.WaitForNotification();
  absl::Mutex mu;
  std::vector<uint64_t> sequences;
  const auto batch = [&](int first, int count) {
    std::vector<EventWriter::Submission> submissions;
    for (int i = first; i < first + count; ++i) {
      submissions.push_back({Validated(BirthEvent("b" + std::to_string(i), "P" + std::to_string(i))),
                             [&](absl::StatusOr<IngestResult> r) {
                               absl::MutexLock lock(&mu);
                               ASSERT_THAT(r, IsOk());
                               sequences.push_back(r->sequence);
                             }});
    }
    return submissions;
  };
  EXPECT_THAT(writer.SubmitAll(batch(0, 3)), IsOk());
  EXPECT_THAT(writer.SubmitAll(batch(3, 2)), StatusIs(absl::StatusCode::kUnavailable, HasSubstr("queue is full")));
  EXPECT_THAT(writer.SubmitAll(batch(5, 1)), IsOk());
  release.Notify();
  writer.Stop();
  absl::MutexLock lock(&mu);
  EXPECT_THAT(sequences, ElementsAre(1u, 2u, 3u, 4u));
  EXPECT_EQ(Person("P5").events_applied(), 1u);
  EXPECT_FALSE(ReadPersonState(*store_, "P3")->has_value()) << "an event of the refused batch was applied";
  EXPECT_FALSE(ReadPersonState(*store_, "P4")->has_value());
}

TEST_F(EventApplierTest, StoppedWriterRefusesWithUnavailable) {
  EventWriter writer(applier_.get(), store_.get(), &clock_, {});
  writer.Stop();
  EXPECT_THAT(writer.SubmitAndWait(Validated(BirthEvent("civ-1", "P1"))),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("shutting down")));
}

}  // namespace
}  // namespace proactive
