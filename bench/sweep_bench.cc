// A population sweep: the heatwave broadcast's rules for every person of a
// data directory (filled by population_loader), as the engine's sweep does
// it. --mode=projection (the engine's): the population projection loaded
// from the store, its filter over every person (one thread, then several),
// and the rules evaluated from the store for the persons it leaves.
// --mode=states: every person state decoded into memory first and every
// person evaluated (the straightforward path, ~3 GiB per million persons).
// Prints records/s (one record = one person, every broadcast rule
// considered) and ms per sweep as `key=value` lines for bench/run.sh. Not a
// test.
//
//   sweep_bench --data_dir=/tmp/paris --rules_dir=rules --threads=2
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "bench/bench_support.h"
#include "engine/ingest/population_filter.h"
#include "engine/ingest/population_projection.h"
#include "engine/rules/person_graph.h"
#include "engine/rules/rule_evaluator.h"
#include "engine/rules/rule_set.h"
#include "engine/store/codec.h"
#include "engine/store/store.h"

ABSL_FLAG(std::string, data_dir, "", "data directory filled by population_loader");
ABSL_FLAG(std::string, rules_dir, "rules", "rules directory");
ABSL_FLAG(int, threads, 2, "threads of the parallel sweep");
ABSL_FLAG(int, repetitions, 3, "sweeps per configuration (the best is printed)");
ABSL_FLAG(std::string, mode, "projection", "projection (the engine's sweep) or states (every person in memory)");
ABSL_FLAG(std::string, graph, "shared",
          "shared: one graph per person with what the rules read (the engine's sweep); "
          "full: a full graph per rule (the straightforward evaluator)");

namespace proactive {
namespace {

// Every person in memory, with a household index: the store's content
// without the store. Read-only once built, so threads share it.
class MemoryPopulation final : public PersonSource {
 public:
  void Add(storage::v1::PersonState state) {
    const std::string id = state.person_id();
    if (!state.household_id().empty()) households_[state.household_id()].push_back(id);
    ids_.push_back(id);
    states_.emplace(id, std::move(state));
  }
  absl::StatusOr<const storage::v1::PersonState*> Find(const std::string& person_id) override {
    auto it = states_.find(person_id);
    return it == states_.end() ? nullptr : &it->second;
  }
  absl::StatusOr<std::vector<std::string>> HouseholdMembers(const std::string& household_id) override {
    auto it = households_.find(household_id);
    return it == households_.end() ? std::vector<std::string>() : it->second;
  }
  absl::StatusOr<const storage::v1::ReferenceRowRecord*> FindRow(const std::string&, const std::string&) override {
    return nullptr;  // the synthetic population has no reference tables
  }
  const std::vector<std::string>& ids() const { return ids_; }

