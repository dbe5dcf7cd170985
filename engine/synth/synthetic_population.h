// A synthetic, Paris-like population as person events: the demo's city, the
// tests' fixtures and the benchmarks' 2.1 million Parisians. Nobody in it is
// real.
//
//   SyntheticPopulationOptions options{.persons = 1000, .seed = 7, .as_of = absl::CivilDay(2026, 9, 1)};
//   SyntheticPopulationStats stats = GenerateSyntheticPopulation(options,
//       [&](const v1::PublishRequest& event) { out << EventToJson(event) << "\n"; });
//
// Deterministic: the same options give the same events, in the same order,
// on every machine (own random generator, no std:: distributions).
#ifndef PROACTIVE_ENGINE_SYNTH_SYNTHETIC_POPULATION_H_
#define PROACTIVE_ENGINE_SYNTH_SYNTHETIC_POPULATION_H_

#include <array>
#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/time/civil_time.h"
#include "proactive/v1/ingestion.pb.h"

namespace proactive {

struct SyntheticPopulationOptions {
  int64_t persons = 1000;
  uint64_t seed = 1;
  absl::CivilDay as_of = absl::CivilDay(2026, 9, 1);  // "today" for ages and event times
};

struct SyntheticPopulationStats {
  int64_t persons = 0;
  int64_t households = 0;
  int64_t events = 0;
  int64_t children_turning_three = 0;  // born in as_of.year() - 3
  int64_t aged_65_plus = 0;
  int64_t reflex_registered = 0;
  int64_t with_phone = 0;
  std::array<int64_t, 21> persons_by_arrondissement{};  // index 1..20
};

// Emits every event of the population, household by household. `emit` may be
// called ~2.5 times per person.
SyntheticPopulationStats GenerateSyntheticPopulation(const SyntheticPopulationOptions& options,
                                                     absl::FunctionRef<void(const v1::PublishRequest&)> emit);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_SYNTH_SYNTHETIC_POPULATION_H_
