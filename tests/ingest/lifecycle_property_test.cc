// Random sequences of events, ticks, answers, contests, caseworker actions
// and the passing of time. After every step: a contested decision was changed
// by nothing but a caseworker's resolution, and every decision in review is
// in the queue until it is resolved.
#include <map>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "engine/common/sha256.h"
#include "engine/decision/decision_store.h"
#include "engine/decision/lifecycle.h"
#include "engine/recourse/recourse_cases.h"
#include "engine/synth/synthetic_population.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/ingest/engine_fixture.h"

namespace proactive {
namespace {

struct Snapshot {
  storage::v1::DecisionStatus status;
  int history = 0;
  // An offer contested before it was answered: upheld or amended, it waits
  // for that answer again, which may then change it.
  bool waited = false;
};

class LifecyclePropertyTest : public ::testing::TestWithParam<uint64_t> {};

TEST_P(LifecyclePropertyTest, ContestedDecisionsChangeOnlyByACaseworker) {
  const absl::Time start = absl::FromCivil(absl::CivilSecond(2026, 6, 1, 8, 0, 0), absl::UTCTimeZone());
  testing::EngineFixture engine(start);
  std::mt19937_64 random(GetParam());
  // A population whose rules fire: offers, referrals, reminders.
  std::vector<v1::PublishRequest> population;
  GenerateSyntheticPopulation({400, GetParam(), absl::CivilDay(2026, 5, 1)},
                              [&](const v1::PublishRequest& e) { population.push_back(e); });
  size_t next_event = 0;
  std::map<std::string, Snapshot> contested;  // decision id -> at contest time
  std::map<std::string, std::string> resolved_by;
  std::map<std::string, int> fell_with_parent;  // formal decisions overturned with their offer
  const std::vector<std::string> caseworkers = {"caseworker:alice", "caseworker:bob"};
  int contests = 0, resolutions = 0, answers = 0, steps_checked = 0;

  const auto all_decisions = [&] {
    std::vector<storage::v1::DecisionRecord> all;
    EXPECT_TRUE(ScanDecisions(engine.store(), [&](const storage::v1::DecisionRecord& d) {
                  all.push_back(d);
                  return true;
                }).ok());
    return all;
  };
  const auto command = [&](auto fn) { return engine.writer().ExecuteAndWait(fn); };

  for (int step = 0; step < 500; ++step) {
    const int action = static_cast<int>(random() % 100);
    const absl::Time now = engine.clock().Now();
    std::vector<storage::v1::DecisionRecord> decisions = all_decisions();
    auto pick = [&]() -> const storage::v1::DecisionRecord* {
      return decisions.empty() ? nullptr : &decisions[random() % decisions.size()];
    };
    if (action < 35 && next_event < population.size()) {
      for (int i = 0; i < 10 && next_event < population.size(); ++i) (void)engine.Publish(population[next_event++]);
    } else if (action < 42) {
      engine.Tick(absl::ToCivilDay(now, absl::UTCTimeZone()));
    } else if (action < 55) {
      std::vector<const storage::v1::DecisionRecord*> offers;
      for (const auto& d : decisions) {
        if (d.action_kind() == storage::v1::ACTION_PROPOSE) offers.push_back(&d);
      }
      if (!offers.empty()) {
        const auto* d = offers[random() % offers.size()];
        bool accept = random() % 2 == 0;
        absl::Status s = command([&](EventApplier& a) {
          return a.commands().Answer(d->decision_id(), accept, "citizen", "sms", now).status();
        });
        answers += s.ok();
      }
    } else if (action < 70) {
      if (const auto* d = pick()) {
        absl::Status s = command([&](EventApplier& a) {
          return a.commands().Contest(d->decision_id(), "citizen", "je conteste", now).status();
        });
        if (s.ok() && contested.count(d->decision_id()) == 0) {
          auto after = ReadDecision(engine.store(), d->decision_id());
          if ((*after)->status() == storage::v1::IN_REVIEW) {
            contested[d->decision_id()] = {(*after)->status(), (*after)->history_size(),
                                           OfferWaitedWhenReviewed(**after)};
            ++contests;
          }
        }
      }
    } else if (action < 90) {
      auto open = ListCases(engine.store(), CaseFilter{});
      if (!open->empty()) {
        const storage::v1::RecourseCase& c = (*open)[random() % open->size()];
        const std::string& who = caseworkers[random() % caseworkers.size()];
        // A caseworker claims the case, then notes or resolves it (or, one
        // time in four, walks away and lets the claim expire).
        int verb = static_cast<int>(random() % 4);
        storage::v1::ReviewOutcome outcome = storage::v1::OUTCOME_UPHELD;  // drawn only when resolving
        absl::Status claimed = command(
            [&](EventApplier& a) { return a.commands().Claim(c.case_id(), who, absl::Minutes(30), now).status(); });
        absl::Status s = !claimed.ok() || verb == 0 ? claimed : command([&](EventApplier& a) -> absl::Status {
          if (verb == 1) return a.commands().AddNote(c.case_id(), who, "called the family", now).status();
          const auto outcomes = {storage::v1::OUTCOME_UPHELD, storage::v1::OUTCOME_OVERTURNED,
                                 storage::v1::OUTCOME_AMENDED};
          outcome = *(outcomes.begin() + random() % 3);
          return a.commands()
              .Resolve(c.case_id(), who, outcome, "Reviewed with the family on the phone.", "CRPA art. L411-2", now)
              .status();
        });
        if (s.ok() && verb >= 2) {
          resolved_by[c.decision_id()] = who;
          ++resolutions;
          // An offer overturned takes with it the formal decision it made,
          // even one reviewed on its own before: one more change, by this
          // caseworker.
          for (const storage::v1::DecisionRecord& before : decisions) {
            if (before.parent_decision_id() != c.decision_id() || resolved_by.count(before.decision_id()) == 0) {
              continue;
            }
            const storage::v1::DecisionRecord after = **ReadDecision(engine.store(), before.decision_id());
            if (after.history_size() == before.history_size()) continue;
            EXPECT_EQ(outcome, storage::v1::OUTCOME_OVERTURNED) << before.decision_id();
            EXPECT_EQ(after.status(), storage::v1::OVERTURNED) << before.decision_id();
            resolved_by[before.decision_id()] = who;
            fell_with_parent[before.decision_id()] += after.history_size() - before.history_size();
          }
        }
      }
    } else {
      // Time passes: claims expire, reply deadlines fall.
      engine.clock().Advance(absl::Minutes(static_cast<int>(random() % 3) == 0 ? 60 * 24 * 10 : 45));
    }
    engine.Settle();

    // The invariants, on every decision.
    auto open_cases = ListCases(engine.store(), CaseFilter{});
    std::set<std::string> queued;
    for (const auto& c : *open_cases) queued.insert(c.decision_id());
    for (const storage::v1::DecisionRecord& d : all_decisions()) {
      if (d.status() == storage::v1::IN_REVIEW) {
        EXPECT_EQ(queued.count(d.decision_id()), 1u) << "decision in review but not in the queue: " << d.decision_id();
      }
      auto it = contested.find(d.decision_id());
      if (it == contested.end()) continue;
      if (resolved_by.count(d.decision_id()) == 0) {
        EXPECT_EQ(d.status(), storage::v1::IN_REVIEW) << d.decision_id() << " changed while contested";
        EXPECT_EQ(d.history_size(), it->second.history) << d.decision_id() << " changed while contested";
      } else {
        const int resolved = it->second.history + 1 + fell_with_parent[d.decision_id()];
        ASSERT_GE(d.history_size(), resolved) << d.decision_id();
        EXPECT_EQ(d.history(resolved - 1).actor(), resolved_by[d.decision_id()]) << d.decision_id();
        EXPECT_TRUE(IsReviewed(d.history(resolved - 1).status())) << d.decision_id();
        if (d.history_size() > resolved) {
          // Only an offer kept while it waited changes again: by its answer,
          // or at its deadline.
          EXPECT_TRUE(it->second.waited) << d.decision_id() << " changed after its review";
          EXPECT_NE(d.history(resolved - 1).status(), storage::v1::OVERTURNED) << d.decision_id();
          for (int i = resolved; i < d.history_size(); ++i) {
            EXPECT_THAT(d.history(i).actor(), ::testing::AnyOf("citizen", "engine")) << d.decision_id();
          }
        } else {
          EXPECT_TRUE(IsReviewed(d.status())) << d.decision_id();
        }
      }
    }
    ++steps_checked;
  }
  std::printf("seed %llu: %d steps, %zu events, %d answers, %d contests, %d resolutions\n",
              static_cast<unsigned long long>(GetParam()), steps_checked, next_event, answers, contests, resolutions);
  EXPECT_GT(contests, 10);
  EXPECT_GT(resolutions, 5);
  EXPECT_GT(answers, 0);

  // The audit chain's last entry of each decision carries the digest of the
  // decision's bytes as stored, whichever change (creation, answer, contest,
  // resolution, re-evaluation in review) came last.
  std::map<std::string, std::string> last_digest;
  ASSERT_TRUE(engine.store()
                  .Scan(Family::kAudit, "",
                        [&](absl::string_view, absl::string_view value) {
                          storage::v1::AuditEntry entry;
                          EXPECT_TRUE(entry.ParseFromArray(value.data(), static_cast<int>(value.size())));
                          if (absl::StartsWith(entry.action(), "decision.")) {
                            last_digest[entry.decision_id()] = entry.record_digest();
                          }
                          return true;
                        })
                  .ok());
  int digests_checked = 0;
  for (const storage::v1::DecisionRecord& d : all_decisions()) {
    absl::StatusOr<std::optional<std::string>> stored =
        engine.store().Get(Family::kDecisions, DecisionRecordKey(d.decision_id()));
    ASSERT_TRUE(stored.ok() && stored->has_value());
    ASSERT_EQ(last_digest.count(d.decision_id()), 1u) << d.decision_id();
    EXPECT_EQ(ToHex(last_digest[d.decision_id()]), ToHex(Sha256Digest(**stored))) << d.decision_id();
    ++digests_checked;
  }
  EXPECT_GT(digests_checked, 20);
}

INSTANTIATE_TEST_SUITE_P(Seeds, LifecyclePropertyTest, ::testing::Values(1, 2, 3));

}  // namespace
}  // namespace proactive
