// The projected sweep (population_projection.h, sweep_filter.h) decides
// exactly as the straightforward one, which reads and evaluates every person:
// two engines receive the same synthetic population, the same broadcast and
// the same daily tick, one with the projection and one without, and persons
// change, arrive and are forgotten between the chunks of the sweeps. And the
// projection, loaded in steps while persons are written, holds what a load
// of the finished store holds.
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "engine/audit/audit_log.h"
#include "engine/client/event_json.h"
#include "engine/decision/decision_store.h"
#include "engine/ingest/event_applier.h"
#include "engine/ingest/event_writer.h"
#include "engine/ingest/population_projection.h"
#include "engine/store/codec.h"
#include "engine/store/records.h"
#include "engine/synth/synthetic_population.h"
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

constexpr char kHeatwave[] = R"({"event_id":"mf-1","topic":"weather.heatwave","area":"75","source":"meteo-france",)"
                             R"("occurred_at":"2026-09-01T06:00:00Z","fields":{"level":"red","episode_id":"e1"}})";

v1::PublishRequest SetAttributes(const std::string& event_id, const std::string& person_id,
                                 const std::vector<std::pair<std::string, v1::Value>>& attributes,
                                 const std::string& source = "casvp") {
  v1::PublishRequest request;
  v1::PersonEvent* e = request.mutable_person();
  e->set_event_id(event_id);
  e->set_person_id(person_id);
  e->set_source(source);
  *e->mutable_occurred_at() = testing::At(2026, 9, 1);
  for (const auto& [name, value] : attributes) {
    v1::Attribute* a = e->add_set();
    a->set_name(name);
    *a->mutable_value() = value;
  }
  return request;
}

v1::Value BoolValue(bool b) {
  v1::Value v;
  v.set_bool_value(b);
  return v;
}

// One engine: a data directory and its applier, driven by hand so that the
// test chooses where chunks end.
class Engine {
 public:
  Engine(const Swappable<RuleSet>* rules, testing::FakeClock* clock, bool projected, int sweep_threads = 1,
         int sweep_part_persons = 250)
      : rules_(rules), clock_(clock) {
    auto store = Store::Open({dir_.path() + "/data"});
    EXPECT_THAT(store, IsOk());
    store_ = *std::move(store);
    EventApplierOptions options;
    options.sweep_projection = projected;
    options.projection_load_step = 300;  // several steps for the population
    options.sweep_threads = sweep_threads;
    options.sweep_part_persons = sweep_part_persons;
    EXPECT_THAT(AdoptDecisionIdSecret(store_.get(), testing::kTestDecisionIdSecret), IsOk());  // compared across stores
    auto applier = EventApplier::Create(store_.get(), rules, clock, options);
    EXPECT_THAT(applier, IsOk());
    applier_ = *std::move(applier);
  }

  void Publish(const v1::PublishRequest& request) {
    absl::StatusOr<ValidatedEvent> event = ValidatePublishRequest(request, rules_->Get()->schema(), {}, clock_->Now());
    ASSERT_THAT(event, IsOk());
    ASSERT_THAT(applier_->Apply(*event, clock_->Now()), IsOk());
  }
  void PublishJson(const std::string& line) {
    absl::StatusOr<v1::PublishRequest> request = ParseEventJson(line, rules_->Get()->schema());
    ASSERT_THAT(request, IsOk());
    Publish(*request);
  }
  // One chunk of the pending sweep; false when none is pending. With
  // `run_ahead`, the helpers decide the next chunk while this one is written.
  bool SweepChunk(int persons, bool run_ahead = false) {
    if (!applier_->HasPendingSweep()) return false;
    absl::StatusOr<SweepProgress> progress = applier_->Sweep(persons, run_ahead);
    EXPECT_THAT(progress, IsOk());
    return progress.ok();
  }
  void Forget(const std::string& person_id) {
    ASSERT_THAT(applier_->eraser().Forget({person_id, "back-office:test", "REF-1"}, clock_->Now()), IsOk());
  }
  std::set<std::pair<std::string, std::string>> Decisions() const {
    std::set<std::pair<std::string, std::string>> made;
    EXPECT_THAT(ScanDecisions(*store_,
                              [&](const storage::v1::DecisionRecord& d) {
                                made.emplace(d.rule_id(), d.person_id());
                                return true;
                              }),
                IsOk());
    return made;
  }
  std::vector<std::string> PersonIds() const {
    std::vector<std::string> ids;
    EXPECT_THAT(store_->Scan(Family::kPersons, "",
                             [&](absl::string_view key, absl::string_view) {
                               ids.emplace_back(key);
                               return true;
                             }),
                IsOk());
    return ids;
  }
  EventApplier& applier() { return *applier_; }
  Store& store() { return *store_; }
  // As after a restart: a new applier on the same store (sweeps resume from
  // their stored jobs; the projection loads again).
  void Restart(const EventApplierOptions& options) {
    applier_.reset();
    auto applier = EventApplier::Create(store_.get(), rules_, clock_, options);
    ASSERT_THAT(applier, IsOk());
    applier_ = *std::move(applier);
  }

