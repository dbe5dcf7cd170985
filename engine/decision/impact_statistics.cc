#include "engine/decision/impact_statistics.h"

#include <utility>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/common/proto_time.h"
#include "engine/common/status_macros.h"
#include "engine/decision/decision_factory.h"
#include "engine/decision/decision_store.h"

namespace proactive {
namespace {

// Decisions read between two questions to the query's `stop`.
constexpr int64_t kStopCheckInterval = 1024;

void Count(const storage::v1::DecisionRecord& d, const std::string& status, bool contested, ImpactCounts* counts) {
  ++counts->made;
  counts->reached += d.has_notified_at();
  counts->contested += contested;
  ++counts->by_status[status];
}

}  // namespace

bool DistrictOrder::operator()(const std::string& a, const std::string& b) const {
  if (a.empty() || b.empty()) return !a.empty() && b.empty();
  const bool a_number = absl::c_all_of(a, absl::ascii_isdigit);
  const bool b_number = absl::c_all_of(b, absl::ascii_isdigit);
  if (a_number != b_number) return a_number;
  if (a_number && a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

absl::StatusOr<ImpactStatistics> ComputeImpact(const Store& store, const ImpactQuery& query) {
  ImpactStatistics stats;
  std::map<std::pair<std::string, bool>, RuleImpact> by_rule;  // (rule, formal)
  bool stopped = false;
  RETURN_IF_ERROR(ScanDecisions(store, [&](const storage::v1::DecisionRecord& d) {
    if (query.stop && stats.decisions_read % kStopCheckInterval == 0 && query.stop()) {
      stopped = true;
      return false;
    }
    ++stats.decisions_read;
    const absl::Time made = FromProtoTimestamp(d.created_at());
    if (made < query.made_from || made >= query.made_until) return true;
    // A contest opens case "c-…"; a review before notifying, "c-…+review",
    // which the citizen did not ask for (a contest after it replaces it).
    const bool reviewed_first = absl::EndsWith(d.case_id(), "+review");
    const bool contested = !d.case_id().empty() && !reviewed_first;
    std::string status(DecisionStatusName(d.status()));
    if (reviewed_first && (d.status() == storage::v1::UPHELD || d.status() == storage::v1::AMENDED ||
                           d.status() == storage::v1::OVERTURNED)) {
      absl::StrAppend(&status, " before notifying");
    }
    const bool formal = !d.parent_decision_id().empty();
    RuleImpact& rule = by_rule[{d.rule_id(), formal}];
    rule.rule_id = d.rule_id();
    rule.formal = formal;
    Count(d, status, contested, &rule.all);
    Count(d, status, contested, &rule.by_district[d.district()]);
    return true;
  }));
  if (stopped) {
    return absl::CancelledError(absl::StrCat("stopped after ", stats.decisions_read, " decisions: the caller gave up"));
  }
  for (auto& [id, rule] : by_rule) stats.rules.push_back(std::move(rule));
  return stats;
}

}  // namespace proactive
