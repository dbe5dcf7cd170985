// Dry runs: a rule set evaluated over the stored population without acting,
// so a policy team sees who would be contacted before going live.
//
//   ASSIGN_OR_RETURN(SimulationResult result,
//                    SimulateRuleSet(*candidate, store, absl::CivilDay(2026, 7, 1), {red_heatwave}));
//   SimulationDiff diff = Compare(result, current_result);
#ifndef PROACTIVE_ENGINE_RULES_SIMULATION_H_
#define PROACTIVE_ENGINE_RULES_SIMULATION_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "engine/rules/rule_set.h"
#include "engine/store/store.h"
#include "proactive/storage/v1/storage.pb.h"

namespace proactive {

struct RuleSimulation {
  int64_t fires = 0;
  int64_t undecided = 0;
  std::map<int, int64_t> fires_by_arrondissement;  // 0: unknown
  std::set<std::string> firing;                    // person ids
};

struct SimulationResult {
  int64_t persons = 0;
  std::string rule_set_version;
  std::map<std::string, RuleSimulation> rules;  // by rule id
};

// Every rule of `rules` for every stored person on `today`; broadcast rules
// once per matching broadcast of `broadcasts`, others once. Existing
// decisions are ignored: the result says who the rules select. Reads only;
// thread-safe against concurrent writes (the view may be slightly stale).
absl::StatusOr<SimulationResult> SimulateRuleSet(const RuleSet& rules, const Store& store, absl::CivilDay today,
                                                 const std::vector<storage::v1::BroadcastEventRecord>& broadcasts);

struct RuleDifference {
  std::vector<std::string> newly_fires;      // selected by the candidate only
  std::vector<std::string> no_longer_fires;  // selected by the reference only
};

// Per rule id present in either result.
std::map<std::string, RuleDifference> Compare(const SimulationResult& candidate, const SimulationResult& reference);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_RULES_SIMULATION_H_