 private:
  const Swappable<RuleSet>* rules_;
  testing::FakeClock* clock_;
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<EventApplier> applier_;
};

class SweepProjectionTest : public ::testing::TestWithParam<uint64_t> {
 protected:
  SweepProjectionTest() : rules_(testing::ParisRuleSet()) {
    GenerateSyntheticPopulation({1500, GetParam(), absl::CivilDay(2026, 9, 1)}, [&](const v1::PublishRequest& e) {
      projected_.Publish(e);
      straightforward_.Publish(e);
    });
  }

  // Runs both engines' pending sweeps in chunks of `chunk` persons, calling
  // `between(engine)` once on each after its second chunk.
  void RunSweeps(int chunk, const std::function<void(Engine&)>& between) {
    for (Engine* engine : {&projected_, &straightforward_}) {
      // The projection loads in steps first (its sweep calls evaluate nobody).
      int loading_calls = 0;
      while (engine->applier().ProjectionLoading() && engine->SweepChunk(chunk)) ++loading_calls;
      EXPECT_EQ(loading_calls > 1, engine == &projected_);
      int chunks = 0;
      while (engine->SweepChunk(chunk)) {
        if (++chunks == 2) between(*engine);
      }
      EXPECT_GE(chunks, 3);
    }
  }

  testing::FakeClock clock_{absl::FromCivil(absl::CivilSecond(2026, 9, 1, 12, 0, 0), absl::UTCTimeZone())};
  Swappable<RuleSet> rules_;
  Engine projected_{&rules_, &clock_, true};
  Engine straightforward_{&rules_, &clock_, false};
};

TEST_P(SweepProjectionTest, BroadcastDecidesAsTheStraightforwardSweepWhilePersonsChange) {
  const std::vector<std::string> ids = projected_.PersonIds();
  ASSERT_GT(ids.size(), 100u);
  // Persons the sweeps reach last (ids in key order), changed mid-sweep.
  const std::string becomes_eligible = ids[ids.size() - 1];
  const std::string stops_living_alone = ids[ids.size() - 2];
  const std::string forgotten = ids[ids.size() - 3];
  const std::string newcomer = "zz-new-1";  // after every synthetic id
  const auto make_elderly_alone_with_phone = [](Engine& engine, const std::string& event_id,
                                                const std::string& person) {
    engine.Publish(SetAttributes(absl::StrCat("civ-", event_id), person,
                                 {{"birth_date", testing::DateValue(1940, 5, 1)}}, "etat-civil"));
    engine.Publish(SetAttributes(absl::StrCat("casvp-", event_id), person,
                                 {{"lives_alone", BoolValue(true)},
                                  {"registered_vulnerable", BoolValue(false)},
                                  {"phone", testing::StringValue("+33612345678")}}));
  };
  // These two would fire without the changes below: the changes must matter.
  for (Engine* engine : {&projected_, &straightforward_}) {
    make_elderly_alone_with_phone(*engine, "0", forgotten);
    make_elderly_alone_with_phone(*engine, "00", stops_living_alone);
  }
  const auto before = projected_.Decisions();
  ASSERT_EQ(before, straightforward_.Decisions());

  projected_.PublishJson(kHeatwave);
  straightforward_.PublishJson(kHeatwave);
  RunSweeps(10, [&](Engine& engine) {
    make_elderly_alone_with_phone(engine, "1", becomes_eligible);
    make_elderly_alone_with_phone(engine, "2", newcomer);
    engine.Publish(SetAttributes("casvp-3", stops_living_alone, {{"lives_alone", BoolValue(false)}}));
    engine.Forget(forgotten);
  });

  ASSERT_NE(projected_.applier().projection(), nullptr);
  EXPECT_TRUE(projected_.applier().projection()->loaded());
  EXPECT_EQ(straightforward_.applier().projection(), nullptr);
  const auto made = projected_.Decisions();
  EXPECT_EQ(made, straightforward_.Decisions());
  const std::string isolated = "heatwave.check-in.isolated-elderly";
  EXPECT_EQ(made.count({isolated, becomes_eligible}), 1u);
  EXPECT_EQ(made.count({isolated, newcomer}), 1u);
  EXPECT_EQ(made.count({isolated, stops_living_alone}), 0u);
  EXPECT_EQ(made.count({isolated, forgotten}), 0u);
  EXPECT_GT(made.size(), before.size() + 20);
}

