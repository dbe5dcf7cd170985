// Fills a data directory with the synthetic Paris population, in-process,
// through the daemon's own write path (validation, EventApplier, EventWriter)
// without gRPC and without fsync: the benchmarks' starting point. Rules are
// not loaded while filling (no decisions yet), so the population is the
// state before any broadcast. Not a test; prints what it did.
//
//   population_loader --data_dir=/tmp/paris --rules_dir=rules --persons=2100000
#include <cstdio>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/bench_support.h"
#include "engine/common/offset_clock.h"
#include "engine/common/swappable.h"
#include "engine/ingest/event_applier.h"
#include "engine/ingest/event_writer.h"
#include "engine/rules/rule_set.h"
#include "engine/synth/synthetic_population.h"

ABSL_FLAG(std::string, data_dir, "", "data directory to fill (created when missing)");
ABSL_FLAG(std::string, rules_dir, "rules", "rules directory (its schema validates the events)");
ABSL_FLAG(int64_t, persons, 2'100'000, "persons to generate");
ABSL_FLAG(uint64_t, seed, 1, "synthetic population seed");

namespace proactive {
namespace {

int Load() {
  std::shared_ptr<const RuleSet> rules = LoadRulesOrReport(absl::GetFlag(FLAGS_rules_dir));
  if (rules == nullptr) return 1;
  SyntheticPopulationOptions options;
  options.persons = absl::GetFlag(FLAGS_persons);
  options.seed = absl::GetFlag(FLAGS_seed);
  OffsetClock clock(absl::FromCivil(absl::CivilSecond(options.as_of), absl::UTCTimeZone()));
  std::unique_ptr<Store> store = OpenStoreOrReport(absl::GetFlag(FLAGS_data_dir));
  if (store == nullptr) return 1;
  Swappable<RuleSet> no_rules(nullptr);
  absl::StatusOr<std::unique_ptr<EventApplier>> applier = EventApplier::Create(store.get(), &no_rules, &clock);
  if (!applier.ok()) {
    std::fprintf(stderr, "applier: %s\n", applier.status().ToString().c_str());
    return 1;
  }
  EventWriterOptions writer_options;
  writer_options.sync = false;
  EventWriter writer(applier->get(), store.get(), &clock, writer_options);

  // The generator and validation run on this thread, the writer on its own:
  // a bounded number of events in between.
  absl::Mutex mu;
  int64_t in_flight = 0, failed = 0;
  const absl::Time start = absl::Now();
  SyntheticPopulationStats stats = GenerateSyntheticPopulation(options, [&](const v1::PublishRequest& request) {
    absl::StatusOr<ValidatedEvent> event = ValidatePublishRequest(request, rules->schema(), {}, clock.Now());
    if (!event.ok()) {
      absl::MutexLock lock(&mu);
      ++failed;
      return;
    }
    {
      absl::MutexLock lock(&mu);
      auto room = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) { return in_flight < 16384; };
      mu.Await(absl::Condition(&room));
      ++in_flight;
    }
    writer.Submit(*std::move(event), [&](absl::StatusOr<IngestResult> result) {
      absl::MutexLock lock(&mu);
      --in_flight;
      if (!result.ok()) ++failed;
    });
  });
  writer.Stop();
  absl::Status synced = store->SyncWal();
  absl::Status closed = store->Close();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  std::printf("loaded %lld persons (%lld households, %lld events) in %.1f s: %.0f events/s, %lld failed\n",
              static_cast<long long>(stats.persons), static_cast<long long>(stats.households),
              static_cast<long long>(stats.events), seconds, stats.events / seconds, static_cast<long long>(failed));
  if (!synced.ok() || !closed.ok() || failed > 0) {
    std::fprintf(stderr, "load failed: %s %s\n", synced.ToString().c_str(), closed.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace proactive

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return proactive::Load();
}