 private:
  std::unordered_map<std::string, storage::v1::PersonState> states_;
  std::unordered_map<std::string, std::vector<std::string>> households_;
  std::vector<std::string> ids_;
};

using SteadyClock = std::chrono::steady_clock;

// Evaluates `rules` for persons [begin, end): the decisions that would fire.
// `shared`: one graph per person with what the rules read, as the engine's
// sweep does; otherwise a full graph per rule (the straightforward path).
int64_t SweepRange(const std::vector<const CompiledRule*>& rules, bool shared, MemoryPopulation* population,
                   const EvaluationContext& context, size_t begin, size_t end) {
  GraphNeeds needs{false, false, false};
  for (const CompiledRule* rule : rules) {
    needs.links = needs.links || rule->reads_links;
    needs.household = needs.household || rule->reads_household;
    needs.tables = needs.tables || rule->reads_tables;
  }
  int64_t fired = 0;
  for (size_t i = begin; i < end; ++i) {
    std::unique_ptr<PersonGraph> graph;
    for (const CompiledRule* rule : rules) {
      if (graph == nullptr || !shared) {
        absl::StatusOr<std::unique_ptr<PersonGraph>> built =
            PersonGraph::Build(population->ids()[i], *rule->env, population, shared ? needs : GraphNeeds());
        if (!built.ok()) break;
        graph = *std::move(built);
      }
      if (EvaluateRule(*rule, *graph, context, /*with_trace=*/false).fires()) ++fired;
    }
  }
  return fired;
}

storage::v1::BroadcastEventRecord RedHeatwave() {
  storage::v1::BroadcastEventRecord broadcast;
  broadcast.set_event_id("bench");
  broadcast.set_topic("weather.heatwave");
  broadcast.set_area("75");
  broadcast.set_source("meteo-france");
  storage::v1::NamedValue* episode = broadcast.add_fields();
  episode->set_name("episode_id");
  episode->mutable_value()->set_string_value("bench");
  storage::v1::NamedValue* level = broadcast.add_fields();
  level->set_name("level");
  level->mutable_value()->set_string_value("red");
  return broadcast;
}

double Seconds(SteadyClock::time_point since) {
  return std::chrono::duration<double>(SteadyClock::now() - since).count();
}

// The engine's sweep: projection, filter, then the rules for the persons
// the filter leaves, read from the store.
int RunProjection(const RuleSet& rules, Store* store) {
  const SteadyClock::time_point load_start = SteadyClock::now();
  PopulationProjection projection(store, SweepColumns(rules));
  absl::StatusOr<bool> loaded = projection.LoadStep(1 << 30);
  if (!loaded.ok()) {
    std::fprintf(stderr, "loading the projection: %s\n", loaded.status().ToString().c_str());
    return 1;
  }
  std::printf("projection_load_ms=%.0f\nprojection_mib=%.0f\nsweep_persons=%u\n", Seconds(load_start) * 1000,
              projection.MemoryBytes() / 1048576.0, projection.live_rows());
  const storage::v1::BroadcastEventRecord broadcast = RedHeatwave();
  const EvaluationContext context{absl::CivilDay(2026, 9, 1), &broadcast};
  const std::vector<const CompiledRule*> candidates = rules.BroadcastRules("weather.heatwave");
  const uint32_t rows = projection.rows();
  std::vector<uint32_t> left;
  for (int threads : {1, std::max(1, absl::GetFlag(FLAGS_threads))}) {
    double best = 1e30;
    for (int r = 0; r < absl::GetFlag(FLAGS_repetitions); ++r) {
      const SteadyClock::time_point start = SteadyClock::now();
      PopulationFilter filter(projection, candidates, context);
      std::vector<std::vector<uint32_t>> found(threads);
      std::vector<int> persons(threads, 0);
      std::vector<std::thread> workers;
      for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
          filter.CollectRange(static_cast<uint32_t>(uint64_t{rows} * t / threads),
                              static_cast<uint32_t>(uint64_t{rows} * (t + 1) / threads), "", &found[t], &persons[t]);
        });
      }
      for (std::thread& w : workers) w.join();
      best = std::min(best, Seconds(start));
      left.clear();
      for (const std::vector<uint32_t>& f : found) left.insert(left.end(), f.begin(), f.end());
    }
    std::printf("filter_threads_%d_ms=%.1f\nfilter_threads_%d_records_per_s=%.0f\nfilter_left=%zu\n", threads,
                best * 1000, threads, projection.live_rows() / best, left.size());
  }
  // The persons left, evaluated as the engine's sweep evaluates them.
  GraphNeeds needs{false, false, false};
  for (const CompiledRule* rule : candidates) {
    needs.links = needs.links || rule->reads_links;
    needs.household = needs.household || rule->reads_household;
    needs.tables = needs.tables || rule->reads_tables;
  }
  const SteadyClock::time_point start = SteadyClock::now();
  PopulationFilter filter(projection, candidates, context);
  int persons = 0;
  std::vector<uint32_t> ordered = filter.Candidates("", &persons);
  int64_t fired = 0;
  // In chunks, each read with one batched read, as the engine's sweep does.
  constexpr size_t kChunk = 2000;
  for (size_t begin = 0; begin < ordered.size(); begin += kChunk) {
    std::vector<std::string> ids;
    for (size_t i = begin; i < std::min(ordered.size(), begin + kChunk); ++i) {
      ids.emplace_back(projection.person_id(ordered[i]));
    }
    StorePersonSource source(store);
    if (absl::Status read = source.Prefetch(ids); !read.ok()) {
      std::fprintf(stderr, "reading persons: %s\n", read.ToString().c_str());
      return 1;
    }
    for (const std::string& id : ids) {
      absl::StatusOr<std::unique_ptr<PersonGraph>> graph =
          PersonGraph::Build(id, *candidates.front()->env, &source, needs);
      if (!graph.ok()) continue;
      for (const CompiledRule* rule : candidates) fired += EvaluateRule(*rule, **graph, context, false).fires();
    }
  }
  const double sweep = Seconds(start);
  std::printf("sweep_threads_1_fired=%lld\nsweep_threads_1_ms=%.1f\nsweep_threads_1_records_per_s=%.0f\n",
              static_cast<long long>(fired), sweep * 1000, persons / sweep);
  return 0;
}