TEST_P(SweepProjectionTest, DailyTickDecidesAsTheStraightforwardSweep) {
  const auto before = projected_.Decisions();
  ASSERT_EQ(before, straightforward_.Decisions());
  // Half a year later: identity cards enter their reminder window, and
  // children their maternelle year. The tick's sweep decides on that day.
  const absl::CivilDay later(2027, 3, 1);
  for (Engine* engine : {&projected_, &straightforward_}) ASSERT_THAT(engine->applier().Tick(later), IsOk());
  const std::vector<std::string> ids = projected_.PersonIds();
  const std::string card_expires = ids[ids.size() - 1];
  RunSweeps(7, [&](Engine& engine) {
    // Too far off for a reminder today (the event's own evaluation), within
    // 60 days of the tick's day.
    engine.Publish(SetAttributes("ants-1", card_expires, {{"id_card_expiry", testing::DateValue(2027, 4, 1)}}, "ants"));
  });
  const auto made = projected_.Decisions();
  EXPECT_EQ(made, straightforward_.Decisions());
  EXPECT_EQ(made.count({"identity-card.renewal-reminder", card_expires}), 1u);
  EXPECT_GT(made.size(), before.size());
}

INSTANTIATE_TEST_SUITE_P(Seeds, SweepProjectionTest, ::testing::Values(1, 2));

// Every key and value of the families a sweep writes.
std::map<std::string, std::string> WrittenBySweeps(const Store& store) {
  std::map<std::string, std::string> all;
  for (Family family :
       {Family::kDecisions, Family::kOutbox, Family::kAudit, Family::kDeadlines, Family::kRecourse, Family::kMeta}) {
    EXPECT_THAT(store.Scan(family, "",
                           [&](absl::string_view key, absl::string_view value) {
                             all.emplace(absl::StrCat(FamilyName(family), "/", key), value);
                             return true;
                           }),
                IsOk());
  }
  return all;
}

// A projected sweep counts every person after its cursor when it plans. A
// plan made again for new rules, or after a restart, must not count them
// again: persons_evaluated and the ticks' counts say how many were swept.
TEST(SweepCountTest, EveryPersonIsCountedOnceThroughNewRulesAndARestart) {
  testing::FakeClock clock(absl::FromCivil(absl::CivilSecond(2026, 9, 1, 12, 0, 0), absl::UTCTimeZone()));
  Swappable<RuleSet> rules(testing::ParisRuleSet());
  Engine engine(&rules, &clock, /*projected=*/true);
  GenerateSyntheticPopulation({800, 5, absl::CivilDay(2026, 9, 1)},
                              [&](const v1::PublishRequest& e) { engine.Publish(e); });
  const int64_t population = static_cast<int64_t>(engine.PersonIds().size());
  engine.PublishJson(kHeatwave);
  int64_t counted = 0;
  int chunks = 0;
  bool finished = false;
  while (engine.applier().HasPendingSweep()) {
    const bool loading = engine.applier().ProjectionLoading();
    absl::StatusOr<SweepProgress> progress = engine.applier().Sweep(/*max_persons=*/4);
    ASSERT_THAT(progress, IsOk());
    counted += progress->persons;
    finished = progress->finished;
    if (loading) continue;
    ++chunks;
    if (chunks == 2) rules.Set(testing::ParisRuleSet());  // new rules: the sweep plans again
    if (chunks == 4) {
      EventApplierOptions options;
      options.projection_load_step = 300;
      engine.Restart(options);
    }
  }
  EXPECT_TRUE(finished);
  EXPECT_GE(chunks, 6) << "the rule change and the restart should both fall within the sweep";
  EXPECT_EQ(counted, population);
}

