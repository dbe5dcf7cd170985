// The impact statistics of the register of algorithms: how the decisions
// made in a period ended, by rule and by the district their subject lived
// in when they were made (DecisionRecord.district, city.yaml
// district_attribute). What auditors and the public read to see whom a rule
// reaches and how its decisions fare: taken up, declined, contested,
// overturned.
//
//   ImpactQuery query{absl::FromCivil(absl::CivilDay(2026, 7, 1), zone), absl::InfiniteFuture()};
//   ASSIGN_OR_RETURN(ImpactStatistics stats, ComputeImpact(store, query));
//   stats.rules[0].all.by_status["confirmed"];  // offers taken up
//
// Counts are exact: publishing them is a choice for the city, which masks
// small counts first (proactivectl audit stats --public).
#ifndef PROACTIVE_ENGINE_DECISION_IMPACT_STATISTICS_H_
#define PROACTIVE_ENGINE_DECISION_IMPACT_STATISTICS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/store/store.h"

namespace proactive {

struct ImpactCounts {
  int64_t made = 0;
  int64_t reached = 0;    // known to have reached someone (notified_at set)
  int64_t contested = 0;  // contested by the citizen, whatever came of it
  // Current status ("confirmed", "overturned") -> decisions. A review the
  // rule required before notifying ends "upheld before notifying", ...:
  // "upheld", "amended", "overturned" are the outcomes of contests.
  std::map<std::string, int64_t> by_status;
};

// Districts in the order people read them: numbers as numbers ("2" before
// "10"), then names, the unknown district ("") last.
struct DistrictOrder {
  bool operator()(const std::string& a, const std::string& b) const;
};

struct RuleImpact {
  std::string rule_id;
  // The formal decisions that followed the rule's accepted offers: counted
  // apart, since they are contested and reviewed on their own.
  bool formal = false;
  ImpactCounts all;
  std::map<std::string, ImpactCounts, DistrictOrder> by_district;  // "" : district unknown
};

struct ImpactQuery {
  // Decisions made in [made_from, made_until).
  absl::Time made_from = absl::InfinitePast();
  absl::Time made_until = absl::InfiniteFuture();
  // When given, asked every 1,024 decisions: CANCELLED once it says true
  // (the caller gave up).
  std::function<bool()> stop;
};

struct ImpactStatistics {
  std::vector<RuleImpact> rules;  // by rule id
  int64_t decisions_read = 0;
};

// Reads every decision once (decisions kept after an erasure included).
// Rules in id order, each rule's formal decisions after it. DATA_LOSS
// naming a decision that does not decode.
absl::StatusOr<ImpactStatistics> ComputeImpact(const Store& store, const ImpactQuery& query);

}  // namespace proactive

#endif  // PROACTIVE_ENGINE_DECISION_IMPACT_STATISTICS_H_