int Run() {
  std::shared_ptr<const RuleSet> rules = LoadRulesOrReport(absl::GetFlag(FLAGS_rules_dir));
  if (rules == nullptr) return 1;
  std::unique_ptr<Store> store = OpenStoreOrReport(absl::GetFlag(FLAGS_data_dir));
  if (store == nullptr) return 1;
  if (absl::GetFlag(FLAGS_mode) == "projection") return RunProjection(*rules, store.get());
  MemoryPopulation population;
  absl::Status decode_error;
  absl::Status scanned = store->Scan(Family::kPersons, "", [&](absl::string_view key, absl::string_view value) {
    absl::StatusOr<storage::v1::PersonState> state = DecodeRecord<storage::v1::PersonState>(value, key);
    if (!state.ok()) decode_error = state.status();
    if (state.ok()) population.Add(*std::move(state));
    return state.ok();
  });
  if (!scanned.ok() || !decode_error.ok()) {
    std::fprintf(stderr, "reading persons: %s %s\n", scanned.ToString().c_str(), decode_error.ToString().c_str());
    return 1;
  }
  (void)store->Close();

  const storage::v1::BroadcastEventRecord broadcast = RedHeatwave();
  const EvaluationContext context{absl::CivilDay(2026, 9, 1), &broadcast};
  const std::vector<const CompiledRule*> candidates = rules->BroadcastRules("weather.heatwave");
  const size_t n = population.ids().size();
  const bool shared = absl::GetFlag(FLAGS_graph) == "shared";

  for (int threads : {1, std::max(1, absl::GetFlag(FLAGS_threads))}) {
    double best = 1e30;
    int64_t fired = 0;
    for (int r = 0; r < absl::GetFlag(FLAGS_repetitions); ++r) {
      std::atomic<int64_t> total{0};
      const SteadyClock::time_point start = SteadyClock::now();
      std::vector<std::thread> workers;
      for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&, t] {
          total += SweepRange(candidates, shared, &population, context, n * t / threads, n * (t + 1) / threads);
        });
      }
      for (std::thread& w : workers) w.join();
      best = std::min(best, std::chrono::duration<double>(SteadyClock::now() - start).count());
      fired = total;
    }
    std::printf(
        "sweep_persons=%zu\nsweep_threads_%d_fired=%lld\nsweep_threads_%d_ms=%.1f\n"
        "sweep_threads_%d_records_per_s=%.0f\n",
        n, threads, static_cast<long long>(fired), threads, best * 1000, threads, n / best);
  }
  return 0;
}

}  // namespace
}  // namespace proactive

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return proactive::Run();
}