// A chunk decided on several threads (parts of the persons taken in turn,
// the audit entries chained afterwards in person order, the parts' sorted
// batches merged), or decided ahead while the one before is written, writes
// exactly the bytes one thread writes, and the bytes the straightforward
// sweep writes (every person evaluated, audit entries chained as made):
// decisions, messages, the audit chain and its head.
TEST(SweepThreadsTest, ChunksDecidedOnSeveralThreadsWriteWhatOneThreadWrites) {
  testing::FakeClock clock{absl::FromCivil(absl::CivilSecond(2026, 9, 1, 12, 0, 0), absl::UTCTimeZone())};
  Swappable<RuleSet> rules(testing::ParisRuleSet());
  Engine straightforward(&rules, &clock, false);
  Engine one(&rules, &clock, true, /*sweep_threads=*/1);
  Engine three(&rules, &clock, true, /*sweep_threads=*/3, /*sweep_part_persons=*/4);
  Engine ahead(&rules, &clock, true, /*sweep_threads=*/2, /*sweep_part_persons=*/7);
  GenerateSyntheticPopulation({3000, 7, absl::CivilDay(2026, 9, 1)}, [&](const v1::PublishRequest& e) {
    straightforward.Publish(e);
    one.Publish(e);
    three.Publish(e);
    ahead.Publish(e);
  });
  int chunks_ahead = 0;
  for (Engine* engine : {&straightforward, &one, &three, &ahead}) {
    const bool run_ahead = engine == &ahead;
    engine->PublishJson(kHeatwave);
    while (engine->SweepChunk(40, run_ahead)) {
      chunks_ahead += engine->applier().SweepRunningAhead() ? 1 : 0;
    }
    ASSERT_THAT(engine->applier().Tick(absl::CivilDay(2027, 3, 1)), IsOk());
    while (engine->SweepChunk(40, run_ahead)) {
      chunks_ahead += engine->applier().SweepRunningAhead() ? 1 : 0;
    }
  }
  EXPECT_GE(chunks_ahead, 4);  // every chunk but the last of each sweep
  EXPECT_EQ(ahead.applier().sweep_ahead_counts().used, chunks_ahead);
  EXPECT_EQ(ahead.applier().sweep_ahead_counts().decided_again, 0);
  EXPECT_EQ(WrittenBySweeps(ahead.store()), WrittenBySweeps(one.store()));
  ASSERT_NE(three.applier().projection(), nullptr);  // the projected sweep ran, in parts
  EXPECT_EQ(straightforward.applier().projection(), nullptr);
  const std::map<std::string, std::string> written = WrittenBySweeps(three.store());
  EXPECT_EQ(written, WrittenBySweeps(one.store()));
  EXPECT_EQ(written, WrittenBySweeps(straightforward.store()));
  // The sweeps decided enough for parts to matter: chunks of 40 persons the
  // filter left, in three parts.
  int heatwave = 0;
  for (const auto& [rule, person] : three.Decisions()) heatwave += absl::StartsWith(rule, "heatwave.") ? 1 : 0;
  EXPECT_GT(heatwave, 100);
  absl::StatusOr<AuditVerification> verified = VerifyAuditChain(three.store());
  ASSERT_THAT(verified, IsOk());
  EXPECT_FALSE(verified->first_broken.has_value()) << verified->problem;
  EXPECT_GT(verified->entries, static_cast<uint64_t>(heatwave));
}

// The (rule, person) of every decision of the heatwave pack.
std::set<std::pair<std::string, std::string>> HeatwaveDecisions(const Engine& engine) {
  std::set<std::pair<std::string, std::string>> heatwave;
  for (const auto& made : engine.Decisions()) {
    if (absl::StartsWith(made.first, "heatwave.")) heatwave.insert(made);
  }
  return heatwave;
}

// Two engines with the same population: one sweeps straightforwardly (its
// broadcast swept at once, by hand), the other runs its projected sweeps
// ahead on two threads.
class SweepAheadTest : public ::testing::Test {
 protected:
  SweepAheadTest() : rules_(testing::ParisRuleSet()) {
    GenerateSyntheticPopulation({3000, 4, absl::CivilDay(2026, 9, 1)}, [&](const v1::PublishRequest& e) {
      straightforward_.Publish(e);
      ahead_.Publish(e);
    });
    straightforward_.PublishJson(kHeatwave);
    while (straightforward_.SweepChunk(20)) {
    }
  }

  // An event writer for the engine running ahead, its projection loaded;
  // the broadcast published through it.
  std::unique_ptr<EventWriter> StartWriterAndBroadcast() {
    EventWriterOptions options;
    options.sync = false;
    options.sweep_chunk = 1;  // many chunks: the sweep lasts while the test acts
    auto writer = std::make_unique<EventWriter>(&ahead_.applier(), &ahead_.store(), &clock_, options);
    for (int i = 0; i < 2000 && writer->stats().projection_loading; ++i) absl::SleepFor(absl::Milliseconds(5));
    EXPECT_FALSE(writer->stats().projection_loading);
    EXPECT_THAT(writer->SubmitAndWait(Validated(ParseEventJson(kHeatwave, rules_.Get()->schema()))), IsOk());
    // With nothing queued, each chunk decides the next ahead: the first
    // three chunks make at least one such.
    for (int i = 0; i < 2000 && writer->stats().sweep_chunks < 3 && writer->stats().pending_sweeps > 0; ++i) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    return writer;
  }

  ValidatedEvent Validated(const absl::StatusOr<v1::PublishRequest>& request) {
    EXPECT_THAT(request, IsOk());
    absl::StatusOr<ValidatedEvent> event = ValidatePublishRequest(request.ok() ? *request : v1::PublishRequest(),
                                                                  rules_.Get()->schema(), {}, clock_.Now());
    EXPECT_THAT(event, IsOk());
    return event.ok() ? *std::move(event) : ValidatedEvent();
  }

  testing::FakeClock clock_{absl::FromCivil(absl::CivilSecond(2026, 9, 1, 12, 0, 0), absl::UTCTimeZone())};
  Swappable<RuleSet> rules_;
  Engine straightforward_{&rules_, &clock_, false};
  Engine ahead_{&rules_, &clock_, true, /*sweep_threads=*/2, /*sweep_part_persons=*/3};
};

// A chunk decided ahead read the store before the person changed: the
// change comes before the chunk's write, so the chunk is decided again.
TEST_F(SweepAheadTest, AChunkDecidedAheadIsDecidedAgainWhenAPersonOfItChanges) {
  const std::string isolated = "heatwave.check-in.isolated-elderly";
  const auto expected = HeatwaveDecisions(straightforward_);
  std::vector<std::string> isolated_persons;  // in id order: the sweep's order
  for (const auto& [rule, person] : expected) {
    if (rule == isolated) isolated_persons.push_back(person);
  }
  ASSERT_GT(isolated_persons.size(), 10u);

  ahead_.PublishJson(kHeatwave);
  while (ahead_.applier().ProjectionLoading() && ahead_.SweepChunk(20, true)) {
  }
  // Two chunks written, the third decided ahead.
  ASSERT_TRUE(ahead_.SweepChunk(20, true));
  ASSERT_TRUE(ahead_.SweepChunk(20, true));
  ASSERT_TRUE(ahead_.applier().SweepRunningAhead());
  // The first isolated person after the cursor is in the chunk decided ahead.
  std::string cursor;
  ASSERT_THAT(ahead_.store().Scan(Family::kMeta, "sweep/",
                                  [&](absl::string_view, absl::string_view value) {
                                    auto job = DecodeRecord<storage::v1::SweepJob>(value, "job");
                                    EXPECT_THAT(job, IsOk());
                                    if (job.ok()) cursor = job->cursor();
                                    return false;
                                  }),
              IsOk());
  ASSERT_FALSE(cursor.empty());
  auto next = std::upper_bound(isolated_persons.begin(), isolated_persons.end(), cursor);
  ASSERT_NE(next, isolated_persons.end());
  const std::string no_longer_alone = *next;
  const std::vector<std::string> decided_ahead = ahead_.applier().SweepAheadPersons();
  ASSERT_TRUE(std::find(decided_ahead.begin(), decided_ahead.end(), no_longer_alone) != decided_ahead.end());
  ahead_.Publish(SetAttributes("casvp-ahead-1", no_longer_alone, {{"lives_alone", BoolValue(false)}}));
  while (ahead_.SweepChunk(20, true)) {
  }
  EXPECT_EQ(ahead_.applier().sweep_ahead_counts().decided_again, 1);
  EXPECT_GE(ahead_.applier().sweep_ahead_counts().used, 2);
  auto expected_after_change = expected;
  expected_after_change.erase({isolated, no_longer_alone});
  EXPECT_EQ(HeatwaveDecisions(ahead_), expected_after_change);
  absl::StatusOr<AuditVerification> verified = VerifyAuditChain(ahead_.store());
  ASSERT_THAT(verified, IsOk());
  EXPECT_FALSE(verified->first_broken.has_value()) << verified->problem;
}

// The event writer runs sweeps ahead while nothing waits, and writes a
// chunk decided ahead before the events that arrive meanwhile: none is
// decided again, every event is acknowledged, and the broadcast decides
// what the straightforward sweep decides.
TEST_F(SweepAheadTest, TheWriterWritesAChunkDecidedAheadBeforeTheEventsThatArriveMeanwhile) {
  const uint64_t flushes_before = ahead_.store().log_flushes();
  std::unique_ptr<EventWriter> writer = StartWriterAndBroadcast();
  // Bystanders (no birth date: no heatwave rule fires for them) arrive one
  // by one while the sweep runs.
  int acknowledged = 0;
  for (int i = 0; i < 5000 && writer->stats().pending_sweeps > 0; ++i) {
    ASSERT_THAT(writer->SubmitAndWait(
                    Validated(SetAttributes(absl::StrCat("casvp-bystander-", i), absl::StrCat("zz-bystander-", i),
                                            {{"lives_alone", BoolValue(true)}}))),
                IsOk());
    ++acknowledged;
  }
  ASSERT_EQ(writer->stats().pending_sweeps, 0u) << "the sweep did not finish";
  writer->Stop();  // the writer thread owns the applier: read it once stopped
  EXPECT_GT(acknowledged, 0) << "events should have arrived during the sweep";
  EXPECT_GE(ahead_.applier().sweep_ahead_counts().used, 1);
  EXPECT_EQ(ahead_.applier().sweep_ahead_counts().decided_again, 0);
  EXPECT_EQ(HeatwaveDecisions(ahead_), HeatwaveDecisions(straightforward_));
  // A chunk decided ahead and the event that made the writer write it share
  // one flush of the log: an event waits for one, not two. Without sharing,
  // each group and each chunk flushes (groups + chunks + 1 here, with the
  // retention check's); most events find a chunk decided ahead (70 of 73 on
  // a quiet machine, fewer under load), and three sharing suffice (the
  // chunk that ends the sweep is synced at once).
  const EventWriterStats stats = writer->stats();
  EXPECT_LT(ahead_.store().log_flushes() - flushes_before, stats.groups + stats.sweep_chunks);
}

// A writer stopped mid-sweep leaves no helper reading the store (which may
// then close); the chunk it decided ahead is decided again after a restart.
TEST_F(SweepAheadTest, AWriterStoppedMidSweepLeavesNothingRunningAndTheSweepResumes) {
  std::unique_ptr<EventWriter> writer = StartWriterAndBroadcast();
  const uint64_t chunks = writer->stats().sweep_chunks;
  writer->Stop();
  EXPECT_FALSE(ahead_.applier().SweepRunningAhead());
  ASSERT_TRUE(ahead_.applier().HasPendingSweep()) << chunks << " chunks finished the sweep before the stop";
  EventApplierOptions options;
  options.sweep_threads = 2;
  options.sweep_part_persons = 3;
  ahead_.Restart(options);
  while (ahead_.SweepChunk(20, true)) {
  }
  EXPECT_EQ(HeatwaveDecisions(ahead_), HeatwaveDecisions(straightforward_));
  absl::StatusOr<AuditVerification> verified = VerifyAuditChain(ahead_.store());
  ASSERT_THAT(verified, IsOk());
  EXPECT_FALSE(verified->first_broken.has_value()) << verified->problem;
}

}  // namespace
}  // namespace proactive
